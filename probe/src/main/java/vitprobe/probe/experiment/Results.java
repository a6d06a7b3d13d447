package vitprobe.probe.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import vitprobe.probe.Rule;
import vitprobe.results.CellRow;
import vitprobe.results.Experiment;
import vitprobe.results.Headlines;
import vitprobe.results.ModelDescription;
import vitprobe.results.QualitativePanel;
import vitprobe.results.ResultRow;
import vitprobe.results.ResultsCsv;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;
import vitprobe.results.SkippedConcepts;

/**
 * Gathers the finished cells into {@code results.json} and {@code results.csv}. results.json holds everything
 * the report shows, so that the report only formats it: the rows (per model, task, token type, rule, k: one per
 * concept, per category and over all concepts), the LayerNorm comparison (y vs y_norm), the findings (which token
 * type and rule win per model, task and category, made by {@link Headlines}) and the qualitative panels.
 */
final class Results {
    private Results() {}

    static Path write(
            ExperimentConfig config,
            List<Cell> plan,
            Map<String, ModelDescription> models,
            Map<String, List<String>> skipped,
            List<QualitativePanel> qualitative)
            throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        Set<String> warnings = new LinkedHashSet<>(config.warnings());
        for (Cell c : plan) {
            Cell.Result stored = c.stored(config.output());
            for (CellRow row : stored.rows()) rows.add(new ResultRow(c.key(), row));
            for (String note : Arrays.asList(
                    Cell.segmentationNote(c, stored.fewerThanK()), Cell.taskNote(c, stored.otherConceptsNote()))) {
                if (note != null) warnings.add(note);
            }
        }
        Integer reportK = config.rules().contains(Rule.COSINE) ? config.ks().getLast() : null;
        List<SkippedConcepts> skippedList = new ArrayList<>();
        skipped.forEach((key, names) -> {
            if (!names.isEmpty()) {
                int slash = key.indexOf('/');
                skippedList.add(new SkippedConcepts(key.substring(0, slash), key.substring(slash + 1), names));
            }
        });
        Experiment experiment = config.describe();
        ResultsDocument results = new ResultsDocument(
                ResultsDocument.FORMAT,
                experiment,
                List.copyOf(models.values()),
                reportK,
                skippedList,
                warnings.isEmpty() ? null : List.copyOf(warnings),
                Headlines.findings(experiment, rows, reportK),
                Headlines.layerNorm(experiment, rows, reportK),
                qualitative,
                rows);
        Path json = config.output().resolve("results.json");
        ResultsJson.write(json, results);
        ResultsCsv.write(config.output().resolve("results.csv"), rows);
        return json;
    }
}
