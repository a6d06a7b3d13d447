package vitprobe.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import vitprobe.kernels.cpu.Parallel;

/**
 * The study's cosine templates from 1-way k-shot support sets. For concept c a support set is k random images
 * containing c (all their samples: for patch tokens every patch, for [CLS] tokens the image's one token). The
 * direction is the mean of the support positives, the threshold the one that maximises F1 on the support set
 * (its positives and its negatives); among equally good thresholds the highest, i.e. the smallest angle, which
 * without support negatives is the lowest positive cosine. A support set of one positive sample places no
 * threshold (the sample scores 1 against its own direction, the highest score there is): its negatives are then
 * also those among the other concepts' support samples of the trial (in one-vs-rest classification the other
 * classes' shots), and the threshold is the highest of their scores below the positive's: the template fires on
 * what is nearer its shot than any other concept's shot is. Repeated over independent trials.
 */
public final class CosineTrainer {
    /** Concepts named at most in {@link #fewerThanK}. */
    private static final int NAMED = 10;

    /**
     * @param shots  k: support images per concept (all images with the concept when fewer)
     * @param trials T: independent support draws
     * @param center subtract the mean of all training features before the cosine
     * @param seed   for the support draws
     */
    public record Options(int shots, int trials, boolean center, long seed) {
        public Options {
            if (shots < 1) throw new IllegalArgumentException("shots (k) must be >= 1, got " + shots);
            if (trials < 1) throw new IllegalArgumentException("trials must be >= 1, got " + trials);
        }

        /** k = 10 shots, 10 trials, not centred, seed 0. */
        public static Options defaults() {
            return new Options(10, 10, false, 0);
        }
    }

    private CosineTrainer() {}

    /** The templates of each trial, in trial order; each holds every concept. */
    public static List<ConceptTemplates> train(ProbeData data, Options options) {
        return train(data, options, templates -> {});
    }

    /** @param progress told of every template finished (trials × concepts in all), from any thread */
    public static List<ConceptTemplates> train(ProbeData data, Options options, IntConsumer progress) {
        float[] center = options.center() ? toFloat(data.featureMean()) : null;
        int[][] images = new int[data.conceptCount()][];
        for (int c = 0; c < images.length; c++) {
            Pools.positives(data, c); // fails on a concept without positives
            images[c] = data.imagesWith(c);
        }
        List<ConceptTemplates> trials = new ArrayList<>(options.trials());
        for (int t = 0; t < options.trials(); t++) trials.add(trial(data, images, t, center, options, progress));
        return trials;
    }

    /**
     * Per concept the support images each trial draws: k, or all the training images with the concept when it has
     * fewer (then every trial draws the same images and gives the same template).
     */
    public static int[] supportSizes(ProbeData data, Options options) {
        return IntStream.range(0, data.conceptCount())
                .map(c -> Math.min(options.shots(), data.imagesWith(c).length))
                .toArray();
    }

    /**
     * One line for the user naming the concepts with fewer training images than k and how many their support sets
     * hold instead (the first {@value #NAMED} of them by name), or null when every concept has k.
     */
    public static String fewerThanK(ProbeData data, Options options) {
        String note = fewerThanK(data.concepts(), supportSizes(data, options), options.shots(), options.trials());
        return note == null ? null : "warning: " + note;
    }

    /**
     * The note of {@link #fewerThanK(ProbeData, Options)} without its "warning: " for concepts and their support
     * sizes ({@link #supportSizes}), null when none is below k.
     */
    public static String fewerThanK(List<String> concepts, int[] sizes, int k, int trials) {
        int[] fewer = IntStream.range(0, sizes.length).filter(c -> sizes[c] < k).toArray();
        if (fewer.length == 0) return null;
        String named = Arrays.stream(fewer)
                .limit(NAMED)
                .mapToObj(c -> concepts.get(c) + " (" + sizes[c] + ")")
                .collect(Collectors.joining(", "));
        if (fewer.length > NAMED) named += " and " + (fewer.length - NAMED) + " more";
        return "k=" + k + " exceeds the training images of " + fewer.length
                + " concept(s); their support sets hold all the images there are"
                + (trials > 1 ? ", the same in every trial" : "") + ": " + named;
    }

    /**
     * The concepts whose support set holds a single positive sample in some trial, so that their threshold was
     * placed against the other concepts' support samples (see the class comment), in column order.
     */
    public static List<String> negativesFromOtherConcepts(ProbeData data, Options options) {
        return IntStream.range(0, data.conceptCount())
                .filter(c -> IntStream.range(0, options.trials())
                        .anyMatch(t -> supportSamples(data, supportImages(data, c, t, options), c, true).length == 1))
                .mapToObj(data.concepts()::get)
                .toList();
    }

    /** The note on {@link #negativesFromOtherConcepts} for k shots (the first {@value #NAMED} named), or null. */
    public static String negativesFromOtherConceptsNote(List<String> concepts, int k) {
        if (concepts.isEmpty()) return null;
        return "k=" + k + ": the support set of " + concepts.size() + " concept(s) held a single positive, which"
                + " places no cosine threshold; it was placed at the highest of the other concepts' support samples'"
                + " scores below the positive's: " + named(concepts);
    }

    private static String named(List<String> concepts) {
        String named = concepts.stream().limit(NAMED).collect(Collectors.joining(", "));
        return concepts.size() > NAMED ? named + " and " + (concepts.size() - NAMED) + " more" : named;
    }

