package vitprobe.probe;

import vitprobe.kernels.cpu.Parallel;

/** Balanced per-concept test sets and the metrics of templates on them. */
public final class Evaluation {
    /** The test samples of one concept: all its positives and as many random negatives. */
    public record TestSet(int[] positives, int[] negatives) {}

    private Evaluation() {}

    /**
     * All positives of concept c and the same number of random negatives (all of them when there are fewer),
     * negatives as defined by {@link ProbeData#negatives}. The draw depends only on seed and c (its
     * {@link ProbeData#drawKey draw key}).
     */
    public static TestSet balanced(ProbeData test, int c, long seed) {
        int[] positives = test.positives(c);
        int[] negatives =
                Draws.sample(test.negatives(c), positives.length, Draws.random(seed, Draws.TEST_SET, test.drawKey(c)));
        java.util.Arrays.sort(negatives);
        return new TestSet(positives, negatives);
    }

    /** {@link #balanced(ProbeData, int, long)} for every concept. */
    public static TestSet[] balanced(ProbeData test, long seed) {
        TestSet[] sets = new TestSet[test.conceptCount()];
        Parallel.forEach(sets.length, c -> sets[c] = balanced(test, c, seed));
        return sets;
    }

    /** Metrics of template c on its test set: a sample is predicted positive when its score exceeds the threshold. */
    public static Metrics evaluate(ConceptTemplates templates, int c, ProbeData test, TestSet set) {
        float t = templates.threshold(c);
        int tp = 0, fp = 0;
        for (float s : templates.scoreRows(c, test.features, set.positives())) if (s > t) tp++;
        for (float s : templates.scoreRows(c, test.features, set.negatives())) if (s > t) fp++;
        return Metrics.of(tp, fp, set.negatives().length - fp, set.positives().length - tp);
    }

    /** Metrics of every template on its concept's test set. */
    public static Metrics[] evaluate(ConceptTemplates templates, ProbeData test, TestSet[] sets) {
        if (templates.dim() != test.dim()) {
            throw new IllegalArgumentException(
                    "templates have " + templates.dim() + " dimensions, the test features " + test.dim());
        }
        Metrics[] out = new Metrics[sets.length];
        Parallel.forEach(out.length, c -> out[c] = evaluate(templates, c, test, sets[c]));
        return out;
    }
}
