package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PrincipalComponentsTest {
    /** Rows 1, 2, 3 of the 8x8 Hadamard matrix (Sylvester's order): zero-mean, mutually orthogonal columns. */
    private static double hadamard(int row, int col) {
        return Integer.bitCount(row & col) % 2 == 0 ? 1 : -1;
    }

    @Test
    void recoversKnownOrthogonalDirectionsAndTheirVariances() {
        int rows = 8, width = 6;
        double[][] directions = orthonormalRows(3, width, new Random(3));
        double[] scale = {3, 2, 1};
        float[] mean = {1, -2, 0.5f, 4, 0, -1};
        float[] data = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < width; i++) {
                double x = mean[i];
                for (int c = 0; c < 3; c++) x += scale[c] * hadamard(r, c + 1) * directions[c][i];
                data[r * width + i] = (float) x;
            }
        }
        PrincipalComponents pca = PrincipalComponents.fit(data, rows, width, 3);
        assertArrayEquals(mean, pca.mean(), 1e-6f);
        for (int c = 0; c < 3; c++) {
            // Each score column has squared norm 8·scale², so its variance over 7 is that over 7.
            assertEquals(8 * scale[c] * scale[c] / 7, pca.variance()[c], 1e-5);
            double sign = Math.signum(SymmetricEigen.dot(toDoubles(pca.components()[c]), directions[c]));
            for (int i = 0; i < width; i++) assertEquals(sign * directions[c][i], pca.components()[c][i], 1e-6);
        }
        assertEquals(8 * (9 + 4 + 1) / 7.0, pca.totalVariance(), 1e-5);
        assertEquals(
                1,
                pca.explainedVarianceRatio()[0] + pca.explainedVarianceRatio()[1] + pca.explainedVarianceRatio()[2],
                1e-6);
    }

    @Test
    void agreesWithScikitLearn() {
        // sklearn 1.2.1 PCA(3, svd_solver="full") on X[r][i] = ((7r + 3i) mod 11) − 5 + 0.5·i·(r mod 3), 12x5,
        // components with their largest |loading| made positive.
        int rows = 12, width = 5;
        float[] data = new float[rows * width];
        for (int r = 0; r < rows; r++)
            for (int i = 0; i < width; i++) data[r * width + i] = ((r * 7 + i * 3) % 11) - 5 + 0.5f * i * (r % 3);
        PrincipalComponents pca = PrincipalComponents.fit(data, rows, width, 3);
        assertArrayEquals(
                new float[] {
                    -0.4166666666666667f,
                    0.3333333333333333f,
                    1.0833333333333333f,
                    1.8333333333333333f,
                    1.6666666666666667f
                },
                pca.mean(),
                1e-6f);
        float[][] expected = {
            {0.5698620788297766f, 0.19424647657034677f, -0.5455563937454749f, -0.3771611290114404f, 0.44457082839302353f
            },
            {-0.3744778903358863f, 0.6573726435729343f, 0.39474113409190736f, -0.3887436923913655f, 0.3473978926436915f
            },
            {-0.3371959894889657f, 0.4773787126989604f, -0.5638844595625796f, 0.5828872022887841f, 0.02617737584656941f}
        };
        for (int c = 0; c < 3; c++) assertArrayEquals(expected[c], pca.components()[c], 1e-6f, "component " + c);
        assertArrayEquals(new double[] {22.9323132514099, 17.22185834120384, 8.717170101872059}, pca.variance(), 1e-9);
        assertArrayEquals(
                new double[] {0.3986127665507121, 0.2993528181510281, 0.15152310422005688},
                pca.explainedVarianceRatio(),
                1e-12);
    }

    @Test
    void projectsCentredRowsOntoTheComponents() {
        float[] data = {0, 0, 2, 0, 0, 4, 2, 4};
        PrincipalComponents pca = PrincipalComponents.fit(data, 4, 2, 2);
        // Mean (1, 2); y varies most, so the first component is (0, 1), the second (1, 0).
        float[][] scores = pca.project(data, 4);
        assertArrayEquals(new float[] {-2, -2, 2, 2}, scores[0], 1e-6f);
        assertArrayEquals(new float[] {-1, 1, -1, 1}, scores[1], 1e-6f);
    }

    @Test
    void refusesTooFewRowsAndMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> PrincipalComponents.fit(new float[3], 1, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> PrincipalComponents.fit(new float[5], 2, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> PrincipalComponents.fit(new float[6], 2, 3, 4));
    }

    static double[][] orthonormalRows(int count, int width, Random random) {
        double[][] out = new double[count][width];
        for (int c = 0; c < count; c++) {
            for (int i = 0; i < width; i++) out[c][i] = random.nextGaussian();
            for (int b = 0; b < c; b++) {
                double d = SymmetricEigen.dot(out[b], out[c]);
                for (int i = 0; i < width; i++) out[c][i] -= d * out[b][i];
            }
            double n = Math.sqrt(SymmetricEigen.dot(out[c], out[c]));
            for (int i = 0; i < width; i++) out[c][i] /= n;
        }
        return out;
    }

    static double[] toDoubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
