package vitprobe.engine.image;

import java.util.function.DoubleUnaryOperator;

/**
 * Pillow's {@code Image.resize} for 8-bit RGB, bit for bit. BILINEAR and BICUBIC are separable convolutions whose
 * support widens with the downscale factor (antialiasing); the weights of each output pixel are normalised in double
 * precision, then turned into 22-bit fixed point, and every pass rounds to 8 bits. The horizontal pass runs first,
 * over only the source rows the vertical pass reads. NEAREST picks source pixels on Pillow's affine sampling grid.
 */
public final class PillowResample {
    /** Pillow's fixed-point precision for 8-bit images: 32 bits less 8 for the value and 2 for overshoot. */
    private static final int PRECISION_BITS = 32 - 8 - 2;

    public enum Filter {
        /** Samples instead of convolving: no kernel. */
        NEAREST(0, x -> 0),
        BILINEAR(1, x -> x < 1 ? 1 - x : 0),
        /** Keys' cubic convolution with a = -0.5. */
        BICUBIC(2, x -> x < 1 ? (1.5 * x - 2.5) * x * x + 1 : x < 2 ? (((x - 5) * x + 8) * x - 4) * -0.5 : 0);

        private final double support;
        private final DoubleUnaryOperator ofDistance;

        Filter(double support, DoubleUnaryOperator ofDistance) {
            this.support = support;
            this.ofDistance = ofDistance;
        }

        private double weight(double x) {
            return ofDistance.applyAsDouble(Math.abs(x));
        }
    }

    private PillowResample() {}

    public static RgbImage resize(RgbImage image, int width, int height, Filter filter) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("target size must be positive, got " + width + "x" + height);
        }
        if (width == image.width() && height == image.height()) {
            return new RgbImage(width, height, image.rgb().clone());
        }
        if (filter == Filter.NEAREST) return nearest(image, width, height);

        Weights vertical = Weights.of(image.height(), height, filter);
        RgbImage current = image;
        int firstRow = 0;
        if (width != image.width()) {
            firstRow = vertical.start[0];
            int endRow = vertical.start[height - 1] + vertical.count[height - 1];
            current = horizontalPass(image, Weights.of(image.width(), width, filter), firstRow, endRow - firstRow);
        }
        return height != image.height() ? verticalPass(current, vertical, firstRow) : current;
    }

    /**
     * Per output pixel: the first source index, the number of taps, and {@code size} fixed-point weights
     * (Pillow's precompute_coeffs and normalize_coeffs_8bpc).
     */
    private record Weights(int size, int[] start, int[] count, int[] fixed) {
        static Weights of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            double inverseScale = 1.0 / filterScale; // multiplied, not divided, to round exactly like Pillow
            int size = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize], count = new int[outSize], fixed = new int[outSize * size];
            double[] w = new double[size];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(inSize, (int) (center + support + 0.5));
                int n = max - min;
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    w[i] = filter.weight((i + min - center + 0.5) * inverseScale);
                    sum += w[i];
                }
                for (int i = 0; i < n; i++) {
                    double normalized = sum != 0 ? w[i] / sum : w[i];
                    // Rounds half away from zero, as the C cast of (x ± 0.5) does.
                    fixed[o * size + i] = (int) (normalized * (1 << PRECISION_BITS) + (normalized < 0 ? -0.5 : 0.5));
                }
                start[o] = min;
                count[o] = n;
            }
            return new Weights(size, start, count, fixed);
        }
    }

    /** Resizes rows {@code firstRow .. firstRow + rows} of {@code in} horizontally. */
    private static RgbImage horizontalPass(RgbImage in, Weights weights, int firstRow, int rows) {
        int outWidth = weights.start.length;
        byte[] src = in.rgb(), out = new byte[outWidth * rows * 3];
        for (int y = 0; y < rows; y++) {
            int rowStart = (firstRow + y) * in.width() * 3;
            for (int x = 0; x < outWidth; x++) {
                int taps = weights.count[x], k = x * weights.size, from = rowStart + weights.start[x] * 3;
                for (int c = 0; c < 3; c++) {
                    int acc = 1 << (PRECISION_BITS - 1);
                    for (int i = 0; i < taps; i++) acc += (src[from + i * 3 + c] & 0xff) * weights.fixed[k + i];
                    out[(y * outWidth + x) * 3 + c] = clip8(acc);
                }
            }
        }
        return new RgbImage(outWidth, rows, out);
    }

    /** Resizes vertically; {@code in} row 0 is source row {@code rowOffset} (the horizontal pass skipped the rest). */
    private static RgbImage verticalPass(RgbImage in, Weights weights, int rowOffset) {
        int outHeight = weights.start.length, rowBytes = in.width() * 3;
        byte[] src = in.rgb(), out = new byte[rowBytes * outHeight];
        for (int y = 0; y < outHeight; y++) {
            int taps = weights.count[y], k = y * weights.size, from = (weights.start[y] - rowOffset) * rowBytes;
            for (int b = 0; b < rowBytes; b++) {
                int acc = 1 << (PRECISION_BITS - 1);
                for (int i = 0; i < taps; i++) acc += (src[from + i * rowBytes + b] & 0xff) * weights.fixed[k + i];
                out[y * rowBytes + b] = clip8(acc);
            }
        }
        return new RgbImage(in.width(), outHeight, out);
    }

    private static byte clip8(int acc) {
        return (byte) Math.clamp(acc >> PRECISION_BITS, 0, 255);
    }

    /**
     * Pillow resizes with NEAREST through an affine transform: the sampling position starts at half a step and
     * advances by repeated double addition, truncated to an index.
     */
    private static RgbImage nearest(RgbImage in, int width, int height) {
        int[] columns = sampleIndices(in.width(), width), rows = sampleIndices(in.height(), height);
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (rows[y] < 0 || columns[x] < 0) continue; // outside the source: Pillow fills black
                System.arraycopy(in.rgb(), (rows[y] * in.width() + columns[x]) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }

    private static int[] sampleIndices(int inSize, int outSize) {
        double step = (double) inSize / outSize, position = step * 0.5;
        int[] indices = new int[outSize];
        for (int i = 0; i < outSize; i++) {
            int index = (int) position;
            indices[i] = index < inSize ? index : -1;
            position += step;
        }
        return indices;
    }
}
