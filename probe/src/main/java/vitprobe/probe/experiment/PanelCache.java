package vitprobe.probe.experiment;

import vitprobe.weights.AtomicFiles;
import vitprobe.weights.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code OUT/qualitative/qualitative.json}: the panels stored with the inputs that decide them (the concepts, the
 * image counts and every column's stored cell), so that a rerun with the same inputs reuses them.
 */
final class PanelCache {
    private final Path file;
    private final Map<String, Object> inputs = new LinkedHashMap<>();

    PanelCache(ExperimentConfig config, List<String> concepts, List<PanelColumn> columns) throws IOException {
        file = config.output().resolve(QualitativePanels.FOLDER).resolve("qualitative.json");
        inputs.put("concepts", concepts);
        inputs.put("images", config.qualitativeImages());
        inputs.put("candidates", config.qualitativeCandidates());
        List<Object> cells = new ArrayList<>();
        for (PanelColumn c : columns) cells.add(Json.parse(Files.readString(c.cell().file(config.output()))));
        inputs.put("cells", cells);
    }

    /** The stored panels when they were made from the same inputs, else null. */
    List<Map<String, Object>> stored() throws IOException {
        if (!Files.isRegularFile(file)) return null;
        Map<String, Object> stored = Json.parseObject(Files.readString(file));
        if (!Json.write(stored.get("inputs")).equals(Json.write(inputs))) return null;
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> panels = (List<Map<String, Object>>) stored.get("panels");
        return panels;
    }

    void store(List<Map<String, Object>> panels) throws IOException {
        Map<String, Object> stored = new LinkedHashMap<>();
        stored.put("inputs", inputs);
        stored.put("panels", panels);
        AtomicFiles.writeString(file, Json.writePretty(stored));
    }
}
