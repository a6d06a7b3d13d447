package vitprobe.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked single-precision matrix multiply C = A·B (+ bias), in the style of BLIS micro-kernels.
 * B is packed into panels of NR columns stored k-major, so the inner loop streams one panel linearly while
 * MR rows of A are broadcast one scalar at a time into MR × 2 vector accumulators (12 of the 32 AVX-512
 * registers). K is blocked by KC so a panel slice stays in L1 while the rows of a task reuse it.
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns per packed panel: two vectors. */
    static final int NR = 2 * L;
    /** Rows per micro-tile. */
    static final int MR = 6;
    static final int KC = 256;

    private Gemm() {}

    static int panels(int n) {
        return (n + NR - 1) / NR;
    }

    static int packedSize(int k, int n) {
        return panels(n) * k * NR;
    }

    /**
     * Packs B = Wᵀ where W is [n, k] row-major with row stride {@code ld} (PyTorch's Linear weight layout, or the
     * keys of one attention head). Columns past n are zero.
     */
    static void packTransposed(float[] w, int wOff, int ld, int n, int k, float[] dst, int dstOff) {
        for (int j = 0; j < n; j++) {
            int base = dstOff + (j / NR) * k * NR + j % NR;
            int src = wOff + j * ld;
            for (int kk = 0; kk < k; kk++) dst[base + kk * NR] = w[src + kk];
        }
        zeroPadding(n, k, dst, dstOff);
    }

    /** Packs B [k, n] row-major with row stride {@code ld} (the values of one attention head). */
    static void packRows(float[] b, int bOff, int ld, int k, int n, float[] dst, int dstOff) {
        for (int p = 0; p < panels(n); p++) {
            int cols = Math.min(NR, n - p * NR);
            for (int kk = 0; kk < k; kk++) {
                System.arraycopy(b, bOff + kk * ld + p * NR, dst, dstOff + (p * k + kk) * NR, cols);
            }
        }
        zeroPadding(n, k, dst, dstOff);
    }

    private static void zeroPadding(int n, int k, float[] dst, int dstOff) {
        int last = panels(n) - 1;
        int cols = n - last * NR;
        if (cols == NR) return;
        for (int kk = 0; kk < k; kk++) {
            int at = dstOff + (last * k + kk) * NR;
            java.util.Arrays.fill(dst, at + cols, at + NR, 0f);
        }
    }

    /**
     * C[r, j] = Σ_k A[r, k]·B[k, j] + bias[j] for rows [r0, r1) and panels [p0, p1). Row r of A starts at
     * {@code a[aOff + r * lda]}, row r of C at {@code c[cOff + r * ldc]}. {@code bias} is null or padded to
     * a whole number of panels.
     */
    static void multiply(float[] a, int aOff, int lda, float[] b, int bOff, int k, int n,
                         float[] c, int cOff, int ldc, int r0, int r1, int p0, int p1, float[] bias) {
        int whole = r0 + (r1 - r0) / MR * MR, rest = r1 - whole;
        // The last rest < MR rows go through the same micro-kernel on zero-padded copies (the padding rows are
        // computed and dropped), so one kernel serves every row count.
        float[] restA = rest == 0 ? null : new float[MR * Math.min(KC, k)], restC = rest == 0 ? null : new float[MR * NR];
        for (int kb = 0; kb < k; kb += KC) {
            int kc = Math.min(KC, k - kb);
            boolean first = kb == 0;
            for (int i = 0; i < rest; i++) System.arraycopy(a, aOff + (whole + i) * lda + kb, restA, i * kc, kc);
            for (int p = p0; p < p1; p++) {
                int col = p * NR;
                int valid = Math.min(NR, n - col);
                VectorMask<Float> m0 = S.indexInRange(0, valid);
                VectorMask<Float> m1 = S.indexInRange(L, valid);
                int panel = bOff + (p * k + kb) * NR;
                for (int r = r0; r < whole; r += MR) {
                    tile(a, aOff + r * lda + kb, lda, b, panel, kc, c, cOff + r * ldc + col, ldc, m0, m1, first, bias, col);
                }
                if (rest == 0) continue;
                int at = cOff + whole * ldc + col;
                if (!first) for (int i = 0; i < rest; i++) System.arraycopy(c, at + i * ldc, restC, i * NR, valid);
                tile(restA, 0, kc, b, panel, kc, restC, 0, NR, m0, m1, first, bias, col);
                for (int i = 0; i < rest; i++) System.arraycopy(restC, i * NR, c, at + i * ldc, valid);
            }
        }
    }

    private static FloatVector start(float[] c, int at, VectorMask<Float> m, boolean first, float[] bias, int biasAt) {
        if (!first) return FloatVector.fromArray(S, c, at, m);
        return bias == null ? FloatVector.zero(S) : FloatVector.fromArray(S, bias, biasAt);
    }

    /** The MR × NR micro-kernel. */
    private static void tile(float[] a, int aAt, int lda, float[] b, int bAt, int kc,
                             float[] c, int cAt, int ldc, VectorMask<Float> m0, VectorMask<Float> m1,
                             boolean first, float[] bias, int col) {
        FloatVector c00 = start(c, cAt, m0, first, bias, col), c01 = start(c, cAt + L, m1, first, bias, col + L);
        FloatVector c10 = start(c, cAt + ldc, m0, first, bias, col), c11 = start(c, cAt + ldc + L, m1, first, bias, col + L);
        FloatVector c20 = start(c, cAt + 2 * ldc, m0, first, bias, col), c21 = start(c, cAt + 2 * ldc + L, m1, first, bias, col + L);
        FloatVector c30 = start(c, cAt + 3 * ldc, m0, first, bias, col), c31 = start(c, cAt + 3 * ldc + L, m1, first, bias, col + L);
        FloatVector c40 = start(c, cAt + 4 * ldc, m0, first, bias, col), c41 = start(c, cAt + 4 * ldc + L, m1, first, bias, col + L);
        FloatVector c50 = start(c, cAt + 5 * ldc, m0, first, bias, col), c51 = start(c, cAt + 5 * ldc + L, m1, first, bias, col + L);
        int a0 = aAt, a1 = aAt + lda, a2 = aAt + 2 * lda, a3 = aAt + 3 * lda, a4 = aAt + 4 * lda, a5 = aAt + 5 * lda;
        for (int kk = 0; kk < kc; kk++) {
            int bk = bAt + kk * NR;
            FloatVector b0 = FloatVector.fromArray(S, b, bk);
            FloatVector b1 = FloatVector.fromArray(S, b, bk + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, cAt, m0);
        c01.intoArray(c, cAt + L, m1);
        c10.intoArray(c, cAt + ldc, m0);
        c11.intoArray(c, cAt + ldc + L, m1);
        c20.intoArray(c, cAt + 2 * ldc, m0);
        c21.intoArray(c, cAt + 2 * ldc + L, m1);
        c30.intoArray(c, cAt + 3 * ldc, m0);
        c31.intoArray(c, cAt + 3 * ldc + L, m1);
        c40.intoArray(c, cAt + 4 * ldc, m0);
        c41.intoArray(c, cAt + 4 * ldc + L, m1);
        c50.intoArray(c, cAt + 5 * ldc, m0);
        c51.intoArray(c, cAt + 5 * ldc + L, m1);
    }
}
