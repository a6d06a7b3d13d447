package vitprobe.probe;

import java.util.List;
import vitprobe.results.Scores;

/** Binary classification scores; precision (and so F1) is 0 when nothing was predicted positive. */
public record Metrics(double accuracy, double precision, double recall, double f1) implements java.io.Serializable {

    public static Metrics of(int truePositives, int falsePositives, int trueNegatives, int falseNegatives) {
        int total = truePositives + falsePositives + trueNegatives + falseNegatives;
        double accuracy = total == 0 ? 0 : (double) (truePositives + trueNegatives) / total;
        double precision = truePositives == 0 ? 0 : (double) truePositives / (truePositives + falsePositives);
        double recall = truePositives == 0 ? 0 : (double) truePositives / (truePositives + falseNegatives);
        double f1 =
                truePositives == 0 ? 0 : 2.0 * truePositives / (2.0 * truePositives + falsePositives + falseNegatives);
        return new Metrics(accuracy, precision, recall, f1);
    }

    /** The same four numbers as results.json stores them. */
    public Scores scores() {
        return new Scores(accuracy, precision, recall, f1);
    }

    /** Field-wise mean. */
    public static Metrics mean(List<Metrics> all) {
        return new Metrics(
                all.stream().mapToDouble(Metrics::accuracy).average().orElse(Double.NaN),
                all.stream().mapToDouble(Metrics::precision).average().orElse(Double.NaN),
                all.stream().mapToDouble(Metrics::recall).average().orElse(Double.NaN),
                all.stream().mapToDouble(Metrics::f1).average().orElse(Double.NaN));
    }

    /** Field-wise population standard deviation (numpy's default), as reported over cosine trials. */
    public static Metrics std(List<Metrics> all) {
        Metrics m = mean(all);
        return new Metrics(
                std(all, m.accuracy, Metrics::accuracy),
                std(all, m.precision, Metrics::precision),
                std(all, m.recall, Metrics::recall),
                std(all, m.f1, Metrics::f1));
    }

    private static double std(List<Metrics> all, double mean, java.util.function.ToDoubleFunction<Metrics> field) {
        return Math.sqrt(all.stream()
                .mapToDouble(x -> (field.applyAsDouble(x) - mean) * (field.applyAsDouble(x) - mean))
                .average()
                .orElse(Double.NaN));
    }
}
