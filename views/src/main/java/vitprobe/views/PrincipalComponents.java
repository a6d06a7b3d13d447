package vitprobe.views;

import vitprobe.kernels.cpu.Parallel;

/**
 * The leading principal components of a set of row vectors, from their covariance matrix (divided by rows − 1, as
 * scikit-learn's {@code explained_variance_}).
 *
 * @param mean          the mean row
 * @param components    unit directions, largest variance first; each one's largest |loading| is positive, so that
 *                      the signs do not depend on rounding
 * @param variance      the variance of the rows along each component
 * @param totalVariance the variance summed over every direction (the covariance's trace)
 */
public record PrincipalComponents(float[] mean, float[][] components, double[] variance, double totalVariance) {
    /** Rows per block when the covariance is accumulated, so that memory does not grow with the rows. */
    private static final int BLOCK = 256;

    /** Fits the first {@code count} components of {@code rows} vectors of {@code width} values, row-major. */
    public static PrincipalComponents fit(float[] data, int rows, int width, int count) {
        if (rows < 2) throw new IllegalArgumentException("principal components need at least 2 vectors, got " + rows);
        if (data.length != (long) rows * width)
            throw new IllegalArgumentException(rows + " vectors of width " + width + " need " + (long) rows * width
                    + " values, got " + data.length);
        if (count < 1 || count > width)
            throw new IllegalArgumentException(count + " components asked of vectors of width " + width);
        double[] mean = new double[width];
        for (int r = 0; r < rows; r++) for (int i = 0; i < width; i++) mean[i] += data[r * width + i];
        for (int i = 0; i < width; i++) mean[i] /= rows;
        double[][] covariance = covariance(data, rows, width, mean);
        double trace = 0;
        for (int i = 0; i < width; i++) trace += covariance[i][i];
        SymmetricEigen.Pairs pairs = SymmetricEigen.largest(covariance, count);
        float[][] components = new float[count][];
        for (int c = 0; c < count; c++) components[c] = toFloats(withLargestLoadingPositive(pairs.vectors()[c]));
        double[] variance = pairs.values().clone();
        // Rounding can leave a zero eigenvalue slightly negative; a variance is not.
        for (int c = 0; c < count; c++) variance[c] = Math.max(0, variance[c]);
        return new PrincipalComponents(toFloats(mean), components, variance, trace);
    }

    /** Σ (x − mean)(x − mean)ᵀ / (rows − 1), each element summed in row order whatever the thread count. */
    private static double[][] covariance(float[] data, int rows, int width, double[] mean) {
        double[][] sum = new double[width][width];
        double[][] block = new double[BLOCK][width];
        for (int from = 0; from < rows; from += BLOCK) {
            int n = Math.min(BLOCK, rows - from);
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < width; i++) block[r][i] = data[(from + r) * width + i] - mean[i];
            }
            Parallel.forEach(width, i -> {
                double[] out = sum[i];
                for (int r = 0; r < n; r++) {
                    double[] row = block[r];
                    double xi = row[i];
                    for (int j = i; j < width; j++) out[j] += xi * row[j];
                }
            });
        }
        for (int i = 0; i < width; i++) {
            for (int j = i; j < width; j++) sum[j][i] = sum[i][j] /= rows - 1;
        }
        return sum;
    }

    private static double[] withLargestLoadingPositive(double[] v) {
        int largest = 0;
        for (int i = 1; i < v.length; i++) if (Math.abs(v[i]) > Math.abs(v[largest])) largest = i;
        if (v[largest] >= 0) return v;
        double[] flipped = new double[v.length];
        for (int i = 0; i < v.length; i++) flipped[i] = -v[i];
        return flipped;
    }

    /** The share of the total variance each component explains (0 for all when the rows do not vary). */
    public double[] explainedVarianceRatio() {
        double[] out = new double[variance.length];
        if (totalVariance > 0) for (int c = 0; c < out.length; c++) out[c] = variance[c] / totalVariance;
        return out;
    }

    /** The coordinates of {@code rows} vectors (row-major, the fitted width) on each component: out[c][row]. */
    public float[][] project(float[] data, int rows) {
        int width = mean.length;
        if (data.length != (long) rows * width)
            throw new IllegalArgumentException(
                    rows + " vectors of width " + width + " need " + (long) rows * width + ", got " + data.length);
        float[][] out = new float[components.length][rows];
        for (int c = 0; c < components.length; c++) {
            float[] direction = components[c];
            for (int r = 0; r < rows; r++) {
                double sum = 0;
                for (int i = 0; i < width; i++) sum += (data[r * width + i] - (double) mean[i]) * direction[i];
                out[c][r] = (float) sum;
            }
        }
        return out;
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }
}
