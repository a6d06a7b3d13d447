package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PatchMapTest {
    @Test
    void upsamplesAsTorchBilinearWithoutAlignedCorners() {
        // torch.nn.functional.interpolate(x, size=(3, 5), mode="bilinear", align_corners=False), x = arange(6)² as 2x3
        PatchMap map = new PatchMap(2, 3, new float[] {0, 1, 4, 9, 16, 25});
        float[] expected = {0f, 0.4f, 1f, 2.8f, 4f, 4.5f, 6.1f, 8.5f, 12.1f, 14.5f, 9f, 11.8f, 16f, 21.4f, 25f};
        assertArrayEquals(expected, map.upsample(3, 5), 1e-5f);
    }

    @Test
    void normalizesToTheUnitRangeAndAConstantMapToZero() {
        assertArrayEquals(
                new float[] {0, 0.25f, 1, 0.5f},
                new PatchMap(2, 2, new float[] {-1, 0, 3, 1}).normalized().values());
        assertArrayEquals(
                new float[4],
                new PatchMap(2, 2, new float[] {7, 7, 7, 7}).normalized().values());
    }

    @Test
    void refusesValuesThatDoNotFillTheGrid() {
        assertThrows(IllegalArgumentException.class, () -> new PatchMap(2, 3, new float[5]));
    }

    @Test
    void viridisRunsFromPurpleToYellow() {
        assertEquals(0x440154, Colormap.viridis(0));
        assertEquals(0xfde725, Colormap.viridis(1));
        assertEquals(0x21918c, Colormap.viridis(0.5f));
        assertEquals(Colormap.viridis(0), Colormap.viridis(Float.NaN));
    }
}
