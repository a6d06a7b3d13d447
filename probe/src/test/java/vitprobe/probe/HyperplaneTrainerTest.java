package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HyperplaneTrainerTest {

    @ParameterizedTest
    @ValueSource(
            strings = {"separable", "nonseparable", "tokens-timm-dino-vits8-depth2", "tokens-hf-vit-dino-format-small"})
    void studyProtocolIsWithinTwoPointsOfConvergedSklearn(String name) {
        Oracle o = Oracle.named(name);
        double sklearn = o.meanAccuracy(o.sklearn());
        double ours = o.meanAccuracy(HyperplaneTrainer.train(o.train(), HyperplaneTrainer.Options.defaults()));
        assertTrue(ours >= sklearn - 0.02, "protocol " + ours + " vs sklearn " + sklearn);
    }

    @Test
    void theSeedAloneDecidesTheResult() {
        ProbeData data = Oracle.synthetic("nonseparable").train();
        var options = HyperplaneTrainer.Options.defaults();
        ConceptTemplates a = HyperplaneTrainer.train(data, options), b = HyperplaneTrainer.train(data, options);
        ConceptTemplates other = HyperplaneTrainer.train(data, options.withSeed(1));
        for (int c = 0; c < a.conceptCount(); c++) {
            assertArrayEquals(a.direction(c), b.direction(c));
            assertFalse(java.util.Arrays.equals(a.direction(c), other.direction(c)));
        }
    }

    /**
     * Patches of 20 images labelled with the given concepts of category 0 (circle, square, triangle) in turn, and
     * every third with 'rim' (category 1) instead; random features.
     */
    private static ProbeData shapes(long seed, int... shown) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = 20 * 4, dim = 5, concepts = 4;
        float[] features = new float[n * dim];
        byte[] labels = new byte[n * concepts];
        long[] groups = new long[n];
        for (int i = 0; i < n; i++) {
            groups[i] = i / 4;
            labels[i * concepts + (i % 3 == 2 ? 3 : shown[i % shown.length])] = 1;
            for (int j = 0; j < dim; j++) features[i * dim + j] = (float) random.nextGaussian();
        }
        return ProbeData.of(
                features,
                dim,
                labels,
                List.of("circle", "square", "triangle", "rim"),
                groups,
                new long[] {0, 0, 0, 1},
                null);
    }

    /**
     * The testers' small Broden extraction: square shows only in training, circle only in the test split, so both
     * are left out, and triangle's training negatives were square's patches.
     */
    @Test
    void bothSolversTrainAConceptWhoseCategoryMatesWereLeftOut() {
        ProbeData train = shapes(1, 1, 2), test = shapes(2, 0, 2);
        int[] usable = ProbeData.usableConcepts(train, test);
        ProbeData kept = train.withConcepts(usable);
        ConceptTemplates mined = HyperplaneTrainer.train(kept, HyperplaneTrainer.Options.defaults());
        ConceptTemplates lbfgs = LogisticRegressionTrainer.train(kept, LogisticRegressionTrainer.Options.defaults());
        assertEquals(List.of("triangle", "rim"), mined.concepts(), "rim, alone in its category, against the shapes");
        assertEquals(mined.concepts(), lbfgs.concepts());
        assertEquals(List.of("circle", "square"), train.conceptsOutside(usable));
    }
}