    /** The support images of concept c in trial t (dense image indices, see {@link ProbeData#imageOf}). */
    public static int[] supportImages(ProbeData data, int c, int trial, Options options) {
        return supportImages(data.imagesWith(c), data.drawKey(c), trial, options);
    }

    private static int[] supportImages(int[] imagesWithConcept, int drawKey, int trial, Options options) {
        return Draws.sample(
                imagesWithConcept, options.shots(), Draws.random(options.seed(), Draws.SUPPORT, drawKey, trial));
    }

    private static ConceptTemplates trial(
            ProbeData data, int[][] images, int t, float[] center, Options options, IntConsumer progress) {
        int count = data.conceptCount(), dim = data.dim;
        float[] directions = new float[count * dim];
        int[][] positives = new int[count][], negatives = new int[count][];
        Parallel.forEach(count, c -> {
            int[] support = supportImages(images[c], data.drawKey(c), t, options);
            positives[c] = supportSamples(data, support, c, true);
            negatives[c] = supportSamples(data, support, c, false);
            double[] mean = new double[dim];
            for (int i : positives[c]) {
                for (int j = 0; j < dim; j++) mean[j] += data.features[i * dim + j];
            }
            for (int j = 0; j < dim; j++) {
                directions[c * dim + j] = (float) (mean[j] / positives[c].length - (center == null ? 0 : center[j]));
            }
        });
        // Thresholds from the very scoring code the templates are used with, so support decisions replay exactly.
        ConceptTemplates unthresholded = new ConceptTemplates(
                Rule.COSINE, data.tokens(), data.concepts(), dim, directions, new float[count], center, data.origin());
        float[] thresholds = new float[count];
        int[] everySupport =
                Arrays.stream(positives).anyMatch(p -> p.length == 1) ? everySupportImage(data, t, options) : null;
        Parallel.forEach(count, c -> {
            float[] positiveScores = unthresholded.scoreRows(c, data.features, positives[c]);
            thresholds[c] = positives[c].length == 1
                    ? highestNegativeBelow(
                            positiveScores[0],
                            unthresholded.scoreRows(c, data.features, supportSamples(data, everySupport, c, false)))
                    : bestThreshold(positiveScores, unthresholded.scoreRows(c, data.features, negatives[c]));
            progress.accept(1);
        });
        return new ConceptTemplates(
                Rule.COSINE, data.tokens(), data.concepts(), dim, directions, thresholds, center, data.origin());
    }

    /** Samples of the support images that are positives (or negatives) of concept c. */
    private static int[] supportSamples(ProbeData data, int[] images, int c, boolean positive) {
        return Arrays.stream(images)
                .flatMap(g -> Arrays.stream(data.samplesOf(g)))
                .filter(i -> positive ? data.label(i, c) : data.isNegative(i, c))
                .toArray();
    }

    /**
     * The threshold t maximising F1 of "score &gt; t" on the given scores, the highest one among ties. It sits just
     * below a positive's score s (t = the float before s), so that exactly the scores &gt;= s fire. A NaN score never
     * fires: a NaN positive counts as missed; with no other positive the threshold is +∞ and nothing fires.
     */
    static float bestThreshold(float[] positiveScores, float[] negativeScores) {
        if (positiveScores.length == 0) throw new IllegalArgumentException("no positive scores to place a threshold");
        float[] pos = sortedNumbers(positiveScores), neg = sortedNumbers(negativeScores);
        int p = pos.length - 1, n = neg.length - 1;
        int truePositives = 0, falsePositives = 0;
        double bestF1 = -1;
        float best = Float.POSITIVE_INFINITY;
        // Walk the distinct scores from the top; each is a cut that admits everything scoring at least that much.
        // The cut is the higher of the two heads, so each step admits at least that score and the walk ends.
        while (p >= 0) {
            float cut = n >= 0 ? Math.max(pos[p], neg[n]) : pos[p];
            while (p >= 0 && pos[p] >= cut) {
                truePositives++;
                p--;
            }
            while (n >= 0 && neg[n] >= cut) {
                falsePositives++;
                n--;
            }
            double f1 = 2.0 * truePositives / (truePositives + falsePositives + positiveScores.length);
            if (f1 > bestF1) {
                bestF1 = f1;
                best = Math.nextDown(cut);
            }
        }
        return best;
    }

    /**
     * The support images of every concept in trial t, each once: for a block of concepts those of the whole data set
     * it was cut from, so that a block's thresholds are those of training all its concepts together.
     */
    private static int[] everySupportImage(ProbeData data, int t, Options options) {
        ProbeData whole = data.whole();
        return IntStream.range(0, whole.conceptCount())
                .flatMap(c -> Arrays.stream(supportImages(whole, c, t, options)))
                .sorted()
                .distinct()
                .toArray();
    }

    /**
     * The threshold of a single positive scoring {@code positive}: the highest negative score below it, the lowest
     * threshold at which the positive fires and no negative does (the support's own score of 1 says nothing of how
     * far other samples of the concept lie); just below the positive without such a negative.
     */
    static float highestNegativeBelow(float positive, float[] negativeScores) {
        float highest = Math.nextDown(positive);
        boolean found = false;
        for (float s : negativeScores) {
            if (s < positive && (!found || s > highest)) {
                highest = s;
                found = true;
            }
        }
        return highest;
    }

    /** The scores in ascending order without NaNs (which sort last). */
    private static float[] sortedNumbers(float[] scores) {
        float[] sorted = scores.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        while (n > 0 && Float.isNaN(sorted[n - 1])) n--;
        return Arrays.copyOf(sorted, n);
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }
}
