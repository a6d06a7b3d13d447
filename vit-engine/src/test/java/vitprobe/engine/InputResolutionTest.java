package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vitprobe.engine.image.ImageTransform;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.ViTConfig;

class InputResolutionTest {
    private static final ViTConfig S8 = ViTConfig.vitSmall8();

    @Test
    void theDefaultIsTheCheckpointsOwnEvaluationTransform() {
        InputResolution input = InputResolution.parse(null, false, null);
        assertEquals(InputResolution.NATIVE, input);
        assertTrue(input.isNative(S8));
        ImageTransform eval = input.evaluation(S8), dino = ImageTransform.imagenetDefaults();
        assertEquals(dino.geometry(), eval.geometry());
        assertEquals(dino.interpolation(), eval.interpolation());
        assertArrayEquals(dino.mean(), eval.mean());
        assertArrayEquals(dino.std(), eval.std());
        assertEquals(ImageInputs.transformFor(S8).geometry(), eval.geometry());
        assertEquals(
                new ImageTransform.CenterCrop(224, 224, 224, 224),
                input.whole(S8).geometry());
        assertEquals(new TokenGrid(28, 28), input.grid(S8));
        assertTrue(InputResolution.parse("224", false, null).isNative(S8), "224 is the checkpoint's own size");
    }

    @Test
    void fixedSizesCropFromAResizeThatCoversThemByTheEvaluationShare() {
        InputResolution square = InputResolution.parse("448", false, null);
        assertEquals(
                new ImageTransform.CenterCrop(512, 512, 448, 448),
                square.evaluation(S8).geometry());
        assertEquals(new TokenGrid(56, 56), square.grid(S8));
        InputResolution wide = InputResolution.parse(" 280 , 392 ", false, null);
        assertEquals(
                new ImageTransform.CenterCrop(320, 448, 280, 392),
                wide.evaluation(S8).geometry());
        assertEquals(
                new ImageTransform.CenterCrop(280, 392, 280, 392),
                wide.whole(S8).geometry());
        assertEquals(new TokenGrid(35, 49), wide.grid(S8));
        assertFalse(wide.isNative(S8));
        assertEquals("280x392", wide.text());
    }

    @Test
    void keepingTheAspectRatioResizesTheShorterSideOnly() {
        InputResolution keep = InputResolution.parse("448", true, null);
        assertEquals(new ImageTransform.KeepAspect(448, 8), keep.evaluation(S8).geometry());
        assertEquals(new ImageTransform.KeepAspect(448, 8), keep.whole(S8).geometry());
        assertNull(keep.grid(S8), "every image has its own grid");
        assertFalse(InputResolution.parse("224", true, null).isNative(S8), "224 with the aspect kept is not square");
        assertEquals("shorter side 448, aspect kept", keep.text());
    }

    @Test
    void thePositionEmbeddingRuleDefaultsToTheCheckpointsLibrary() {
        assertEquals(PosResample.TIMM, InputResolution.NATIVE.posResample(S8));
        ViTConfig hf = new ViTConfig(
                CheckpointFormat.HF_VIT,
                64,
                2,
                4,
                8,
                224,
                3,
                256,
                1e-12,
                ViTConfig.imagenetMean(),
                ViTConfig.imagenetStd(),
                "bicubic");
        assertEquals(PosResample.TRANSFORMERS, InputResolution.NATIVE.posResample(hf));
        assertEquals(
                PosResample.TIMM, InputResolution.parse("448", false, "TIMM").posResample(hf));
        assertEquals(
                PosResample.TRANSFORMERS,
                InputResolution.parse(null, false, "transformers").posResample(S8));
    }

    @Test
    void badValuesAreOneClearMessage() {
        assertEquals("'0': sides must be 1 to 4096 pixels, got 0", message("0", false, null));
        assertEquals("'448,9000': sides must be 1 to 4096 pixels, got 9000", message("448,9000", false, null));
        assertEquals("'big' is not a size: give H or H,W in pixels", message("big", false, null));
        assertEquals("'1,2,3' is not a size: give H or H,W in pixels", message("1,2,3", false, null));
        assertEquals("'-8': sides must be 1 to 4096 pixels, got -8", message("-8", false, null));
        assertEquals(
                "'448,224': keeping the aspect ratio takes one size, the shorter side", message("448,224", true, null));
        assertEquals("keeping the aspect ratio needs the shorter side", message(null, true, null));
        assertEquals(
                "unknown position-embedding resampling 'pil' (known: timm, transformers)",
                message("448", false, "pil"));
        assertEquals(
                "image size 450x450 is not a multiple of the model's patch size 8 (e.g. 448)",
                assertThrows(IllegalArgumentException.class, () -> InputResolution.parse("450", false, null)
                                .requireFits(S8))
                        .getMessage());
        assertEquals(
                "shorter side 300 is not a multiple of the model's patch size 16 (e.g. 304)",
                assertThrows(IllegalArgumentException.class, () -> InputResolution.parse("300", true, null)
                                .requireFits(ViTConfig.vitBase16()))
                        .getMessage());
    }

    private static String message(String size, boolean keep, String rule) {
        return assertThrows(IllegalArgumentException.class, () -> InputResolution.parse(size, keep, rule))
                .getMessage();
    }
}
