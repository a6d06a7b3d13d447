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

    /** The tile's starting values when there is no bias: a zero row read with row stride 0. */
    private static final float[] ZERO_ROW = new float[NR];

    /**
     * C[r, j] = Σ_k A[r, k]·B[k, j] + bias[j] for rows [r0, r1) and panels [p0, p1). Row r of A starts at
     * {@code a[aOff + r * lda]}, row r of C at {@code c[cOff + r * ldc]}. {@code bias} is null or padded to
     * a whole number of panels.
     */
    static void multiply(
            float[] a,
            int aOff,
            int lda,
            float[] b,
            int bOff,
            int k,
            int n,
            float[] c,
            int cOff,
            int ldc,
            int r0,
            int r1,
            int p0,
            int p1,
            float[] bias) {
        int whole = r0 + (r1 - r0) / MR * MR, rest = r1 - whole;
        // The last rest < MR rows go through the same micro-kernel on zero-padded copies (the padding rows are
        // computed and dropped), so one kernel serves every row count.
        float[] restA = rest == 0 ? null : new float[MR * Math.min(KC, k)],
                restC = rest == 0 ? null : new float[MR * NR];
        for (int kb = 0; kb < k; kb += KC) {
            int kc = Math.min(KC, k - kb);
            boolean first = kb == 0;
            for (int i = 0; i < rest; i++) System.arraycopy(a, aOff + (whole + i) * lda + kb, restA, i * kc, kc);
            for (int p = p0; p < p1; p++) {
                int col = p * NR;
                int valid = Math.min(NR, n - col);
                int panel = bOff + (p * k + kb) * NR;
                // The first K block starts from the bias (or zero), a row read with stride 0; later ones from C.
                float[] row = bias == null ? ZERO_ROW : bias;
                int rowAt = bias == null ? 0 : col;
                for (int r = r0; r < whole; r += MR) {
                    int at = cOff + r * ldc + col;
                    if (first) tile(a, aOff + r * lda + kb, lda, b, panel, kc, row, rowAt, 0, c, at, ldc, valid);
                    else tile(a, aOff + r * lda + kb, lda, b, panel, kc, c, at, ldc, c, at, ldc, valid);
                }
                if (rest == 0) continue;
                int at = cOff + whole * ldc + col;
                if (!first) for (int i = 0; i < rest; i++) System.arraycopy(c, at + i * ldc, restC, i * NR, valid);
                if (first) tile(restA, 0, kc, b, panel, kc, row, rowAt, 0, restC, 0, NR, valid);
                else tile(restA, 0, kc, b, panel, kc, restC, 0, NR, restC, 0, NR, valid);
                for (int i = 0; i < rest; i++) System.arraycopy(restC, i * NR, c, at + i * ldc, valid);
            }
        }
    }

    /**
     * The MR × NR micro-kernel: C tile = init tile + A·B over one K block, for the first {@code valid} columns.
     * Everything it needs is passed as plain arrays and ints, so its compiled code does not depend on the profile
     * of its callers: vector and mask objects never cross a call boundary, where C2 would have to box them.
     */
    private static void tile(
            float[] a,
            int aAt,
            int lda,
            float[] b,
            int bAt,
            int kc,
            float[] init,
            int initAt,
            int initLd,
            float[] c,
            int cAt,
            int ldc,
            int valid) {
        VectorMask<Float> m0 = S.indexInRange(0, valid), m1 = S.indexInRange(L, valid);
        FloatVector c00 = FloatVector.fromArray(S, init, initAt, m0),
                c01 = FloatVector.fromArray(S, init, initAt + L, m1);
        FloatVector c10 = FloatVector.fromArray(S, init, initAt + initLd, m0),
                c11 = FloatVector.fromArray(S, init, initAt + initLd + L, m1);
        FloatVector c20 = FloatVector.fromArray(S, init, initAt + 2 * initLd, m0),
                c21 = FloatVector.fromArray(S, init, initAt + 2 * initLd + L, m1);
        FloatVector c30 = FloatVector.fromArray(S, init, initAt + 3 * initLd, m0),
                c31 = FloatVector.fromArray(S, init, initAt + 3 * initLd + L, m1);
        FloatVector c40 = FloatVector.fromArray(S, init, initAt + 4 * initLd, m0),
                c41 = FloatVector.fromArray(S, init, initAt + 4 * initLd + L, m1);
        FloatVector c50 = FloatVector.fromArray(S, init, initAt + 5 * initLd, m0),
                c51 = FloatVector.fromArray(S, init, initAt + 5 * initLd + L, m1);
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
