package vitprobe.probe.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import vitprobe.io.AtomicFiles;
import vitprobe.io.JsonRecords;
import vitprobe.results.QualitativePanel;

/**
 * {@code OUT/qualitative/qualitative.json}: the panels stored with the inputs that decide them (the concepts, the
 * image counts and every column's stored cell), so that a rerun with the same inputs reuses them.
 */
final class PanelCache {
    /** What decides the panels: the chosen concepts, the figure's sizes and the result of every column's cell. */
    private record Inputs(List<String> concepts, int images, int candidates, List<Cell.Result> cells) {}

    /** The file's contents: the panels with the inputs they were made from. */
    private record Stored(Inputs inputs, List<QualitativePanel> panels) {}

    private final Path file;
    private final Inputs inputs;

    PanelCache(ExperimentConfig config, List<String> concepts, List<PanelColumn> columns) throws IOException {
        file = config.output().resolve(QualitativePanels.FOLDER).resolve("qualitative.json");
        List<Cell.Result> cells = new ArrayList<>();
        for (PanelColumn c : columns) cells.add(c.cell().stored(config.output()));
        inputs = new Inputs(concepts, config.qualitativeImages(), config.qualitativeCandidates(), cells);
    }

    /** The stored panels when they were made from the same inputs, else null (a file that does not parse too). */
    List<QualitativePanel> stored() throws IOException {
        if (!Files.isRegularFile(file)) return null;
        Stored stored;
        try {
            stored = JsonRecords.read(Files.readString(file), Stored.class);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return stored.inputs().equals(inputs) ? stored.panels() : null;
    }

    void store(List<QualitativePanel> panels) throws IOException {
        AtomicFiles.writeString(file, JsonRecords.writePretty(new Stored(inputs, panels)));
    }
}
