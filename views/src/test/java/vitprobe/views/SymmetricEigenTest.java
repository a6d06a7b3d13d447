package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {
    @Test
    void jacobiSolvesTheSecondDifferenceMatrix() {
        double[][] a = {{2, -1, 0}, {-1, 2, -1}, {0, -1, 2}};
        SymmetricEigen.Pairs pairs = SymmetricEigen.all(a);
        double r = Math.sqrt(2);
        assertArrayEquals(new double[] {2 + r, 2, 2 - r}, pairs.values(), 1e-14);
        assertIsEigenpairs(a, pairs);
        assertEquals(2, a[0][0]); // the input is left alone
    }

    @Test
    void largestFindsTheTopPairsOfAMatrixWithKnownSpectrum() {
        int n = 60;
        double[][] basis = PrincipalComponentsTest.orthonormalRows(n, n, new Random(7));
        double[] spectrum = new double[n];
        for (int i = 0; i < n; i++) spectrum[i] = 10 * Math.pow(0.8, i) - 1; // also negative values
        double[][] a = compose(basis, spectrum);
        SymmetricEigen.Pairs top = SymmetricEigen.largest(a, 3);
        assertArrayEquals(new double[] {spectrum[0], spectrum[1], spectrum[2]}, top.values(), 1e-9);
        assertIsEigenpairs(a, top);
        SymmetricEigen.Pairs all = SymmetricEigen.all(a);
        assertArrayEquals(spectrum, all.values(), 1e-9);
        assertIsEigenpairs(a, all);
    }

    @Test
    void largestCopesWithFewerDirectionsThanItsBasis() {
        // Rank 2 in 30 dimensions: the basis of 16 collapses, and the third pair has eigenvalue 0.
        int n = 30;
        double[][] basis = PrincipalComponentsTest.orthonormalRows(2, n, new Random(11));
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) a[i][j] = 5 * basis[0][i] * basis[0][j] + 2 * basis[1][i] * basis[1][j];
        SymmetricEigen.Pairs top = SymmetricEigen.largest(a, 3);
        assertArrayEquals(new double[] {5, 2, 0}, top.values(), 1e-10);
        assertIsEigenpairs(a, top);
    }

    private static double[][] compose(double[][] basis, double[] spectrum) {
        int n = spectrum.length;
        double[][] a = new double[n][n];
        for (int k = 0; k < n; k++)
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] += spectrum[k] * basis[k][i] * basis[k][j];
        return a;
    }

    /** A v = λ v and ‖v‖ = 1 for every pair, and the vectors are orthogonal. */
    private static void assertIsEigenpairs(double[][] a, SymmetricEigen.Pairs pairs) {
        for (int k = 0; k < pairs.values().length; k++) {
            double[] v = pairs.vectors()[k];
            assertEquals(1, SymmetricEigen.dot(v, v), 1e-12);
            for (int i = 0; i < a.length; i++)
                assertEquals(pairs.values()[k] * v[i], SymmetricEigen.dot(a[i], v), 1e-9);
            for (int other = 0; other < k; other++)
                assertEquals(0, SymmetricEigen.dot(v, pairs.vectors()[other]), 1e-9);
        }
    }
}
