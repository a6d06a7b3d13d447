package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.PillowResample;
import vitprobe.engine.image.RgbImage;
import vitprobe.weights.ViTConfig;

class PatchGridTest {
    /**
     * An image whose pixels name their own coordinates goes through the real transform (nearest filter): the image
     * point each crop patch centre shows must map back to that patch.
     */
    @Test
    void patchesMatchWhereTheTransformPutsThePixels() {
        for (int[] size : new int[][] {{90, 60}, {60, 90}, {64, 64}, {101, 77}}) {
            int w = size[0], h = size[1];
            byte[] rgb = new byte[w * h * 3];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    rgb[(y * w + x) * 3] = (byte) x;
                    rgb[(y * w + x) * 3 + 1] = (byte) y;
                }
            }
            ImageTransform t = new ImageTransform(
                    40, 32, PillowResample.Filter.NEAREST, ViTConfig.imagenetMean(), ViTConfig.imagenetStd());
            RgbImage crop = t.resizeAndCrop(new RgbImage(w, h, rgb), "test image");
            PatchGrid grid = PatchGrid.of(w, h, t, 8, "test image");
            assertEquals(16, grid.patches());
            for (int p = 0; p < 16; p++) {
                int cx = (p % 4) * 8 + 4, cy = (p / 4) * 8 + 4;
                double u = (crop.get(cx, cy, 0) + 0.5) / w, v = (crop.get(cx, cy, 1) + 0.5) / h;
                assertEquals(p, grid.patchAt(u, v), w + "x" + h + " patch " + p);
                double[] c = grid.center(p);
                assertEquals(p, grid.patchAt(c[0], c[1]));
            }
        }
    }

    @Test
    void pointsOutsideTheCropHaveNoPatch() {
        PatchGrid grid = PatchGrid.of(
                200,
                100,
                new ImageTransform(
                        40, 32, PillowResample.Filter.BILINEAR, ViTConfig.imagenetMean(), ViTConfig.imagenetStd()),
                8,
                "test image");
        assertEquals(80, grid.resizedWidth());
        assertEquals(-1, grid.patchAt(0.05, 0.5));
        assertEquals(-1, grid.patchAt(0.95, 0.5));
        assertEquals(-1, grid.patchAt(0.5, 0.02));
        assertEquals(2 * 4 + 2, grid.patchAt(0.5, 0.5));
    }
}
