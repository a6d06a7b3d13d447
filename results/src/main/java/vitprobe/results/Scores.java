package vitprobe.results;

import java.util.List;

/** Accuracy, precision, recall and F1 of concept templates on balanced test sets. */
public record Scores(double accuracy, double precision, double recall, double f1) {
    /** The metrics' names, in the order results.json and the report list them. */
    public static final List<String> METRICS = List.of("accuracy", "precision", "recall", "f1");

    /** A metric by its name in {@link #METRICS}. */
    public double get(String metric) {
        return switch (metric) {
            case "accuracy" -> accuracy;
            case "precision" -> precision;
            case "recall" -> recall;
            case "f1" -> f1;
            default -> throw new IllegalArgumentException("no metric '" + metric + "'");
        };
    }

    /** Metric by metric, this minus other. */
    public Scores minus(Scores other) {
        return new Scores(accuracy - other.accuracy, precision - other.precision, recall - other.recall, f1 - other.f1);
    }
}
