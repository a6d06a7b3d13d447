package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import vitprobe.engine.BicubicResampler.Kernel;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;

/**
 * The resampler against PyTorch's {@code F.interpolate(mode="bicubic", align_corners=False)}, with and without
 * antialias, in float64 (fixtures/resolution/bicubic.safetensors, made by scripts/make-resolution-fixtures.py):
 * growing, shrinking, one axis each way, to one sample, and the identity, from a square and a wide grid.
 */
class BicubicResamplerTest {
    private static final Pattern CASE = Pattern.compile("(square|wide)_(antialias|plain)_(\\d+)x(\\d+)");

    @Test
    void matchesPyTorchUpAndDownInBothKernels() {
        List<String> checked = new ArrayList<>();
        try (SafeTensors oracle =
                SafeTensors.open(Fixtures.bundled("resolution").resolve("bicubic.safetensors"))) {
            for (String name : oracle.names()) {
                Matcher m = CASE.matcher(name);
                if (!m.matches()) continue;
                Tensor source = oracle.tensor(m.group(1)), expected = oracle.tensor(name);
                int channels = (int) source.dim(1), height = (int) source.dim(2), width = (int) source.dim(3);
                int outHeight = Integer.parseInt(m.group(3)), outWidth = Integer.parseInt(m.group(4));
                Kernel kernel = m.group(2).equals("antialias") ? Kernel.ANTIALIAS : Kernel.PLAIN;
                double[] got = BicubicResampler.resize(
                        channelsLast(doubles(source), channels, height * width),
                        height,
                        width,
                        channels,
                        outHeight,
                        outWidth,
                        kernel);
                double[] want = channelsLast(doubles(expected), channels, outHeight * outWidth);
                assertArrayEquals(want, got, 1e-13, name);
                checked.add(name);
            }
        }
        assertEquals(24, checked.size(), "cases found: " + checked);
    }

    @Test
    void theTwoKernelsDifferWhenGrowing() {
        double[] ramp = {0, 1, 0, 4, 2};
        double[] plain = BicubicResampler.resize(ramp, 1, 5, 1, 1, 9, Kernel.PLAIN);
        double[] antialias = BicubicResampler.resize(ramp, 1, 5, 1, 1, 9, Kernel.ANTIALIAS);
        assertEquals(9, plain.length);
        assertThrows(AssertionError.class, () -> assertArrayEquals(plain, antialias, 1e-6));
    }

    @Test
    void refusesEmptyOrMismatchedGrids() {
        assertThrows(
                IllegalArgumentException.class,
                () -> BicubicResampler.resize(new double[4], 2, 2, 1, 0, 3, Kernel.PLAIN));
        assertThrows(
                IllegalArgumentException.class,
                () -> BicubicResampler.resize(new double[5], 2, 2, 1, 3, 3, Kernel.PLAIN));
    }

    private static double[] doubles(Tensor t) {
        assertEquals("F64", t.dtype().name(), t.name());
        return t.data().toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }

    /** [channels, positions] → [positions, channels]. */
    private static double[] channelsLast(double[] planar, int channels, int positions) {
        double[] out = new double[planar.length];
        for (int c = 0; c < channels; c++)
            for (int p = 0; p < positions; p++) out[p * channels + c] = planar[c * positions + p];
        return out;
    }
}
