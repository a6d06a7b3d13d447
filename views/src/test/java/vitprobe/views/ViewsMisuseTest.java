package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import vitprobe.engine.ImageInputs;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.kernels.Backend;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.Rule;
import vitprobe.probe.SampleKind;
import vitprobe.weights.ViTWeights;

/** The views refuse what the engine refuses, in the same words: no images, a null argument. */
class ViewsMisuseTest {
    private static void refused(Class<? extends RuntimeException> type, String message, Executable call) {
        assertEquals(message, assertThrows(type, call).getMessage());
    }

    @Test
    void noImagesAreRefusedAsImageInputsRefusesThem() {
        refused(
                IllegalArgumentException.class,
                "no images",
                () -> InputImage.load(List.of(), ImageInputs.transformFor(ViewsTesting.CONFIG)));
        try (ViTWeights w = ViewsTesting.weights();
                Backend cpu = ViewsTesting.backend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            refused(
                    IllegalArgumentException.class,
                    "no images",
                    () -> AttentionMaps.compute(vit, "m", List.of(), -1, 8, null));
            refused(
                    IllegalArgumentException.class,
                    "no images",
                    () -> FeaturePca.compute(vit, "m", List.of(), Intermediate.Y_NORM, -1, null, 8, null));
        }
    }

    @Test
    void nullArgumentsAreNamed() {
        ConceptTemplates templates = new ConceptTemplates(
                Rule.HYPERPLANE,
                SampleKind.PATCH,
                List.of("a"),
                ViewsTesting.CONFIG.dim(),
                new float[ViewsTesting.CONFIG.dim()],
                new float[1],
                null,
                new FeatureOrigin("k", 1, "random"));
        refused(NullPointerException.class, "vit", () -> Segmenter.of(null, templates));
        try (ViTWeights w = ViewsTesting.weights();
                Backend cpu = ViewsTesting.backend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            refused(NullPointerException.class, "templates", () -> Segmenter.of(vit, null));
        }
        refused(NullPointerException.class, "files", () -> InputImage.load(null, null));
    }
}
