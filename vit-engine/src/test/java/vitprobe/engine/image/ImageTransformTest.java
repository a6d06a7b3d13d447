package vitprobe.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vitprobe.engine.image.PillowResample.Filter;

class ImageTransformTest {
    private static final float[] ZERO = {0, 0, 0}, ONE = {1, 1, 1};

    @Test
    void shorterSideBecomesResizeAndLongerSideIsTruncated() {
        // chelsea is 451x300: 256 * 451 / 300 = 384.85 -> 384; the crop is taken from the 384x256 resize
        ImageTransform transform = new ImageTransform(256, 256, Filter.BILINEAR, ZERO, ONE);
        RgbImage wide = PillowResampleTest.noise(451, 300, 2);
        RgbImage expected = crop(PillowResample.resize(wide, 384, 256, Filter.BILINEAR), 64, 0, 256);
        assertArrayEquals(
                expected.rgb(), transform.resizeAndCrop(wide, "test image").rgb());
        RgbImage tall = PillowResampleTest.noise(300, 451, 3);
        expected = crop(PillowResample.resize(tall, 256, 384, Filter.BILINEAR), 0, 64, 256);
        assertArrayEquals(
                expected.rgb(), transform.resizeAndCrop(tall, "test image").rgb());
    }

    @Test
    void cropOffsetsRoundHalvesToEvenLikePython() {
        RgbImage image = PillowResampleTest.noise(10, 13, 4);
        // No resampling (shorter side already 10): (10 - 7) / 2 = 1.5 -> 2, (13 - 7) / 2 = 3.
        assertArrayEquals(
                crop(image, 2, 3, 7).rgb(),
                new ImageTransform(10, 7, Filter.BICUBIC, ZERO, ONE)
                        .resizeAndCrop(image, "test image")
                        .rgb());
        // (10 - 5) / 2 = 2.5 -> 2 and (13 - 5) / 2 = 4.
        assertArrayEquals(
                crop(image, 2, 4, 5).rgb(),
                new ImageTransform(10, 5, Filter.BICUBIC, ZERO, ONE)
                        .resizeAndCrop(image, "test image")
                        .rgb());
        // (13 - 6) / 2 = 3.5 -> 4 (even), (10 - 6) / 2 = 2.
        assertArrayEquals(
                crop(image, 2, 4, 6).rgb(),
                new ImageTransform(10, 6, Filter.BICUBIC, ZERO, ONE)
                        .resizeAndCrop(image, "test image")
                        .rgb());
    }

    @Test
    void aNonSquareTargetIsCoveredKeepingTheAspectRatioThenCroppedAtTheCentre() {
        RgbImage wide = PillowResampleTest.noise(451, 300, 6);
        ImageTransform transform =
                new ImageTransform(new ImageTransform.CenterCrop(100, 200, 96, 192), Filter.BILINEAR, ZERO, ONE);
        // 200 / 451 > 100 / 300: the width leads, 200 * 300 / 451 = 133.04 -> 133; offsets rint(18.5) = 18, 4.
        assertEquals(new ImageTransform.Placement(200, 133, 4, 18, 192, 96), transform.place(451, 300, "test image"));
        RgbImage resized = PillowResample.resize(wide, 200, 133, Filter.BILINEAR);
        assertArrayEquals(
                crop(resized, 4, 18, 192, 96).rgb(),
                transform.resizeAndCrop(wide, "test image").rgb());
        assertEquals(3 * 96 * 192, transform.apply(wide, "test image").length);
        // A tall image: the height leads.
        assertEquals(new ImageTransform.Placement(200, 300, 4, 102, 192, 96), transform.place(200, 300, "test image"));
    }

    @Test
    void keepingTheAspectRatioResizesOnlyWithBothSidesFlooredToThePatch() {
        RgbImage wide = PillowResampleTest.noise(455, 300, 7);
        ImageTransform transform = new ImageTransform(new ImageTransform.KeepAspect(64, 8), Filter.BICUBIC, ZERO, ONE);
        // Shorter side 64, longer int(64 * 455 / 300) = 97, floored to 96; no crop.
        assertEquals(new ImageTransform.Placement(96, 64, 0, 0, 96, 64), transform.place(455, 300, "test image"));
        assertEquals(new ImageTransform.Placement(64, 96, 0, 0, 64, 96), transform.place(300, 455, "test image"));
        assertArrayEquals(
                PillowResample.resize(wide, 96, 64, Filter.BICUBIC).rgb(),
                transform.resizeAndCrop(wide, "test image").rgb());
        var notAMultiple = assertThrows(IllegalArgumentException.class, () -> new ImageTransform.KeepAspect(60, 8));
        assertEquals("shorter side 60 must be a positive multiple of 8", notAMultiple.getMessage());
    }

    @Test
    void normalizeIsChwFloat32LikeTorchvision() {
        RgbImage image = PillowResampleTest.gray(2, 1, 0, 255);
        image.rgb()[1] = (byte) 128; // pixel 0 = (0, 128, 0)
        ImageTransform transform = ImageTransform.imagenetDefaults();
        float[] chw = transform.normalize(image);
        float[] mean = {0.485f, 0.456f, 0.406f}, std = {0.229f, 0.224f, 0.225f};
        assertArrayEquals(mean, transform.mean());
        assertArrayEquals(std, transform.std());
        float[] expected = {
            (0f - mean[0]) / std[0], (1f - mean[0]) / std[0],
            (128f / 255f - mean[1]) / std[1], (1f - mean[1]) / std[1],
            (0f - mean[2]) / std[2], (1f - mean[2]) / std[2],
        };
        assertArrayEquals(expected, chw);
        assertEquals(-2.117904f, chw[0], 1e-6f);
    }

    @Test
    void applyGivesThreeByCropByCrop() {
        ImageTransform transform = ImageTransform.imagenetDefaults();
        assertEquals(3 * 224 * 224, transform.apply(PillowResampleTest.noise(320, 240, 5), "test image").length);
    }

    @Test
    void rejectsInconsistentSettingsWithClearMessages() {
        var tooBig = assertThrows(
                IllegalArgumentException.class, () -> new ImageTransform(224, 256, Filter.BICUBIC, ZERO, ONE));
        assertTrue(
                tooBig.getMessage().contains("crop 256 is larger than the resized shorter side 224"),
                tooBig.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageTransform(0, 0, Filter.BICUBIC, ZERO, ONE));
        assertThrows(IllegalArgumentException.class, () -> new ImageTransform(256, 224, null, ZERO, ONE));
        assertThrows(
                IllegalArgumentException.class, () -> new ImageTransform(256, 224, Filter.BICUBIC, new float[2], ONE));
        var zeroStd = assertThrows(
                IllegalArgumentException.class, () -> new ImageTransform(256, 224, Filter.BICUBIC, ZERO, new float[3]));
        assertTrue(zeroStd.getMessage().contains("non-zero"), zeroStd.getMessage());
    }

    @Test
    void meanAndStdCannotBeChangedFromOutside() {
        float[] mean = {0.5f, 0.5f, 0.5f};
        ImageTransform transform = new ImageTransform(256, 224, Filter.BICUBIC, mean, ONE);
        mean[0] = 9;
        transform.mean()[1] = 9;
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f}, transform.mean());
    }

    private static RgbImage crop(RgbImage image, int left, int top, int size) {
        return crop(image, left, top, size, size);
    }

    private static RgbImage crop(RgbImage image, int left, int top, int width, int height) {
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) out[(y * width + x) * 3 + c] = (byte) image.get(left + x, top + y, c);
            }
        }
        return new RgbImage(width, height, out);
    }
}
