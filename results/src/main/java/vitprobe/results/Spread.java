package vitprobe.results;

/** The standard deviation of each metric over trials ("accuracy_std", ...); all null for a single trial. */
public record Spread(Double accuracyStd, Double precisionStd, Double recallStd, Double f1Std) {
    public static final Spread NONE = new Spread(null, null, null, null);

    public static Spread of(Scores std) {
        return new Spread(std.accuracy(), std.precision(), std.recall(), std.f1());
    }

    /** A metric's standard deviation by its name in {@link Scores#METRICS}, null for a single trial. */
    public Double get(String metric) {
        return switch (metric) {
            case "accuracy" -> accuracyStd;
            case "precision" -> precisionStd;
            case "recall" -> recallStd;
            case "f1" -> f1Std;
            default -> throw new IllegalArgumentException("no metric '" + metric + "'");
        };
    }
}
