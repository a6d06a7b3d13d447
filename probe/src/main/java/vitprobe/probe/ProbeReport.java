package vitprobe.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vitprobe.io.JsonRecords.Inline;
import vitprobe.io.JsonRecords.Name;
import vitprobe.io.JsonRecords.Nullable;
import vitprobe.io.JsonRecords.OmitNull;
import vitprobe.results.Scores;
import vitprobe.results.Spread;

/**
 * The result of probing, as the probe command writes it: the rule and the options used, then per concept its
 * name, category, test positives and negatives and metrics (for the cosine rule the mean and, as "*_std", the
 * standard deviation over trials), then means per category and overall.
 */
public final class ProbeReport {
    private ProbeReport() {}

    /**
     * @param tokens          the token type of the features
     * @param train           the training features' file or folder
     * @param test            the test features' file or folder
     * @param skippedConcepts concepts left out: no positives or negatives in a split
     * @param negativesFromOtherCategories concepts alone in their category, whose negatives are other categories'
     * @param negativesFromOtherConcepts cosine: concepts whose support set held a single positive in some trial,
     *     thresholded against the other concepts' support samples ({@link CosineTrainer}); null when none
     * @param categories      per category, without categories null
     */
    public record Result(
            String rule,
            @Inline Training training,
            String tokens,
            String train,
            String test,
            List<String> skippedConcepts,
            List<String> negativesFromOtherCategories,
            @OmitNull List<String> negativesFromOtherConcepts,
            Seconds seconds,
            List<ConceptResult> concepts,
            @OmitNull List<CategoryResult> categories,
            Scores mean) {}

    /** The training options used; only those of the rule (and the hyperplane's solver) are written. */
    public record Training(
            long seed,
            @OmitNull Integer k,
            @OmitNull Integer trials,
            @OmitNull Boolean center,
            @OmitNull String solver,
            @Name("C") @OmitNull Double inverseRegularization,
            @OmitNull Double poolRatio,
            @OmitNull Integer minedRatio,
            @OmitNull Integer rounds,
            @OmitNull Integer epochs,
            @OmitNull Double learningRate,
            @OmitNull Double l2,
            @OmitNull Integer batchSize) {
        public static Training cosine(CosineTrainer.Options o) {
            return new Training(
                    o.seed(), o.shots(), o.trials(), o.center(), null, null, null, null, null, null, null, null, null);
        }

        public static Training lbfgs(LogisticRegressionTrainer.Options o) {
            return new Training(
                    o.seed(),
                    null,
                    null,
                    null,
                    "lbfgs",
                    o.inverseRegularization(),
                    o.poolRatio(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null);
        }

        public static Training mined(HyperplaneTrainer.Options o) {
            return new Training(
                    o.seed(),
                    null,
                    null,
                    null,
                    "mined",
                    null,
                    o.poolRatio(),
                    o.minedRatio(),
                    o.rounds(),
                    o.epochs(),
                    o.learningRate(),
                    o.l2(),
                    o.batchSize());
        }
    }

    /** Wall time of each stage, in seconds. */
    public record Seconds(double load, double train, double evaluate) {}

    /**
     * @param category the name of the concept's category (its number when the file names none), null without
     * @param k        cosine: the support images each trial drew when the concept has fewer training images than
     *                 the k asked for (all of them, the same in every trial), null otherwise
     * @param std      the spread over trials, for the cosine rule only
     */
    public record ConceptResult(
            String name,
            @Nullable String category,
            int positives,
            int negatives,
            @OmitNull Integer k,
            @Inline Scores mean,
            @Inline @OmitNull Spread std) {}

    /** @param category the category's name, or its number when the file names none */
    public record CategoryResult(
            String category, int concepts, @Inline Scores mean) {}

    /** Fails unless test can evaluate templates trained on train: same feature dimension and concepts. */
    public static void requireCompatible(ProbeData train, ProbeData test) {
        if (train.dim() != test.dim()) {
            throw new IllegalArgumentException(test.source() + ": features have " + test.dim() + " dimensions but "
                    + train.source() + " has " + train.dim());
        }
        if (!train.concepts().equals(test.concepts())) {
            throw new IllegalArgumentException(
                    test.source() + ": concepts differ from those of " + train.source() + " (" + test.conceptCount()
                            + " vs " + train.conceptCount() + " columns; names and order must match)");
        }
    }

    /**
     * Per concept, per category and overall metrics.
     *
     * @param negativesFromOtherConcepts cosine: {@link CosineTrainer#negativesFromOtherConcepts}; null otherwise
     * @param supportSizes cosine: per concept the support images each trial drew ({@link CosineTrainer#supportSizes}),
     *                     recorded for those below the k asked for; null for the hyperplane rule
     * @param metrics per trial, per concept (one trial for the hyperplane rule)
     */
    public static Result build(
            Rule rule,
            Training training,
            String tokens,
            String train,
            String test,
            List<String> skippedConcepts,
            List<String> negativesFromOtherCategories,
            List<String> negativesFromOtherConcepts,
            Seconds seconds,
            ProbeData data,
            Evaluation.TestSet[] sets,
            int[] supportSizes,
            List<Metrics[]> metrics) {
        List<ConceptResult> concepts = new ArrayList<>();
        List<Metrics> means = new ArrayList<>();
        // In the order of the category numbers, as before they were named.
        Map<Long, List<Metrics>> byCategory = new TreeMap<>();
        Map<Long, String> categoryNames = new TreeMap<>();
        for (int c = 0; c < data.conceptCount(); c++) {
            List<Metrics> trials = new ArrayList<>();
            for (Metrics[] m : metrics) trials.add(m[c]);
            Metrics mean = Metrics.mean(trials);
            Spread std = rule == Rule.COSINE ? Spread.of(Metrics.std(trials).scores()) : null;
            concepts.add(new ConceptResult(
                    data.concepts().get(c),
                    data.categoryName(c),
                    sets[c].positives().length,
                    sets[c].negatives().length,
                    supportSizes != null && training.k() != null && supportSizes[c] < training.k()
                            ? supportSizes[c]
                            : null,
                    mean.scores(),
                    std));
            means.add(mean);
            if (data.hasCategories()) {
                byCategory
                        .computeIfAbsent(data.category(c), k -> new ArrayList<>())
                        .add(mean);
                categoryNames.put(data.category(c), data.categoryName(c));
            }
        }
        List<CategoryResult> categories = null;
        if (data.hasCategories()) {
            categories = new ArrayList<>();
            for (var e : byCategory.entrySet()) {
                Scores mean = Metrics.mean(e.getValue()).scores();
                categories.add(new CategoryResult(
                        categoryNames.get(e.getKey()), e.getValue().size(), mean));
            }
        }
        return new Result(
                rule.key(),
                training,
                tokens,
                train,
                test,
                skippedConcepts,
                negativesFromOtherCategories,
                negativesFromOtherConcepts == null || negativesFromOtherConcepts.isEmpty()
                        ? null
                        : negativesFromOtherConcepts,
                seconds,
                concepts,
                categories,
                Metrics.mean(means).scores());
    }
}
