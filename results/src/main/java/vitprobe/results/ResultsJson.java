package vitprobe.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;

/** Reads and writes results.json: indented JSON of a {@link ResultsDocument}, written atomically. */
public final class ResultsJson {
    private ResultsJson() {}

    public static void write(Path file, ResultsDocument results) throws IOException {
        AtomicFiles.writeString(file, JsonRecords.writePretty(results));
    }

    /**
     * Reads a results file; any problem is one {@link IllegalArgumentException} naming the file and the place. Every
     * metric (accuracy, precision, recall, F1, IoU, and their standard deviations) must be a number in [0, 1], a
     * difference of two metrics one in [-1, 1], so that a damaged file is refused instead of drawn.
     */
    public static ResultsDocument read(Path file) throws IOException {
        String text = Files.readString(file);
        try {
            Object json = Json.parse(text);
            Object format = json instanceof Map<?, ?> m ? m.get("format") : null;
            if (!ResultsDocument.FORMAT.equals(format)) {
                throw new IllegalArgumentException(
                        "not a vitprobe results file (format " + format + ", expected " + ResultsDocument.FORMAT + ")");
            }
            ResultsDocument results = JsonRecords.fromTree(json, ResultsDocument.class);
            requireMetricsInRange(results);
            requireFileNames(results);
            return results;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every metric of the rows and its standard deviation in [0, 1], as {@link #read} checks results.json's rows (a
     * cell's file holds the same rows); else an {@link IllegalArgumentException} naming the row and the metric.
     */
    public static void requireMetricsInRange(List<CellRow> rows) {
        for (int i = 0; i < rows.size(); i++) {
            CellRow row = rows.get(i);
            String at = "rows[" + i + "].";
            for (String metric : Scores.METRICS) {
                requireUnit(at + metric, row.mean().get(metric));
                Double std = row.std().get(metric);
                if (std != null) requireUnit(at + metric + "_std", std);
            }
        }
    }

    private static void requireMetricsInRange(ResultsDocument results) {
        requireMetricsInRange(results.rows().stream().map(ResultRow::row).toList());
        for (int i = 0; i < results.findings().size(); i++) {
            Finding f = results.findings().get(i);
            String at = "findings[" + i + "].";
            requireUnit(at + "best.value", f.best().value());
            requireUnit(at + "worst.value", f.worst().value());
            for (int j = 0; j < f.perRule().size(); j++)
                requireUnit(at + "per_rule[" + j + "].value", f.perRule().get(j).value());
        }
        for (int i = 0; i < results.layernorm().size(); i++) {
            LayerNormComparison c = results.layernorm().get(i);
            String at = "layernorm[" + i + "].";
            for (String metric : Scores.METRICS) {
                requireUnit(at + "y." + metric, c.y().get(metric));
                requireUnit(at + "y_norm." + metric, c.yNorm().get(metric));
                requireRange(at + "delta." + metric, c.delta().get(metric), -1);
            }
        }
        for (int i = 0; i < results.qualitative().size(); i++) {
            QualitativePanel p = results.qualitative().get(i);
            String at = "qualitative[" + i + "].";
            requireUnit(at + "f1", p.f1());
            for (int j = 0; j < p.columns().size(); j++)
                requireUnit(at + "columns[" + j + "].f1", p.columns().get(j).f1());
            for (int j = 0; j < p.images().size(); j++) {
                QualitativePanel.Image image = p.images().get(j);
                requireUnit(at + "images[" + j + "].iou", image.iou());
                for (int m = 0; m < image.predictions().size(); m++)
                    requireUnit(
                            at + "images[" + j + "].predictions[" + m + "].iou",
                            image.predictions().get(m).iou());
            }
        }
    }

    /** The names the report puts into file names: models', tasks' and rules' (see {@link FileNamePart}). */
    private static void requireFileNames(ResultsDocument results) {
        for (int i = 0; i < results.models().size(); i++)
            requireFileName("models[" + i + "].name", results.models().get(i).name());
        for (String model : results.experiment().models().keySet()) requireFileName("experiment.models", model);
        for (String task : results.experiment().tasks().keySet()) requireFileName("experiment.tasks", task);
        for (String rule : results.experiment().rules()) requireFileName("experiment.rules", rule);
    }

    private static void requireFileName(String at, String name) {
        String problem = FileNamePart.problem(name);
        if (problem != null) throw new IllegalArgumentException(at + ": '" + name + "' " + problem);
    }

    private static void requireUnit(String at, double v) {
        requireRange(at, v, 0);
    }

    /** v in [low, 1]; NaN and the infinities (a number such as 1e999) fail too. */
    private static void requireRange(String at, double v, int low) {
        if (!(v >= low && v <= 1)) {
            throw new IllegalArgumentException(at + ": " + v + " is outside [" + low + ", 1]"
                    + (Double.isFinite(v) ? "" : " (not a finite number)"));
        }
    }
}
