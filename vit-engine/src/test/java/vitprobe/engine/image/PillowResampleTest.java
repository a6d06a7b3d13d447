package vitprobe.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vitprobe.engine.image.PillowResample.Filter;

/** Properties of the resampler small enough to check by hand; the fixtures check the exact match with Pillow. */
class PillowResampleTest {

    /** config.json is checked against the names the weights module knows; they must be exactly the filters here. */
    @Test
    void theInterpolationsAConfigMayNameAreTheFiltersImplemented() {
        assertEquals(
                vitprobe.weights.ViTConfig.INTERPOLATIONS.stream().sorted().toList(),
                Arrays.stream(Filter.values())
                        .map(f -> f.name().toLowerCase(java.util.Locale.ROOT))
                        .sorted()
                        .toList());
    }

    @ParameterizedTest
    @EnumSource(Filter.class)
    void constantImageStaysConstantAtAnySize(Filter filter) {
        RgbImage gray = solid(17, 11, 200, 37, 255);
        for (int[] size : new int[][] {{5, 3}, {40, 23}, {17, 30}, {3, 11}, {1, 1}}) {
            RgbImage out = PillowResample.resize(gray, size[0], size[1], filter);
            assertArrayEquals(
                    solid(size[0], size[1], 200, 37, 255).rgb(), out.rgb(), filter + " to " + Arrays.toString(size));
        }
    }

    @ParameterizedTest
    @EnumSource(Filter.class)
    void sameSizeIsAnUnchangedCopy(Filter filter) {
        RgbImage noise = noise(9, 7, 1);
        RgbImage out = PillowResample.resize(noise, 9, 7, filter);
        assertArrayEquals(noise.rgb(), out.rgb());
        assertNotSame(noise.rgb(), out.rgb());
    }

    @Test
    void bilinearHalvingAveragesWithTheWidenedTriangle() {
        // Scale 2 widens the triangle to support 2: output 0 (center 1.0) weighs sources 0,1,2 as 3/7,3/7,1/7,
        // output 1 (center 3.0) weighs sources 1,2,3 as 1/7,3/7,3/7.
        RgbImage row = gray(4, 1, 0, 100, 200, 40);
        assertArrayEquals(
                gray(2, 1, 71, 117).rgb(),
                PillowResample.resize(row, 2, 1, Filter.BILINEAR).rgb());
        RgbImage column = gray(1, 4, 0, 100, 200, 40);
        assertArrayEquals(
                gray(1, 2, 71, 117).rgb(),
                PillowResample.resize(column, 1, 2, Filter.BILINEAR).rgb());
    }

    @Test
    void bicubicDoublingOvershootsAndClips() {
        // Output centers 0.25, 0.75, 1.25, 1.75 over [0, 255]: normalised weights of the 255 pixel are -3/34, 29/140,
        // 111/140 and 37/34, i.e. -22.5 (clipped to 0), 52.8, 202.2 and 277.5 (clipped to 255).
        RgbImage row = gray(2, 1, 0, 255);
        assertArrayEquals(
                gray(4, 1, 0, 53, 202, 255).rgb(),
                PillowResample.resize(row, 4, 1, Filter.BICUBIC).rgb());
        RgbImage column = gray(1, 2, 0, 255);
        assertArrayEquals(
                gray(1, 4, 0, 53, 202, 255).rgb(),
                PillowResample.resize(column, 1, 4, Filter.BICUBIC).rgb());
    }

    @Test
    void bilinearHalvingOfTwoByTwoBlocksAveragesTheCenterWeightedNeighbourhood() {
        // A 4x4 checkerboard of 2x2 blocks 0/240: with weights 3/7,3/7,1/7 per axis, output (0,0) sees block 0 with
        // 6/7 and the next block with 1/7 along each axis: 240 * (1 - (6/7)^2 - (1/7)^2) = 240 * 12/49 = 58.8.
        RgbImage blocks = gray(4, 4, 0, 0, 240, 240, 0, 0, 240, 240, 240, 240, 0, 0, 240, 240, 0, 0);
        RgbImage out = PillowResample.resize(blocks, 2, 2, Filter.BILINEAR);
        assertEquals(59, out.get(0, 0, 0));
        assertEquals(out.get(0, 0, 0), out.get(1, 1, 1));
        assertEquals(181, out.get(1, 0, 2)); // 206·6/7 + 34/7 after the horizontal pass rounded to 34 and 206
    }

    @Test
    void nearestSamplesPixelCentersOfTheSourceGrid() {
        RgbImage row = gray(4, 1, 10, 20, 30, 40);
        assertArrayEquals(
                gray(2, 1, 20, 40).rgb(),
                PillowResample.resize(row, 2, 1, Filter.NEAREST).rgb());
        assertArrayEquals(
                gray(8, 1, 10, 10, 20, 20, 30, 30, 40, 40).rgb(),
                PillowResample.resize(row, 8, 1, Filter.NEAREST).rgb());
    }

    @Test
    void channelsStayApart() {
        RgbImage red = solid(6, 6, 255, 0, 0);
        for (Filter filter : Filter.values()) {
            assertArrayEquals(
                    solid(4, 9, 255, 0, 0).rgb(),
                    PillowResample.resize(red, 4, 9, filter).rgb(),
                    filter.name());
        }
    }

    @Test
    void rejectsEmptyTargets() {
        RgbImage image = solid(2, 2, 0, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> PillowResample.resize(image, 0, 2, Filter.BICUBIC));
        assertThrows(IllegalArgumentException.class, () -> PillowResample.resize(image, 2, -1, Filter.BILINEAR));
    }

    static RgbImage solid(int width, int height, int r, int g, int b) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < rgb.length; i += 3) {
            rgb[i] = (byte) r;
            rgb[i + 1] = (byte) g;
            rgb[i + 2] = (byte) b;
        }
        return new RgbImage(width, height, rgb);
    }

    /** A grey image from row-major values. */
    static RgbImage gray(int width, int height, int... values) {
        byte[] rgb = new byte[width * height * 3];
        for (int i = 0; i < values.length; i++) Arrays.fill(rgb, 3 * i, 3 * i + 3, (byte) values[i]);
        return new RgbImage(width, height, rgb);
    }

    static RgbImage noise(int width, int height, long seed) {
        byte[] rgb = new byte[width * height * 3];
        new Random(seed).nextBytes(rgb);
        return new RgbImage(width, height, rgb);
    }
}
