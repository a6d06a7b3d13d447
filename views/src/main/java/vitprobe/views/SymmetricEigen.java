package vitprobe.views;

import java.util.Arrays;
import java.util.Random;

/** Eigenvalues and eigenvectors of real symmetric matrices, in double precision. */
final class SymmetricEigen {
    /** Eigenpairs with values in descending order; {@code vectors[i]} is the unit eigenvector of {@code values[i]}. */
    record Pairs(double[] values, double[][] vectors) {}

    /** Extra columns carried beyond those asked for: convergence goes as λ(k + EXTRA + 1) / λ(k). */
    private static final int EXTRA = 13;

    private static final int MAX_SWEEPS = 100, MAX_ITERATIONS = 1000;
    private static final double TOLERANCE = 1e-10;

    private SymmetricEigen() {}

    /** Every eigenpair, by cyclic Jacobi rotations. The input is not changed. */
    static Pairs all(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            if (matrix[i].length != n) throw new IllegalArgumentException("the matrix is not square");
            a[i] = matrix[i].clone();
        }
        // v[i][j]: component i of eigenvector j
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1;
        double norm = 0;
        for (double[] row : a) for (double x : row) norm += x * x;
        for (int sweep = 0; sweep < MAX_SWEEPS && offDiagonal(a) > 1e-28 * norm; sweep++) {
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] != 0) rotate(a, v, p, q);
                }
            }
        }
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            values[j] = a[j][j];
            for (int i = 0; i < n; i++) vectors[j][i] = v[i][j];
        }
        return sorted(values, vectors, n);
    }

    private static double offDiagonal(double[][] a) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) for (int j = i + 1; j < a.length; j++) sum += a[i][j] * a[i][j];
        return 2 * sum;
    }

    /** Zeroes a[p][q] (and a[q][p]) by the rotation in the (p, q) plane that diagonalizes that 2x2 block. */
    private static void rotate(double[][] a, double[][] v, int p, int q) {
        double apq = a[p][q];
        double theta = (a[q][q] - a[p][p]) / (2 * apq);
        // The smaller root of t² + 2θt − 1 = 0: the rotation angle of at most 45°, which keeps the steps stable.
        double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        if (theta == 0) t = 1;
        double c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < a.length; k++) {
            if (k == p || k == q) continue;
            double akp = a[k][p], akq = a[k][q];
            a[k][p] = a[p][k] = c * akp - s * akq;
            a[k][q] = a[q][k] = s * akp + c * akq;
        }
        a[p][p] -= t * apq;
        a[q][q] += t * apq;
        a[p][q] = a[q][p] = 0;
        for (double[] row : v) {
            double vp = row[p], vq = row[q];
            row[p] = c * vp - s * vq;
            row[q] = s * vp + c * vq;
        }
    }

    /**
     * The {@code k} largest eigenpairs, by subspace iteration with a Rayleigh–Ritz step each round: far cheaper than
     * the full decomposition when k is much smaller than the matrix. The start is seeded, so the result is the same
     * from run to run.
     */
    static Pairs largest(double[][] a, int k) {
        int n = a.length;
        if (k < 1 || k > n) throw new IllegalArgumentException("asked for " + k + " eigenpairs of a " + n + "x" + n);
        int p = Math.min(n, k + EXTRA);
        Random random = new Random(0);
        double[][] basis = new double[p][n];
        for (double[] column : basis) for (int i = 0; i < n; i++) column[i] = random.nextGaussian();
        orthonormalize(basis, random);
        Pairs ritz = null;
        for (int iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
            double[][] image = new double[p][];
            for (int j = 0; j < p; j++) image[j] = times(a, basis[j]);
            double[][] small = new double[p][p];
            for (int i = 0; i < p; i++) {
                for (int j = i; j < p; j++) small[i][j] = small[j][i] = dot(basis[i], image[j]);
            }
            Pairs inner = all(small);
            double[][] vectors = combine(inner.vectors(), basis), images = combine(inner.vectors(), image);
            ritz = new Pairs(inner.values(), vectors);
            if (converged(ritz, images, k)) break;
            basis = images;
            orthonormalize(basis, random);
        }
        return new Pairs(Arrays.copyOf(ritz.values(), k), Arrays.copyOf(ritz.vectors(), k));
    }

    /** Whether ‖A x − θ x‖ is within the tolerance, relative to the largest |θ|, for each of the first k pairs. */
    private static boolean converged(Pairs ritz, double[][] images, int k) {
        double scale = 0;
        for (double value : ritz.values()) scale = Math.max(scale, Math.abs(value));
        if (scale == 0) return true;
        for (int j = 0; j < k; j++) {
            double residual = 0;
            for (int i = 0; i < images[j].length; i++) {
                double r = images[j][i] - ritz.values()[j] * ritz.vectors()[j][i];
                residual += r * r;
            }
            if (Math.sqrt(residual) > TOLERANCE * scale) return false;
        }
        return true;
    }

    /** Row j of the result: Σ_i weights[j][i] · rows[i]. */
    private static double[][] combine(double[][] weights, double[][] rows) {
        double[][] out = new double[weights.length][rows[0].length];
        for (int j = 0; j < weights.length; j++) {
            for (int i = 0; i < rows.length; i++) {
                double w = weights[j][i];
                for (int x = 0; x < out[j].length; x++) out[j][x] += w * rows[i][x];
            }
        }
        return out;
    }

    /**
     * Gram–Schmidt, twice per vector so that rounding leaves no overlap; a vector that vanishes (the matrix has
     * fewer independent directions than the basis) is replaced by a random one.
     */
    private static void orthonormalize(double[][] basis, Random random) {
        for (int j = 0; j < basis.length; j++) {
            double[] v = basis[j];
            double before = Math.sqrt(dot(v, v));
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < j; i++) {
                    double d = dot(basis[i], v);
                    for (int x = 0; x < v.length; x++) v[x] -= d * basis[i][x];
                }
            }
            double length = Math.sqrt(dot(v, v));
            if (!(length > 1e-12 * before)) {
                for (int x = 0; x < v.length; x++) v[x] = random.nextGaussian();
                j--; // orthogonalize the new vector in its place
                continue;
            }
            for (int x = 0; x < v.length; x++) v[x] /= length;
        }
    }

    private static double[] times(double[][] a, double[] x) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) out[i] = dot(a[i], x);
        return out;
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static Pairs sorted(double[] values, double[][] vectors, int count) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
        double[] v = new double[count];
        double[][] w = new double[count][];
        for (int i = 0; i < count; i++) {
            v[i] = values[order[i]];
            w[i] = vectors[order[i]];
        }
        return new Pairs(v, w);
    }
}
