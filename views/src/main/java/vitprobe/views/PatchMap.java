package vitprobe.views;

/**
 * One value per patch of an image's patch grid, row-major: a concept's scores, a head's attention, a principal
 * component. Drawn over the picture after bilinear upsampling.
 */
public record PatchMap(int rows, int cols, float[] values) {
    public PatchMap {
        if (rows <= 0 || cols <= 0 || values.length != rows * cols)
            throw new IllegalArgumentException(
                    "a " + rows + "x" + cols + " patch map needs " + rows * cols + " values, got " + values.length);
    }

    public float at(int row, int col) {
        return values[row * cols + col];
    }

    /**
     * Bilinear upsampling to height × width pixels with pixel centres aligned as {@code F.interpolate(...,
     * mode="bilinear", align_corners=False)} does: pixel centres at (i + 0.5) · scale − 0.5, clamped at the edges.
     */
    public float[] upsample(int height, int width) {
        float[] out = new float[height * width];
        double sy = (double) rows / height, sx = (double) cols / width;
        for (int y = 0; y < height; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, rows - 1), y1 = Math.min(y0 + 1, rows - 1);
            double wy = Math.min(fy - y0, 1);
            for (int x = 0; x < width; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, cols - 1), x1 = Math.min(x0 + 1, cols - 1);
                double wx = Math.min(fx - x0, 1);
                double top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
                double bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
                out[y * width + x] = (float) (top * (1 - wy) + bottom * wy);
            }
        }
        return out;
    }

    /** The values scaled to [0, 1] by their own minimum and maximum (all 0 when they are equal). */
    public PatchMap normalized() {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float[] out = new float[values.length];
        if (max > min) for (int i = 0; i < out.length; i++) out[i] = (values[i] - min) / (max - min);
        return new PatchMap(rows, cols, out);
    }
}
