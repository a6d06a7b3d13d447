package vitprobe.engine;

/**
 * PyTorch's two bicubic resamplers, {@code F.interpolate(mode="bicubic", align_corners=False)} with a given output
 * size, on a channels-last grid [height, width, channels], computed in double:
 * <ul>
 *   <li>{@link Kernel#PLAIN} ({@code antialias=False}): Keys' cubic with a = −0.75 on the 4 nearest source samples;
 *       source index (o + ½)·in/out − ½, taps beyond the edge read the edge sample.
 *   <li>{@link Kernel#ANTIALIAS} ({@code antialias=True}): Keys' cubic with a = −0.5, its support (2 samples each
 *       side) widened by in/out when shrinking; centre (o + ½)·in/out, taps beyond the edge left out and the
 *       weights normalised to sum to 1.
 * </ul>
 * Both are separable: each axis is resampled on its own, the width first.
 */
public final class BicubicResampler {
    private BicubicResampler() {}

    public enum Kernel {
        PLAIN,
        ANTIALIAS
    }

    /** The source samples and weights of every output position along one axis. */
    private record Taps(int[][] index, double[][] weight) {}

    /**
     * Resamples {@code grid} [height, width, channels] (row-major) to [outHeight, outWidth, channels].
     */
    public static double[] resize(
            double[] grid, int height, int width, int channels, int outHeight, int outWidth, Kernel kernel) {
        if (height < 1 || width < 1 || channels < 1 || outHeight < 1 || outWidth < 1) {
            throw new IllegalArgumentException("sizes must be positive: " + height + "x" + width + "x" + channels
                    + " to " + outHeight + "x" + outWidth);
        }
        if (grid.length != (long) height * width * channels) {
            throw new IllegalArgumentException(
                    "grid holds " + grid.length + " values, not " + height + "x" + width + "x" + channels);
        }
        Taps across = taps(width, outWidth, kernel), down = taps(height, outHeight, kernel);
        double[] rows = new double[height * outWidth * channels];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < outWidth; x++) {
                accumulate(
                        grid, y * width * channels, channels, channels, across, x, rows, (y * outWidth + x) * channels);
            }
        }
        double[] out = new double[outHeight * outWidth * channels];
        for (int y = 0; y < outHeight; y++) {
            for (int x = 0; x < outWidth; x++) {
                int at = (y * outWidth + x) * channels;
                accumulate(rows, x * channels, outWidth * channels, channels, down, y, out, at);
            }
        }
        return out;
    }

    /** out[at + c] = Σ_j weight_j · in[base + index_j · stride + c] for c in [0, channels). */
    private static void accumulate(
            double[] in, int base, int stride, int channels, Taps taps, int position, double[] out, int at) {
        int[] index = taps.index[position];
        double[] weight = taps.weight[position];
        for (int j = 0; j < index.length; j++) {
            int from = base + index[j] * stride;
            for (int c = 0; c < channels; c++) out[at + c] += weight[j] * in[from + c];
        }
    }

    private static Taps taps(int in, int out, Kernel kernel) {
        return kernel == Kernel.PLAIN ? plainTaps(in, out) : antialiasTaps(in, out);
    }

    private static Taps plainTaps(int in, int out) {
        double scale = (double) in / out;
        int[][] index = new int[out][4];
        double[][] weight = new double[out][];
        for (int o = 0; o < out; o++) {
            double source = (o + 0.5) * scale - 0.5;
            int base = (int) Math.min(Math.floor(source), in - 1);
            double t = Math.clamp(source - base, 0.0, 1.0);
            weight[o] = new double[] {
                keysFar(t + 1, -0.75), keysNear(t, -0.75), keysNear(1 - t, -0.75), keysFar(2 - t, -0.75)
            };
            for (int j = 0; j < 4; j++) index[o][j] = Math.clamp(base - 1 + j, 0, in - 1);
        }
        return new Taps(index, weight);
    }

    private static Taps antialiasTaps(int in, int out) {
        double scale = (double) in / out;
        double support = scale >= 1 ? 2 * scale : 2;
        double invScale = scale >= 1 ? 1 / scale : 1;
        int maxTaps = (int) Math.ceil(support) * 2 + 1;
        int[][] index = new int[out][];
        double[][] weight = new double[out][];
        for (int o = 0; o < out; o++) {
            double center = scale * (o + 0.5);
            // Truncation toward zero, as the C++ casts do.
            int min = Math.max((int) (center - support + 0.5), 0);
            int size = Math.clamp(Math.min((int) (center + support + 0.5), in) - min, 0, maxTaps);
            index[o] = new int[size];
            weight[o] = new double[size];
            double total = 0;
            for (int j = 0; j < size; j++) {
                index[o][j] = min + j;
                weight[o][j] = keys((j + min - center + 0.5) * invScale, -0.5);
                total += weight[o][j];
            }
            if (total != 0) for (int j = 0; j < size; j++) weight[o][j] /= total;
        }
        return new Taps(index, weight);
    }

    /** Keys' cubic convolution kernel with parameter a, at distance x. */
    private static double keys(double x, double a) {
        x = Math.abs(x);
        if (x < 1) return keysNear(x, a);
        if (x < 2) return keysFar(x, a);
        return 0;
    }

    /** The kernel on |x| &lt; 1. */
    private static double keysNear(double x, double a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    /** The kernel on 1 ≤ |x| &lt; 2. */
    private static double keysFar(double x, double a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
}
