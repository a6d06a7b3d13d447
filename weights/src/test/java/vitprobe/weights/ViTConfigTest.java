package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ViTConfigTest {
    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};

    private static ViTConfig small(float[] mean, String interpolation) {
        return new ViTConfig(
                CheckpointFormat.TIMM, 64, 2, 4, 16, 64, 3, 128, 1e-6, mean, ViTConfig.imagenetStd(), interpolation);
    }

    /**
     * Tester report: the mean of one model's config, changed by its caller, changed every other model's preprocessing
     * in the JVM (the arrays were shared, also with the public ImageNet constants).
     */
    @Test
    void noCallerChangesAnotherConfigsNormalisation() {
        ViTConfig a = ViTConfig.vitSmall8(), b = ViTConfig.vitSmall8();
        a.mean()[0] = 0f;
        ViTConfig.imagenetMean()[1] = 0f;
        float[] given = ViTConfig.imagenetMean();
        ViTConfig c = small(given, "bicubic");
        given[2] = 0f;
        assertArrayEquals(IMAGENET_MEAN, a.mean());
        assertArrayEquals(IMAGENET_MEAN, b.mean());
        assertArrayEquals(IMAGENET_MEAN, c.mean());
        assertArrayEquals(IMAGENET_MEAN, ViTConfig.imagenetMean());
    }

    /** Tester report: the same checkpoint's config loaded twice was unequal, and printed mean=[F@6d21714c. */
    @Test
    void equalConfigsAreEqualAndPrintTheirNumbers() {
        assertEquals(ViTConfig.vitSmall8(), ViTConfig.vitSmall8());
        assertEquals(ViTConfig.vitSmall8().hashCode(), ViTConfig.vitSmall8().hashCode());
        assertTrue(
                ViTConfig.vitSmall8().toString().contains("mean=[0.485, 0.456, 0.406]"),
                ViTConfig.vitSmall8().toString());
    }

    /** Tester report: an unsupported interpolation surfaced later as "No enum constant ...Filter.LANCZOS". */
    @Test
    void anUnsupportedInterpolationIsRefusedWhereTheConfigIsMade() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> small(ViTConfig.imagenetMean(), "lanczos"));
        assertEquals("interpolation 'lanczos' is not one of bicubic, bilinear, nearest", e.getMessage());
    }
}
