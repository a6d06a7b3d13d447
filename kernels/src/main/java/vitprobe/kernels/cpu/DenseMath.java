package vitprobe.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense float kernels on plain arrays for callers outside the backend (the probe trainers and template scoring):
 * dot, axpy and a register-blocked GEMM that reads A row-major or transposed through strides, so training code
 * needs no packing step.
 */
public final class DenseMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Lanes per vector; matrix widths handed to {@link #gemm} are padded to a multiple of this. */
    public static final int L = S.length();
    /** Rows of the inner dimension per cache block: keeps both operand panels of one block in L2. */
    private static final int K_BLOCK = 256;

    private DenseMath() {}

    /** Sum of a[aOff+i] * b[bOff+i] for i in [0, n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
            acc1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), acc1);
        }
        for (; i + L <= n; i += L) {
            acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
        }
        float sum = VectorMath.sumLanes(acc0.add(acc1));
        for (; i < n; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** y[yOff+i] += alpha * x[xOff+i] for i in [0, n). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i + L <= n; i += L) {
            va.fma(FloatVector.fromArray(S, x, xOff + i), FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < n; i++) y[yOff + i] += alpha * x[xOff + i];
    }

    /**
     * c[m*ldc + n] += sum over k of a(m, k) * b[k*ldb + n], for m in [m0, m1), k in [0, depth), n in [0, width),
     * where a(m, k) = a[m*aRowStride + k*aColStride]: strides (D, 1) read a row-major matrix, (1, D) its transpose.
     * width must be a multiple of {@link #L}. Register-blocked 4 rows by 2 vectors; the inner dimension is
     * blocked so that both panels stay in cache.
     */
    public static void gemm(
            float[] a,
            int aRowStride,
            int aColStride,
            float[] b,
            int ldb,
            float[] c,
            int ldc,
            int m0,
            int m1,
            int depth,
            int width) {
        if (width % L != 0) throw new IllegalArgumentException("width " + width + " is not a multiple of " + L);
        for (int k0 = 0; k0 < depth; k0 += K_BLOCK) {
            int k1 = Math.min(depth, k0 + K_BLOCK);
            int m = m0;
            for (; m + 4 <= m1; m += 4) {
                int n = 0;
                for (; n + 2 * L <= width; n += 2 * L) {
                    block4x2(a, aRowStride, aColStride, b, ldb, c, ldc, m, n, k0, k1);
                }
                for (int r = m; r < m + 4 && n < width; r++)
                    row(a, aRowStride, aColStride, b, ldb, c, ldc, r, n, width, k0, k1);
            }
            for (; m < m1; m++) row(a, aRowStride, aColStride, b, ldb, c, ldc, m, 0, width, k0, k1);
        }
    }

    private static void block4x2(
            float[] a, int rs, int cs, float[] b, int ldb, float[] c, int ldc, int m, int n, int k0, int k1) {
        int c0 = m * ldc + n, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        FloatVector s00 = FloatVector.fromArray(S, c, c0), s01 = FloatVector.fromArray(S, c, c0 + L);
        FloatVector s10 = FloatVector.fromArray(S, c, c1), s11 = FloatVector.fromArray(S, c, c1 + L);
        FloatVector s20 = FloatVector.fromArray(S, c, c2), s21 = FloatVector.fromArray(S, c, c2 + L);
        FloatVector s30 = FloatVector.fromArray(S, c, c3), s31 = FloatVector.fromArray(S, c, c3 + L);
        int ai = m * rs + k0 * cs;
        int bi = k0 * ldb + n;
        for (int k = k0; k < k1; k++, ai += cs, bi += ldb) {
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[ai]);
            s00 = a0.fma(b0, s00);
            s01 = a0.fma(b1, s01);
            FloatVector a1 = FloatVector.broadcast(S, a[ai + rs]);
            s10 = a1.fma(b0, s10);
            s11 = a1.fma(b1, s11);
            FloatVector a2 = FloatVector.broadcast(S, a[ai + 2 * rs]);
            s20 = a2.fma(b0, s20);
            s21 = a2.fma(b1, s21);
            FloatVector a3 = FloatVector.broadcast(S, a[ai + 3 * rs]);
            s30 = a3.fma(b0, s30);
            s31 = a3.fma(b1, s31);
        }
        s00.intoArray(c, c0);
        s01.intoArray(c, c0 + L);
        s10.intoArray(c, c1);
        s11.intoArray(c, c1 + L);
        s20.intoArray(c, c2);
        s21.intoArray(c, c2 + L);
        s30.intoArray(c, c3);
        s31.intoArray(c, c3 + L);
    }

    /** One output row from column n to width, one vector at a time: the tails of the 4x2 blocking. */
    private static void row(
            float[] a,
            int rs,
            int cs,
            float[] b,
            int ldb,
            float[] c,
            int ldc,
            int m,
            int n,
            int width,
            int k0,
            int k1) {
        for (; n < width; n += L) {
            FloatVector s = FloatVector.fromArray(S, c, m * ldc + n);
            int ai = m * rs + k0 * cs;
            for (int k = k0; k < k1; k++, ai += cs) {
                s = FloatVector.broadcast(S, a[ai]).fma(FloatVector.fromArray(S, b, k * ldb + n), s);
            }
            s.intoArray(c, m * ldc + n);
        }
    }
}
