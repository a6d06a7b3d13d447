package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DenseMathTest {
    private static float[] random(int n, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** Row counts around the 4-row blocking, widths of 1 to 3 vectors, depths around the cache block of 256. */
    @ParameterizedTest
    @CsvSource({"1, 1, 1", "4, 2, 7", "7, 3, 300", "13, 1, 256", "9, 2, 513"})
    void gemmMatchesTheDefinitionInBothOperandLayouts(int rows, int vectors, int depth) {
        SplittableRandom r = new SplittableRandom(rows * 31L + depth);
        int width = vectors * DenseMath.L;
        float[] a = random(rows * depth, r), b = random(depth * width, r), start = random(rows * width, r);
        float[] aT = new float[depth * rows];
        for (int m = 0; m < rows; m++) for (int k = 0; k < depth; k++) aT[k * rows + m] = a[m * depth + k];
        float[] c = start.clone(), cT = start.clone();
        DenseMath.gemm(a, depth, 1, b, width, c, width, 0, rows, depth, width);
        DenseMath.gemm(aT, 1, rows, b, width, cT, width, 0, rows, depth, width);
        for (int m = 0; m < rows; m++) {
            for (int n = 0; n < width; n++) {
                double e = start[m * width + n];
                for (int k = 0; k < depth; k++) e += (double) a[m * depth + k] * b[k * width + n];
                assertEquals(e, c[m * width + n], 1e-4 * Math.sqrt(depth));
                assertEquals(c[m * width + n], cT[m * width + n], "the layout does not change the arithmetic");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"0", "1", "15", "16", "33", "384", "1001"})
    void dotAndAxpyMatchTheDefinition(int n) {
        SplittableRandom r = new SplittableRandom(n);
        float[] x = random(n + 3, r), y = random(n + 5, r);
        double e = 0;
        for (int i = 0; i < n; i++) e += (double) x[i + 3] * y[i + 5];
        assertEquals(e, DenseMath.dot(x, 3, y, 5, n), 1e-5 * Math.max(1, Math.sqrt(n)));
        float[] z = y.clone();
        DenseMath.axpy(0.5f, x, 3, z, 5, n);
        for (int i = 0; i < n + 5; i++) assertEquals(i < 5 ? y[i] : y[i] + 0.5f * x[i - 2], z[i], 1e-6);
    }
}
