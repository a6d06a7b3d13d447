package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CosineTrainerTest {

    private static ProbeData data(String kind, long seed) {
        return kind.equals("classification")
                ? Synthetic.classification(seed, 240, 20, 4, 3.0)
                : Synthetic.segmentation(seed, 60, 12, 20, 5, 3.0);
    }

    @ParameterizedTest
    @CsvSource({"classification, false", "classification, true", "segmentation, false", "segmentation, true"})
    void equalsADirectScalarReimplementationOnTheSameDraws(String kind, boolean center) {
        ProbeData train = data(kind, 1), test = data(kind, 2);
        var options = new CosineTrainer.Options(3, 4, center, 11);
        List<ConceptTemplates> trials = CosineTrainer.train(train, options);
        Evaluation.TestSet[] sets = Evaluation.balanced(test, 5);
        double[] origin = center ? train.featureMean() : new double[train.dim()];
        for (int t = 0; t < options.trials(); t++) {
            for (int c = 0; c < train.conceptCount(); c++) {
                Scalar s = new Scalar(train, c, CosineTrainer.supportImages(train, c, t, options), origin);
                ConceptTemplates ours = trials.get(t);
                float[] d = ours.direction(c);
                for (int j = 0; j < d.length; j++) assertEquals(s.direction[j], d[j], 1e-5, "direction");
                assertEquals(s.cut, ours.threshold(c), 1e-5, "threshold");
                Metrics expected = s.metrics(test, sets[c]);
                Metrics actual = Evaluation.evaluate(ours, c, test, sets[c]);
                assertEquals(expected, actual, "trial " + t + " concept " + c);
            }
        }
    }

    /**
     * At k=1 a tester saw every cosine point at chance: the one support positive scores 1 against its own direction,
     * so the F1-optimal threshold sat just below 1 and nothing else ever fired. The other concepts' shots are its
     * negatives in one-vs-rest classification; the threshold is now the highest of their scores.
     */
    @Test
    void oneShotTemplatesFireOnTheirConceptAgainstTheOtherConceptsShots() {
        ProbeData train = Synthetic.classification(1, 240, 20, 4, 1.0),
                test = Synthetic.classification(2, 240, 20, 4, 1.0);
        var options = new CosineTrainer.Options(1, 5, false, 3);
        Evaluation.TestSet[] sets = Evaluation.balanced(test, 5);
        for (ConceptTemplates trial : CosineTrainer.train(train, options)) {
            for (Metrics m : Evaluation.evaluate(trial, test, sets))
                assertTrue(m.accuracy() > 0.7 && m.recall() > 0.5, m.toString());
        }
        assertEquals(train.concepts(), CosineTrainer.negativesFromOtherConcepts(train, options));
        assertEquals(
                List.of(), CosineTrainer.negativesFromOtherConcepts(train, new CosineTrainer.Options(2, 5, false, 3)));
    }

    /** Regression: the note said the threshold sat at the other concepts' highest score, not the highest below. */
    @Test
    void theOneShotNoteSaysTheThresholdIsTheHighestScoreBelowThePositives() {
        String note = CosineTrainer.negativesFromOtherConceptsNote(List.of("cat"), 1);
        assertTrue(note.contains("highest of the other concepts' support samples' scores below the positive's"), note);
    }

    /**
     * Regression: trained in blocks of concepts (as Spark does), a one-shot template's threshold was placed against
     * the shots of its block only, so Spark and a single machine gave other results at k=1.
     */
    @Test
    void oneShotTemplatesTrainedInBlocksAreThoseTrainedTogether() {
        ProbeData train = Synthetic.classification(1, 240, 20, 4, 1.0);
        var options = new CosineTrainer.Options(1, 3, false, 3);
        List<ConceptTemplates> together = CosineTrainer.train(train, options);
        for (int from = 0; from < train.conceptCount(); from += 2) {
            List<ConceptTemplates> block = CosineTrainer.train(train.conceptBlock(from, from + 2), options);
            for (int t = 0; t < together.size(); t++) {
                for (int c = 0; c < 2; c++)
                    assertEquals(
                            together.get(t).threshold(from + c), block.get(t).threshold(c), "trial " + t);
            }
        }
    }

    /** The cosine rule written out directly, in double precision, from the study's description. */
    private static final class Scalar {
        final double[] direction, origin;
        final double cut;

        Scalar(ProbeData data, int c, int[] images, double[] origin) {
            this.origin = origin;
            List<Integer> positives = new ArrayList<>(), negatives = new ArrayList<>();
            for (int g : images) {
                for (int i : data.samplesOf(g)) {
                    if (data.label(i, c)) positives.add(i);
                    else if (isNegative(data, i, c)) negatives.add(i);
                }
            }
            direction = new double[data.dim()];
            for (int i : positives) {
                float[] f = data.feature(i);
                for (int j = 0; j < f.length; j++) direction[j] += f[j] / positives.size();
            }
            for (int j = 0; j < direction.length; j++) direction[j] -= origin[j];
            double bestF1 = -1, bestCut = Double.NaN;
            for (int candidate : positives) {
                double at = cos(data.feature(candidate));
                long tp = positives.stream()
                        .filter(i -> cos(data.feature(i)) >= at)
                        .count();
                long fp = negatives.stream()
                        .filter(i -> cos(data.feature(i)) >= at)
                        .count();
                double f1 = 2.0 * tp / (tp + fp + positives.size());
                if (f1 > bestF1 || f1 == bestF1 && at > bestCut) {
                    bestF1 = f1;
                    bestCut = at;
                }
            }
            cut = bestCut;
        }

        /** Negatives: no c, and for patches with categories another concept of c's category. */
        private static boolean isNegative(ProbeData data, int i, int c) {
            if (data.tokens() == SampleKind.CLS || !data.hasCategories()) return true;
            for (int o = 0; o < data.conceptCount(); o++) {
                if (o != c && data.label(i, o) && data.category(o).equals(data.category(c))) return true;
            }
            return false;
        }

        double cos(float[] f) {
            double dot = 0, ff = 0, dd = 0;
            for (int j = 0; j < f.length; j++) {
                double x = f[j] - origin[j];
                dot += x * direction[j];
                ff += x * x;
                dd += direction[j] * direction[j];
            }
            return dot / Math.sqrt(ff * dd);
        }

        Metrics metrics(ProbeData test, Evaluation.TestSet set) {
            int tp = 0, fp = 0;
            for (int i : set.positives()) if (cos(test.feature(i)) >= cut) tp++;
            for (int i : set.negatives()) if (cos(test.feature(i)) >= cut) fp++;
            return Metrics.of(tp, fp, set.negatives().length - fp, set.positives().length - tp);
        }
    }

    @Test
    void withoutNegativesTheThresholdAdmitsTheLowestPositive() {
        float[] positives = {0.9f, 0.35f, 0.6f};
        float t = CosineTrainer.bestThreshold(positives, new float[0]);
        assertTrue(0.35f > t && Math.nextUp(t) == 0.35f, "threshold " + t);
    }

    @Test
    void theThresholdMaximisesF1AndPrefersTheSmallerAngle() {
        // Cut at 0.8 admits 2 positives and no negative: F1 = 4/5. Cut at 0.5 admits all 3 and 1 negative: F1 = 6/7.
        assertEquals(
                Math.nextDown(0.5f),
                CosineTrainer.bestThreshold(new float[] {0.9f, 0.8f, 0.5f}, new float[] {0.7f, 0.1f}));
        // Cut at 0.8: 1 of 2 positives, F1 = 2/3; cut at 0.2: 2 positives and 1 negative, F1 = 4/5... and with two
        // negatives above 0.2 it is 2/3 again: a tie, and the higher cut wins.
        assertEquals(
                Math.nextDown(0.8f), CosineTrainer.bestThreshold(new float[] {0.8f, 0.2f}, new float[] {0.5f, 0.4f}));
    }

    /** A NaN score never exceeds a threshold: the search passes over it instead of waiting for it to. */
    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theThresholdSearchStepsOverNaNScores() {
        float nan = Float.NaN;
        assertEquals(
                Math.nextDown(0.5f),
                CosineTrainer.bestThreshold(new float[] {nan, 0.5f, 0.9f}, new float[] {0.7f, nan}));
        assertEquals(
                Float.POSITIVE_INFINITY,
                CosineTrainer.bestThreshold(new float[] {nan}, new float[] {0.2f}),
                "no positive can fire, so none of the negatives should either");
    }

    /** Concept 0 on zero vectors (a zero direction), concept 1 on random ones; samples 0..5 are zero vectors. */
    private static ProbeData withZeroVectors() {
        int n = 12, dim = 3;
        float[] features = new float[n * dim];
        byte[] labels = new byte[n * 2];
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            labels[i * 2 + (i < 6 ? 0 : 1)] = 1;
            for (int j = 0; i >= 6 && j < dim; j++) features[i * dim + j] = (float) random.nextGaussian();
        }
        return ProbeData.of(features, dim, labels, List.of("void", "noise"), null, null, SampleKind.CLS);
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void zeroSupportFeaturesScoreACosineOfZero() {
        ProbeData data = withZeroVectors();
        ConceptTemplates t = CosineTrainer.train(data, new CosineTrainer.Options(3, 2, false, 0))
                .getFirst();
        assertArrayEquals(new float[3], t.direction(0));
        for (int i = 0; i < data.size(); i++) assertEquals(0f, t.score(data.feature(i))[0], "sample " + i);
        assertEquals(0f, t.score(data.feature(0))[1], "a zero feature against a non-zero direction");
        assertEquals(Math.nextDown(0f), t.threshold(0), "every score is 0: the threshold admits them all");
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void centringConstantFeaturesLeavesZeroVectorsThatTrain() {
        ProbeData constant = ProbeData.of(
                new float[] {2, 5, 2, 5, 2, 5, 2, 5},
                2,
                new byte[] {1, 0, 1, 0, 0, 1, 0, 1},
                List.of("a", "b"),
                null,
                null,
                SampleKind.CLS);
        List<ConceptTemplates> trials = CosineTrainer.train(constant, new CosineTrainer.Options(1, 3, true, 0));
        assertEquals(3, trials.size());
        for (ConceptTemplates t : trials) {
            assertEquals(List.of(0f, 0f), List.of(t.score(constant.feature(0))[0], t.score(constant.feature(3))[1]));
            Metrics m = Evaluation.evaluate(t, constant, Evaluation.balanced(constant, 0))[0];
            assertEquals(0.5, m.accuracy(), "every sample scores 0 and fires: half are right");
        }
    }

    @Test
    void supportSetsAreKDistinctImagesWithTheConcept() {
        ProbeData data = Synthetic.segmentation(3, 40, 10, 8, 5, 1.0);
        var options = new CosineTrainer.Options(5, 3, false, 0);
        for (int c = 0; c < data.conceptCount(); c++) {
            int[] withConcept = data.imagesWith(c);
            for (int t = 0; t < options.trials(); t++) {
                int[] images = CosineTrainer.supportImages(data, c, t, options);
                assertEquals(5, Arrays.stream(images).distinct().count());
                for (int g : images) assertTrue(Arrays.binarySearch(withConcept, g) >= 0);
                assertArrayEquals(images, CosineTrainer.supportImages(data, c, t, options), "a draw repeats");
            }
            assertTrue(!Arrays.equals(
                    CosineTrainer.supportImages(data, c, 0, options),
                    CosineTrainer.supportImages(data, c, 1, options)));
        }
        var many = new CosineTrainer.Options(1000, 1, false, 0);
        assertEquals(
                data.imagesWith(0).length,
                CosineTrainer.supportImages(data, 0, 0, many).length,
                "k beyond the images takes them all");
    }

    @Test
    void everySupportPositiveOfAClassificationTemplateFires() {
        ProbeData data = Synthetic.classification(4, 120, 10, 3, 2.0);
        var options = new CosineTrainer.Options(4, 2, false, 9);
        List<ConceptTemplates> trials = CosineTrainer.train(data, options);
        for (int t = 0; t < options.trials(); t++) {
            for (int c = 0; c < data.conceptCount(); c++) {
                ConceptTemplates templates = trials.get(t);
                int[] support = CosineTrainer.supportImages(data, c, t, options);
                float lowest = Float.MAX_VALUE;
                for (int i : support) {
                    float[] s = templates.score(data.feature(i));
                    assertTrue(s[c] > templates.threshold(c));
                    lowest = Math.min(lowest, s[c]);
                }
                assertEquals(Math.nextDown(lowest), templates.threshold(c), 1e-6f);
            }
        }
    }

    /** Tester report: a k above a concept's training images was recorded as if used, with a spread of 0. */
    @Test
    void conceptsWithFewerImagesThanKAreNamedWithWhatTheirSupportSetsHold() {
        ProbeData data = Synthetic.classification(4, 14, 6, 3, 1.0); // 5, 5 and 4 images
        var options = new CosineTrainer.Options(5, 3, false, 0);
        assertArrayEquals(new int[] {5, 5, 4}, CosineTrainer.supportSizes(data, options));
        assertEquals(
                "warning: k=5 exceeds the training images of 1 concept(s); their support sets hold all the images"
                        + " there are, the same in every trial: concept2 (4)",
                CosineTrainer.fewerThanK(data, options));
        List<ConceptTemplates> trials = CosineTrainer.train(data, options);
        assertArrayEquals(trials.get(0).direction(2), trials.get(2).direction(2), "the same support set each trial");
        assertEquals(null, CosineTrainer.fewerThanK(data, new CosineTrainer.Options(4, 3, false, 0)));
        ProbeData many = Synthetic.classification(4, 24, 6, 12, 1.0); // 2 images each
        String line = CosineTrainer.fewerThanK(many, new CosineTrainer.Options(3, 1, false, 0));
        assertTrue(line.contains("of 12 concept(s)") && !line.contains("every trial"), line);
        assertTrue(line.endsWith("concept9 (2) and 2 more"), line);
    }
}
