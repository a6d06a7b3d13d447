package vitprobe.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked single-precision matrix multiply C = A·B (+ bias), in the style of BLIS micro-kernels.
 * B is packed into panels of NR columns stored k-major, so the inner loop streams one panel linearly while
 * MR rows of A are broadcast one scalar at a time into MR × 2 vector accumulators (12 of the 32 AVX-512
 * registers). K is blocked by KC so a panel slice stays in L2 while the rows of a task reuse it.
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns per packed panel: two vectors. */
    static final int NR = 2 * L;
    /** Rows per micro-tile. */
    static final int MR = 6;

    /**
     * Most K per block; K is cut into equal blocks no longer than this. Long blocks pay off on Zen 4: a C tile is
     * stored and read back once per block, and rows of C 12 KiB apart (N = 3072) share L1 sets, so with blocks of
     * 256 the kernel ran at 84 % of the FMA peak on one thread, with 768 at 94 % (the B panel streams from L2).
     */
    static final int KC = 768;

    /** K blocks this short run rows outside panels (see {@link #multiply}). */
    private static final int SHORT_K = 384;

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
        // One panel at a time, writing it in order: its NR source rows stay in L1 while they are read across.
        for (int p = 0; p < panels(n); p++) {
            int cols = Math.min(NR, n - p * NR), src = wOff + p * NR * ld;
            for (int kk = 0, at = dstOff + p * k * NR; kk < k; kk++, at += NR) {
                for (int j = 0; j < cols; j++) dst[at + j] = w[src + j * ld + kk];
            }
        }
        zeroPadding(n, k, dst, dstOff);
    }

    /**
     * Packs B [k, n] row-major with row stride {@code ld} (the values of one attention head). Whole panel rows move
     * as two vectors: a System.arraycopy of 32 floats per row cost a fifth of the attention at 197 tokens.
     */
    static void packRows(float[] b, int bOff, int ld, int k, int n, float[] dst, int dstOff) {
        for (int p = 0; p < panels(n); p++) {
            int cols = Math.min(NR, n - p * NR);
            for (int kk = 0, src = bOff + p * NR, at = dstOff + p * k * NR; kk < k; kk++, src += ld, at += NR) {
                if (cols == NR) {
                    FloatVector.fromArray(S, b, src).intoArray(dst, at);
                    FloatVector.fromArray(S, b, src + L).intoArray(dst, at + L);
                } else {
                    System.arraycopy(b, src, dst, at, cols);
                }
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

    /** Per-thread copies of the last rows of A ({@code MR × KC}) and of an edge tile of C ({@code MR × NR}). */
    private static final ThreadLocal<float[]> EDGE_A = ThreadLocal.withInitial(() -> new float[MR * KC]);

    private static final ThreadLocal<float[]> EDGE_C = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /**
     * C[r, j] = Σ_k A[r, k]·B[k, j] + bias[j] for rows [r0, r1) and panels [p0, p1). Row r of A starts at
     * {@code a[aOff + r * lda]}, row r of C at {@code c[cOff + r * ldc]}. {@code bias} is null or padded to
     * a whole number of panels. Every element is the bias followed by one fused multiply-add per k in order,
     * whatever the blocking, so the result does not depend on how rows and panels are split into tasks.
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
        int kBlocks = (k + KC - 1) / KC, step = (k + kBlocks - 1) / kBlocks;
        float[] row = bias == null ? ZERO_ROW : bias, restA = rest == 0 ? null : EDGE_A.get();
        // The rows after the last whole tile are one more row tile, starting at row `whole`.
        int rowTiles = (whole - r0) / MR + (rest > 0 ? 1 : 0), panelCount = p1 - p0, tiles = rowTiles * panelCount;
        for (int kb = 0; kb < k; kb += step) {
            int kc = Math.min(step, k - kb);
            // The first K block starts from the bias (or zero), a row read with stride 0; later ones from C.
            boolean first = kb == 0;
            // The rows after the last whole tile, copied once per K block for all panels.
            for (int i = 0; i < rest; i++) System.arraycopy(a, aOff + (whole + i) * lda + kb, restA, i * kc, kc);
            // A short K block runs the task's panels for one row tile before the next: its tiles' stores weigh more
            // against their FMAs, and a C row's lines, shared by the tiles of neighbouring panels, stay in L1. A long
            // block runs each panel down the rows, the panel slice staying in L2.
            boolean rowsOuter = kc <= SHORT_K;
            for (int i = 0; i < tiles; i++) {
                int r = r0 + MR * (rowsOuter ? i / panelCount : i % rowTiles);
                int p = p0 + (rowsOuter ? i % panelCount : i / rowTiles);
                int col = p * NR, cols = Math.min(NR, n - col);
                int panel = bOff + (p * k + kb) * NR, rowAt = bias == null ? 0 : col;
                int at = cOff + r * ldc + col, aAt = aOff + r * lda + kb;
                if (r == whole) edgeTile(restA, 0, kc, rest, b, panel, kc, first, row, rowAt, c, at, ldc, cols);
                else if (cols < NR) edgeTile(a, aAt, lda, MR, b, panel, kc, first, row, rowAt, c, at, ldc, cols);
                else if (first) tile(a, aAt, lda, b, panel, kc, row, rowAt, 0, c, at, ldc);
                else tile(a, aAt, lda, b, panel, kc, c, at, ldc, c, at, ldc);
            }
        }
    }

    /**
     * A tile of {@code rows} ≤ MR rows and {@code cols} ≤ NR columns: the same micro-kernel on a copy of the C tile
     * (the padding rows and columns are computed and dropped), so one kernel, without masks, serves every shape.
     * A holds MR readable rows: the caller copies the rows after the last whole tile.
     */
    private static void edgeTile(
            float[] a,
            int aAt,
            int lda,
            int rows,
            float[] b,
            int panel,
            int kc,
            boolean first,
            float[] row,
            int rowAt,
            float[] c,
            int cAt,
            int ldc,
            int cols) {
        float[] edgeC = EDGE_C.get();
        if (first) {
            tile(a, aAt, lda, b, panel, kc, row, rowAt, 0, edgeC, 0, NR);
        } else {
            for (int i = 0; i < rows; i++) System.arraycopy(c, cAt + i * ldc, edgeC, i * NR, cols);
            tile(a, aAt, lda, b, panel, kc, edgeC, 0, NR, edgeC, 0, NR);
        }
        for (int i = 0; i < rows; i++) System.arraycopy(edgeC, i * NR, c, cAt + i * ldc, cols);
    }

    /**
     * The MR × NR micro-kernel: C tile = init tile + A·B over one K block. Everything it needs is passed as plain
     * arrays and ints, so its compiled code does not depend on the profile of its callers: vector objects never
     * cross a call boundary, where C2 would have to box them. It has no masks: masked loads and stores made it too
     * big for C1 ("out of virtual registers"), and a JVM whose C1 compile of it failed could keep running the
     * Vector API's Java fallbacks for good.
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
            int ldc) {
        FloatVector c00 = FloatVector.fromArray(S, init, initAt), c01 = FloatVector.fromArray(S, init, initAt + L);
        FloatVector c10 = FloatVector.fromArray(S, init, initAt + initLd),
                c11 = FloatVector.fromArray(S, init, initAt + initLd + L);
        FloatVector c20 = FloatVector.fromArray(S, init, initAt + 2 * initLd),
                c21 = FloatVector.fromArray(S, init, initAt + 2 * initLd + L);
        FloatVector c30 = FloatVector.fromArray(S, init, initAt + 3 * initLd),
                c31 = FloatVector.fromArray(S, init, initAt + 3 * initLd + L);
        FloatVector c40 = FloatVector.fromArray(S, init, initAt + 4 * initLd),
                c41 = FloatVector.fromArray(S, init, initAt + 4 * initLd + L);
        FloatVector c50 = FloatVector.fromArray(S, init, initAt + 5 * initLd),
                c51 = FloatVector.fromArray(S, init, initAt + 5 * initLd + L);
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
        c00.intoArray(c, cAt);
        c01.intoArray(c, cAt + L);
        c10.intoArray(c, cAt + ldc);
        c11.intoArray(c, cAt + ldc + L);
        c20.intoArray(c, cAt + 2 * ldc);
        c21.intoArray(c, cAt + 2 * ldc + L);
        c30.intoArray(c, cAt + 3 * ldc);
        c31.intoArray(c, cAt + 3 * ldc + L);
        c40.intoArray(c, cAt + 4 * ldc);
        c41.intoArray(c, cAt + 4 * ldc + L);
        c50.intoArray(c, cAt + 5 * ldc);
        c51.intoArray(c, cAt + 5 * ldc + L);
    }
}
