package vitprobe.probe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HyperplaneTrainerTest {

    @ParameterizedTest
    @ValueSource(strings = {"separable", "nonseparable", "tokens-timm-dino-vits8-depth2", "tokens-hf-vit-dino-format-small"})
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
}
