package vitprobe.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register-blocked single-precision matrix multiply C = A·B (+ bias), in the style of BLIS micro-kernels.
 * B is packed into panels of NR columns, each stored as two halves of one vector's width, k-major, so the inner loop
 * streams both halves of one panel while MR rows of A are broadcast one scalar at a time into MR × 2 vector
 * accumulators. A is packed too, once per layer (or attention head), into tiles of MR rows stored k-major, so the
 * kernel's loop keeps two array indices in registers instead of one per row of A. K is blocked by KC so a panel slice
 * stays in L2 while the rows of a task reuse it.
 */
final class Gemm {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Columns per packed panel: two vectors. */
    static final int NR = 2 * L;
    /**
     * Rows per micro-tile: as many as the vector registers hold accumulators for, two B vectors and a broadcast
     * beside. With AVX-512's 32 registers, 14 rows (28 accumulators) ran at 90–95 % of one core's FMA peak on a
     * Xeon with two 512-bit FMA ports, 8 rows at 81–89 %, 6 rows at 64–77 %; with 16 registers (AVX2), 5 rows
     * at 90–98 %, where 6 rows spilled an accumulator to the stack.
     */
    static final int MR = L >= 16 ? 14 : 5;
    /**
     * Rows of the narrow kernel, which also runs a last tile of at most this many rows when MR is larger: both
     * models' token counts are a multiple of 14 plus one (197, 785), and a 14-row tile for that one row wasted 6.6 %
     * of a ViT-B/16 layer at batch 1.
     */
    static final int NARROW = 5;

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
     * queries of one attention head). Panel p starts at {@code dstOff + p * k * NR}: its first L columns k-major (L
     * floats a k), then its last L columns at {@code k * L} further. Columns past n are zero. Two halves, not rows of
     * NR: a tile that reads a panel from memory (a weight first used at batch 1) then has two streams for the
     * hardware prefetcher to run ahead on: on one thread the layer ran 4–6 % faster with its weights read from memory,
     * 7 % with them in L3.
     */
    static void packTransposed(float[] w, int wOff, int ld, int n, int k, float[] dst, int dstOff) {
        packB(w, wOff, 1, ld, k, n, dst, dstOff);
    }

    /**
     * Packs B = M, M being [k, n] row-major with row stride {@code ld} (the values of one attention head, a row per
     * token), laid out as {@link #packTransposed} lays out B.
     */
    static void pack(float[] m, int mOff, int ld, int k, int n, float[] dst, int dstOff) {
        packB(m, mOff, ld, 1, k, n, dst, dstOff);
    }

    /** Packs B [k, n] whose element (kk, j) is {@code m[mOff + kk * kStride + j * jStride]}, as packTransposed says. */
    private static void packB(float[] m, int mOff, int kStride, int jStride, int k, int n, float[] dst, int dstOff) {
        // One half panel at a time, writing it in order: its L source rows stay in L1 while they are read across.
        // A whole half reads each k's L values as one vector: a plain load where they lie side by side (values), else
        // a gather (attention's queries: half the time of a scalar copy).
        int[] columnStarts = strided(jStride, L);
        for (int half = 0; half < 2 * panels(n); half++) {
            int first = half * L, cols = Math.clamp(n - first, 0, L), src = mOff + first * jStride;
            int at = dstOff + half * k * L;
            if (cols == L && jStride == 1) {
                for (int kk = 0; kk < k; kk++, at += L)
                    FloatVector.fromArray(S, m, src + kk * kStride).intoArray(dst, at);
                continue;
            }
            if (cols == L && GATHERS) {
                for (int kk = 0; kk < k; kk++, at += L)
                    FloatVector.fromArray(S, m, src + kk * kStride, columnStarts, 0)
                            .intoArray(dst, at);
                continue;
            }
            for (int kk = 0; kk < k; kk++, at += L) {
                for (int j = 0; j < cols; j++) dst[at + j] = m[src + kk * kStride + j * jStride];
                for (int j = cols; j < L; j++) dst[at + j] = 0f;
            }
        }
    }

    /** The tile's starting values when there is no bias: a zero row, written into each row of the tile. */
    private static final float[] ZERO_ROW = new float[NR];

    /** A per-thread copy of an edge tile of C ({@code MR × NR}). */
    private static final ThreadLocal<float[]> EDGE_C = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /** Floats of {@code rows} rows of A, K long, packed by {@link #packA}: whole tiles of MR rows. */
    static int packedASize(int rows, int k) {
        return (rows + MR - 1) / MR * MR * k;
    }

    /** The rows a tile of {@code rows} ≤ MR real rows is packed and computed as: NARROW or MR. */
    private static int tileHeight(int rows) {
        return rows <= NARROW ? NARROW : MR;
    }

    /**
     * Whether packing gathers whole vectors ({@link #packTile}, {@link #packTransposed}'s whole halves): measured with
     * AVX-512 only; AVX2's gathers (microcoded on Zen 3) keep the scalar copies until measured there.
     */
    private static final boolean GATHERS = L >= 16;

    /** The lanes of a tile's rows: a full tile of A is packed a k per vector. */
    private static final VectorMask<Float> TILE_ROWS = VectorMask.fromLong(S, (1L << MR) - 1);

    /** K per block of {@link #packA}'s last tile when it has fewer than MR rows. */
    private static final int PACK_K = 16;

    /**
     * Packs {@code rows} rows of A (row i at {@code a[aOff + i * lda]}, {@code k} long) into tiles of MR rows (the
     * last one NARROW rows if it has no more), each stored k-major: in the tile starting at row r, of height h,
     * element (r + i, kk) goes to {@code dst[dstOff + r * k + kk * h + i]}, so the micro-kernel reads the h values of
     * one k side by side. Rows past the last are zero.
     */
    static void packA(float[] a, int aOff, int lda, int rows, int k, float[] dst, int dstOff) {
        int[] rowStarts = strided(lda, MR);
        for (int r = 0; r < rows; r += MR) {
            int tile = dstOff + r * k, here = Math.min(MR, rows - r), height = tileHeight(here);
            if (here == MR && GATHERS) {
                packTile(a, aOff + r * lda, rowStarts, k, dst, tile);
                continue;
            }
            // K in blocks of PACK_K, each written whole (its lines stay in L1) before the next: row by row across a
            // whole tile, 172 KiB at K = 3072, every line was written h times, most times after it had left L1.
            int k0 = 0;
            for (int end = k - k % PACK_K; k0 < end; k0 += PACK_K) {
                int block = tile + k0 * height;
                for (int i = 0; i < height; i++) {
                    int src = aOff + (r + i) * lda + k0, at = block + i;
                    if (i < here) for (int kk = 0; kk < PACK_K; kk++) dst[at + kk * height] = a[src + kk];
                    else for (int kk = 0; kk < PACK_K; kk++) dst[at + kk * height] = 0f;
                }
            }
            // The last k % PACK_K apart: whole blocks with a constant bound are unrolled (a bound of min(PACK_K, k −
            // k0) for every block took 0.59–0.62 ns an element against 0.43–0.51).
            for (int i = 0; i < height; i++) {
                int src = aOff + (r + i) * lda, at = tile + i;
                for (int kk = k0; kk < k; kk++) dst[at + kk * height] = i < here ? a[src + kk] : 0f;
            }
        }
    }

    /** A gather's offsets: {@code count} ≤ L lanes {@code stride} apart (the rest unused). */
    private static int[] strided(int stride, int count) {
        int[] starts = new int[L];
        for (int i = 0; i < count; i++) starts[i] = i * stride;
        return starts;
    }

    /**
     * One whole tile of {@link #packA}, a k at a time: the MR values of a k gathered from the MR rows into one vector
     * and stored whole, its lanes past MR landing where the next k's values go next (the last k stores MR lanes
     * only, so nothing past the tile is touched). 0.19–0.36 ns an element against 0.43–0.49 by scalar blocks (lab,
     * one thread, K = 384–3072, AVX-512 Xeon).
     */
    private static void packTile(float[] a, int src, int[] rowStarts, int k, float[] dst, int tile) {
        int last = k - 1;
        for (int kk = 0; kk < last; kk++)
            FloatVector.fromArray(S, a, src + kk, rowStarts, 0, TILE_ROWS).intoArray(dst, tile + kk * MR);
        FloatVector.fromArray(S, a, src + last, rowStarts, 0, TILE_ROWS).intoArray(dst, tile + last * MR, TILE_ROWS);
    }

    /**
     * C[r, j] = Σ_k A[r, k]·B[k, j] + bias[j] for rows [r0, r1) and panels [p0, p1). A is packed ({@link #packA})
     * from row 0 at {@code packedA[aOff]}, and r0 is a multiple of MR; B is packed ({@link #packTransposed}) from
     * {@code b[bOff]}. Row r of C starts at {@code c[cOff + r * ldc]}, and the last L columns of each panel lie
     * {@code cHalf} after its first L: L for a plain row-major C, more to write C as B's halves are packed (attention's
     * scores, which become the B of the next product). {@code bias} is null or padded to a whole number of panels.
     * Every element is the bias followed by one fused multiply-add per k in order, whatever the blocking, so the
     * result does not depend on how rows and panels are split into tasks.
     */
    static void multiply(
            float[] packedA,
            int aOff,
            float[] b,
            int bOff,
            int k,
            int n,
            float[] c,
            int cOff,
            int ldc,
            int cHalf,
            int r0,
            int r1,
            int p0,
            int p1,
            float[] bias) {
        int kBlocks = (k + KC - 1) / KC, step = (k + kBlocks - 1) / kBlocks;
        float[] row = bias == null ? ZERO_ROW : bias;
        int rowTiles = (r1 - r0 + MR - 1) / MR, panelCount = p1 - p0, tiles = rowTiles * panelCount;
        for (int kb = 0; kb < k; kb += step) {
            int kc = Math.min(step, k - kb);
            // The first K block starts from the bias (or zero), written into the C tile first; later ones from C.
            boolean first = kb == 0;
            // A short K block runs the task's panels for one row tile before the next: its tiles' stores weigh more
            // against their FMAs, and a C row's lines, shared by the tiles of neighbouring panels, stay in L1. A long
            // block runs each panel down the rows, the panel slice staying in L2.
            boolean rowsOuter = kc <= SHORT_K;
            for (int i = 0; i < tiles; i++) {
                int t = rowsOuter ? i / panelCount : i % rowTiles;
                int p = p0 + (rowsOuter ? i % panelCount : i / rowTiles);
                int r = r0 + MR * t, rows = Math.min(MR, r1 - r), col = p * NR, cols = Math.min(NR, n - col);
                int lo = bOff + p * k * NR + kb * L, hi = lo + k * L, rowAt = bias == null ? 0 : col;
                int at = cOff + r * ldc + col, aAt = aOff + r * k + kb * tileHeight(rows);
                if (rows < MR || cols < NR) {
                    edgeTile(packedA, aAt, rows, b, lo, hi, kc, first, row, rowAt, c, at, at + cHalf, ldc, cols);
                } else {
                    if (first) fillRows(row, rowAt, c, at, at + cHalf, ldc, MR);
                    tile(packedA, aAt, b, lo, hi, kc, c, at, at + cHalf, ldc);
                }
            }
        }
    }

    /**
     * A tile of {@code rows} ≤ MR rows and {@code cols} ≤ NR columns: the micro-kernel of its height on a copy of the C
     * tile (the padding rows and columns are computed and dropped), so kernels without masks serve every shape.
     */
    private static void edgeTile(
            float[] a,
            int aAt,
            int rows,
            float[] b,
            int bLo,
            int bHi,
            int kc,
            boolean first,
            float[] row,
            int rowAt,
            float[] c,
            int cLo,
            int cHi,
            int ldc,
            int cols) {
        float[] edgeC = EDGE_C.get();
        int loCols = Math.min(cols, L), hiCols = cols - loCols;
        if (first) fillRows(row, rowAt, edgeC, 0, L, NR, MR);
        else {
            for (int i = 0; i < rows; i++) {
                System.arraycopy(c, cLo + i * ldc, edgeC, i * NR, loCols);
                if (hiCols > 0) System.arraycopy(c, cHi + i * ldc, edgeC, i * NR + L, hiCols);
            }
        }
        if (rows <= NARROW) tile5(a, aAt, b, bLo, bHi, kc, edgeC, 0, L, NR);
        else tile(a, aAt, b, bLo, bHi, kc, edgeC, 0, L, NR);
        for (int i = 0; i < rows; i++) {
            System.arraycopy(edgeC, i * NR, c, cLo + i * ldc, loCols);
            // A C narrower than a half ends before where its last half would start.
            if (hiCols > 0) System.arraycopy(edgeC, i * NR + L, c, cHi + i * ldc, hiCols);
        }
    }

    /** Writes the NR values at {@code row[rowAt]} into {@code rows} rows of a C tile, as two halves. */
    private static void fillRows(float[] row, int rowAt, float[] c, int cLo, int cHi, int ldc, int rows) {
        FloatVector v0 = FloatVector.fromArray(S, row, rowAt), v1 = FloatVector.fromArray(S, row, rowAt + L);
        for (int i = 0; i < rows; i++) {
            v0.intoArray(c, cLo + i * ldc);
            v1.intoArray(c, cHi + i * ldc);
        }
    }

    /**
     * The MR × NR micro-kernel: C tile += A·B over one K block, A packed ({@link #packA}), B's two halves from
     * {@code bLo} and {@code bHi}, C's from {@code cLo} and {@code cHi} a row ({@code ldc} apart). Everything it
     * needs is passed as plain arrays and ints, so its compiled code does not depend on the profile of its callers:
     * vector objects never cross a call boundary, where C2 would have to box them. It has no masks: masked loads
     * and stores made it too big for C1 ("out of virtual registers"), and a JVM whose C1 compile of it failed could
     * keep running the Vector API's Java fallbacks for good. The two kernels are the same loop unrolled for the
     * two register files; MR is a constant, so the JIT keeps only one.
     */
    private static void tile(
            float[] a, int aAt, float[] b, int bLo, int bHi, int kc, float[] c, int cLo, int cHi, int ldc) {
        if (MR == NARROW) tile5(a, aAt, b, bLo, bHi, kc, c, cLo, cHi, ldc);
        else tile14(a, aAt, b, bLo, bHi, kc, c, cLo, cHi, ldc);
    }

    private static void tile14(
            float[] a, int aAt, float[] b, int bLo, int bHi, int kc, float[] c, int cLo, int cHi, int ldc) {
        FloatVector c0lo = FloatVector.fromArray(S, c, cLo), c0hi = FloatVector.fromArray(S, c, cHi);
        FloatVector c1lo = FloatVector.fromArray(S, c, cLo + ldc), c1hi = FloatVector.fromArray(S, c, cHi + ldc);
        FloatVector c2lo = FloatVector.fromArray(S, c, cLo + 2 * ldc),
                c2hi = FloatVector.fromArray(S, c, cHi + 2 * ldc);
        FloatVector c3lo = FloatVector.fromArray(S, c, cLo + 3 * ldc),
                c3hi = FloatVector.fromArray(S, c, cHi + 3 * ldc);
        FloatVector c4lo = FloatVector.fromArray(S, c, cLo + 4 * ldc),
                c4hi = FloatVector.fromArray(S, c, cHi + 4 * ldc);
        FloatVector c5lo = FloatVector.fromArray(S, c, cLo + 5 * ldc),
                c5hi = FloatVector.fromArray(S, c, cHi + 5 * ldc);
        FloatVector c6lo = FloatVector.fromArray(S, c, cLo + 6 * ldc),
                c6hi = FloatVector.fromArray(S, c, cHi + 6 * ldc);
        FloatVector c7lo = FloatVector.fromArray(S, c, cLo + 7 * ldc),
                c7hi = FloatVector.fromArray(S, c, cHi + 7 * ldc);
        FloatVector c8lo = FloatVector.fromArray(S, c, cLo + 8 * ldc),
                c8hi = FloatVector.fromArray(S, c, cHi + 8 * ldc);
        FloatVector c9lo = FloatVector.fromArray(S, c, cLo + 9 * ldc),
                c9hi = FloatVector.fromArray(S, c, cHi + 9 * ldc);
        FloatVector c10lo = FloatVector.fromArray(S, c, cLo + 10 * ldc),
                c10hi = FloatVector.fromArray(S, c, cHi + 10 * ldc);
        FloatVector c11lo = FloatVector.fromArray(S, c, cLo + 11 * ldc),
                c11hi = FloatVector.fromArray(S, c, cHi + 11 * ldc);
        FloatVector c12lo = FloatVector.fromArray(S, c, cLo + 12 * ldc),
                c12hi = FloatVector.fromArray(S, c, cHi + 12 * ldc);
        FloatVector c13lo = FloatVector.fromArray(S, c, cLo + 13 * ldc),
                c13hi = FloatVector.fromArray(S, c, cHi + 13 * ldc);
        for (int kk = 0; kk < kc; kk++) {
            int ak = aAt + kk * 14;
            FloatVector b0 = FloatVector.fromArray(S, b, bLo + kk * L);
            FloatVector b1 = FloatVector.fromArray(S, b, bHi + kk * L);
            FloatVector x = FloatVector.broadcast(S, a[ak]);
            c0lo = x.fma(b0, c0lo);
            c0hi = x.fma(b1, c0hi);
            x = FloatVector.broadcast(S, a[ak + 1]);
            c1lo = x.fma(b0, c1lo);
            c1hi = x.fma(b1, c1hi);
            x = FloatVector.broadcast(S, a[ak + 2]);
            c2lo = x.fma(b0, c2lo);
            c2hi = x.fma(b1, c2hi);
            x = FloatVector.broadcast(S, a[ak + 3]);
            c3lo = x.fma(b0, c3lo);
            c3hi = x.fma(b1, c3hi);
            x = FloatVector.broadcast(S, a[ak + 4]);
            c4lo = x.fma(b0, c4lo);
            c4hi = x.fma(b1, c4hi);
            x = FloatVector.broadcast(S, a[ak + 5]);
            c5lo = x.fma(b0, c5lo);
            c5hi = x.fma(b1, c5hi);
            x = FloatVector.broadcast(S, a[ak + 6]);
            c6lo = x.fma(b0, c6lo);
            c6hi = x.fma(b1, c6hi);
            x = FloatVector.broadcast(S, a[ak + 7]);
            c7lo = x.fma(b0, c7lo);
            c7hi = x.fma(b1, c7hi);
            x = FloatVector.broadcast(S, a[ak + 8]);
            c8lo = x.fma(b0, c8lo);
            c8hi = x.fma(b1, c8hi);
            x = FloatVector.broadcast(S, a[ak + 9]);
            c9lo = x.fma(b0, c9lo);
            c9hi = x.fma(b1, c9hi);
            x = FloatVector.broadcast(S, a[ak + 10]);
            c10lo = x.fma(b0, c10lo);
            c10hi = x.fma(b1, c10hi);
            x = FloatVector.broadcast(S, a[ak + 11]);
            c11lo = x.fma(b0, c11lo);
            c11hi = x.fma(b1, c11hi);
            x = FloatVector.broadcast(S, a[ak + 12]);
            c12lo = x.fma(b0, c12lo);
            c12hi = x.fma(b1, c12hi);
            x = FloatVector.broadcast(S, a[ak + 13]);
            c13lo = x.fma(b0, c13lo);
            c13hi = x.fma(b1, c13hi);
        }
        c0lo.intoArray(c, cLo);
        c0hi.intoArray(c, cHi);
        c1lo.intoArray(c, cLo + ldc);
        c1hi.intoArray(c, cHi + ldc);
        c2lo.intoArray(c, cLo + 2 * ldc);
        c2hi.intoArray(c, cHi + 2 * ldc);
        c3lo.intoArray(c, cLo + 3 * ldc);
        c3hi.intoArray(c, cHi + 3 * ldc);
        c4lo.intoArray(c, cLo + 4 * ldc);
        c4hi.intoArray(c, cHi + 4 * ldc);
        c5lo.intoArray(c, cLo + 5 * ldc);
        c5hi.intoArray(c, cHi + 5 * ldc);
        c6lo.intoArray(c, cLo + 6 * ldc);
        c6hi.intoArray(c, cHi + 6 * ldc);
        c7lo.intoArray(c, cLo + 7 * ldc);
        c7hi.intoArray(c, cHi + 7 * ldc);
        c8lo.intoArray(c, cLo + 8 * ldc);
        c8hi.intoArray(c, cHi + 8 * ldc);
        c9lo.intoArray(c, cLo + 9 * ldc);
        c9hi.intoArray(c, cHi + 9 * ldc);
        c10lo.intoArray(c, cLo + 10 * ldc);
        c10hi.intoArray(c, cHi + 10 * ldc);
        c11lo.intoArray(c, cLo + 11 * ldc);
        c11hi.intoArray(c, cHi + 11 * ldc);
        c12lo.intoArray(c, cLo + 12 * ldc);
        c12hi.intoArray(c, cHi + 12 * ldc);
        c13lo.intoArray(c, cLo + 13 * ldc);
        c13hi.intoArray(c, cHi + 13 * ldc);
    }

    private static void tile5(
            float[] a, int aAt, float[] b, int bLo, int bHi, int kc, float[] c, int cLo, int cHi, int ldc) {
        FloatVector c0lo = FloatVector.fromArray(S, c, cLo), c0hi = FloatVector.fromArray(S, c, cHi);
        FloatVector c1lo = FloatVector.fromArray(S, c, cLo + ldc), c1hi = FloatVector.fromArray(S, c, cHi + ldc);
        FloatVector c2lo = FloatVector.fromArray(S, c, cLo + 2 * ldc),
                c2hi = FloatVector.fromArray(S, c, cHi + 2 * ldc);
        FloatVector c3lo = FloatVector.fromArray(S, c, cLo + 3 * ldc),
                c3hi = FloatVector.fromArray(S, c, cHi + 3 * ldc);
        FloatVector c4lo = FloatVector.fromArray(S, c, cLo + 4 * ldc),
                c4hi = FloatVector.fromArray(S, c, cHi + 4 * ldc);
        for (int kk = 0; kk < kc; kk++) {
            int ak = aAt + kk * 5;
            FloatVector b0 = FloatVector.fromArray(S, b, bLo + kk * L);
            FloatVector b1 = FloatVector.fromArray(S, b, bHi + kk * L);
            FloatVector x = FloatVector.broadcast(S, a[ak]);
            c0lo = x.fma(b0, c0lo);
            c0hi = x.fma(b1, c0hi);
            x = FloatVector.broadcast(S, a[ak + 1]);
            c1lo = x.fma(b0, c1lo);
            c1hi = x.fma(b1, c1hi);
            x = FloatVector.broadcast(S, a[ak + 2]);
            c2lo = x.fma(b0, c2lo);
            c2hi = x.fma(b1, c2hi);
            x = FloatVector.broadcast(S, a[ak + 3]);
            c3lo = x.fma(b0, c3lo);
            c3hi = x.fma(b1, c3hi);
            x = FloatVector.broadcast(S, a[ak + 4]);
            c4lo = x.fma(b0, c4lo);
            c4hi = x.fma(b1, c4hi);
        }
        c0lo.intoArray(c, cLo);
        c0hi.intoArray(c, cHi);
        c1lo.intoArray(c, cLo + ldc);
        c1hi.intoArray(c, cHi + ldc);
        c2lo.intoArray(c, cLo + 2 * ldc);
        c2hi.intoArray(c, cHi + 2 * ldc);
        c3lo.intoArray(c, cLo + 3 * ldc);
        c3hi.intoArray(c, cHi + 3 * ldc);
        c4lo.intoArray(c, cLo + 4 * ldc);
        c4hi.intoArray(c, cHi + 4 * ldc);
    }

    /**
     * Queries per tile of {@link #context}: half a vector's lanes, so a tile's accumulators (two vectors a query) and
     * its two B vectors and broadcast fit the register file with room to spare (19 of AVX-512's 32, 11 of AVX2's 16).
     */
    static final int CONTEXT_ROWS = L / 2;

    /**
     * Attention's context for the first {@code queries} of L queries whose softmax numerators lie at {@code p[pAt + t
     * * L + q]} for token t (one half of a panel of transposed scores): ctx[q, j] = inverses[invAt + q] · Σ_t p[t, q] ·
     * V[t, j] for the {@code n} columns of V, packed by {@link #pack} at {@code v[vOff]}, into the row of query q at
     * {@code ctx[ctxAt + q * ldc]}. Each sum is one FMA a token, in order, from zero: the same products and order as
     * Vᵀ·Pᵀ, but the context comes out a row per query, written where it belongs, and queries past the last are not
     * computed (the last panel of 197 tokens holds 5).
     */
    static void context(
            float[] p,
            int pAt,
            int tokens,
            float[] v,
            int vOff,
            int n,
            float[] inverses,
            int invAt,
            int queries,
            float[] ctx,
            int ctxAt,
            int ldc) {
        for (int q0 = 0; q0 < queries; q0 += CONTEXT_ROWS) {
            int rows = Math.min(CONTEXT_ROWS, queries - q0);
            for (int panel = 0; panel < panels(n); panel++) {
                int col = panel * NR,
                        cols = Math.min(NR, n - col),
                        lo = vOff + panel * tokens * NR,
                        hi = lo + tokens * L;
                int at = ctxAt + q0 * ldc + col;
                if (rows == CONTEXT_ROWS && cols == NR) {
                    contextTile(p, pAt + q0, v, lo, hi, tokens, inverses, invAt + q0, ctx, at, at + L, ldc);
                    continue;
                }
                // A partial tile goes through a copy, so the kernel needs no masks (as edgeTile).
                float[] edge = EDGE_C.get();
                contextTile(p, pAt + q0, v, lo, hi, tokens, inverses, invAt + q0, edge, 0, L, NR);
                for (int i = 0; i < rows; i++) System.arraycopy(edge, i * NR, ctx, at + i * ldc, cols);
            }
        }
    }

    /**
     * A CONTEXT_ROWS × NR tile of {@link #context}: query i's numerators broadcast from {@code p[pAt + t * L + i]},
     * V's halves from {@code vLo} and {@code vHi}, each row scaled by its inverse as it is stored. The two kernels are
     * the same loop unrolled for the two register files (4 queries a tile on AVX-512 ran at 106 GFLOP/s against 167).
     */
    private static void contextTile(
            float[] p,
            int pAt,
            float[] v,
            int vLo,
            int vHi,
            int tokens,
            float[] inverses,
            int invAt,
            float[] c,
            int cLo,
            int cHi,
            int ldc) {
        if (CONTEXT_ROWS == 8) context8(p, pAt, v, vLo, vHi, tokens, inverses, invAt, c, cLo, cHi, ldc);
        else context4(p, pAt, v, vLo, vHi, tokens, inverses, invAt, c, cLo, cHi, ldc);
    }

    private static void context8(
            float[] p,
            int pAt,
            float[] v,
            int vLo,
            int vHi,
            int tokens,
            float[] inverses,
            int invAt,
            float[] c,
            int cLo,
            int cHi,
            int ldc) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c0lo = zero, c0hi = zero;
        FloatVector c1lo = zero, c1hi = zero;
        FloatVector c2lo = zero, c2hi = zero;
        FloatVector c3lo = zero, c3hi = zero;
        FloatVector c4lo = zero, c4hi = zero;
        FloatVector c5lo = zero, c5hi = zero;
        FloatVector c6lo = zero, c6hi = zero;
        FloatVector c7lo = zero, c7hi = zero;
        for (int t = 0; t < tokens; t++) {
            int pt = pAt + t * L;
            FloatVector v0 = FloatVector.fromArray(S, v, vLo + t * L);
            FloatVector v1 = FloatVector.fromArray(S, v, vHi + t * L);
            FloatVector x = FloatVector.broadcast(S, p[pt]);
            c0lo = x.fma(v0, c0lo);
            c0hi = x.fma(v1, c0hi);
            x = FloatVector.broadcast(S, p[pt + 1]);
            c1lo = x.fma(v0, c1lo);
            c1hi = x.fma(v1, c1hi);
            x = FloatVector.broadcast(S, p[pt + 2]);
            c2lo = x.fma(v0, c2lo);
            c2hi = x.fma(v1, c2hi);
            x = FloatVector.broadcast(S, p[pt + 3]);
            c3lo = x.fma(v0, c3lo);
            c3hi = x.fma(v1, c3hi);
            x = FloatVector.broadcast(S, p[pt + 4]);
            c4lo = x.fma(v0, c4lo);
            c4hi = x.fma(v1, c4hi);
            x = FloatVector.broadcast(S, p[pt + 5]);
            c5lo = x.fma(v0, c5lo);
            c5hi = x.fma(v1, c5hi);
            x = FloatVector.broadcast(S, p[pt + 6]);
            c6lo = x.fma(v0, c6lo);
            c6hi = x.fma(v1, c6hi);
            x = FloatVector.broadcast(S, p[pt + 7]);
            c7lo = x.fma(v0, c7lo);
            c7hi = x.fma(v1, c7hi);
        }
        FloatVector s = FloatVector.broadcast(S, inverses[invAt]);
        c0lo.mul(s).intoArray(c, cLo);
        c0hi.mul(s).intoArray(c, cHi);
        s = FloatVector.broadcast(S, inverses[invAt + 1]);
        c1lo.mul(s).intoArray(c, cLo + ldc);
        c1hi.mul(s).intoArray(c, cHi + ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 2]);
        c2lo.mul(s).intoArray(c, cLo + 2 * ldc);
        c2hi.mul(s).intoArray(c, cHi + 2 * ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 3]);
        c3lo.mul(s).intoArray(c, cLo + 3 * ldc);
        c3hi.mul(s).intoArray(c, cHi + 3 * ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 4]);
        c4lo.mul(s).intoArray(c, cLo + 4 * ldc);
        c4hi.mul(s).intoArray(c, cHi + 4 * ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 5]);
        c5lo.mul(s).intoArray(c, cLo + 5 * ldc);
        c5hi.mul(s).intoArray(c, cHi + 5 * ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 6]);
        c6lo.mul(s).intoArray(c, cLo + 6 * ldc);
        c6hi.mul(s).intoArray(c, cHi + 6 * ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 7]);
        c7lo.mul(s).intoArray(c, cLo + 7 * ldc);
        c7hi.mul(s).intoArray(c, cHi + 7 * ldc);
    }

    private static void context4(
            float[] p,
            int pAt,
            float[] v,
            int vLo,
            int vHi,
            int tokens,
            float[] inverses,
            int invAt,
            float[] c,
            int cLo,
            int cHi,
            int ldc) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c0lo = zero, c0hi = zero;
        FloatVector c1lo = zero, c1hi = zero;
        FloatVector c2lo = zero, c2hi = zero;
        FloatVector c3lo = zero, c3hi = zero;
        for (int t = 0; t < tokens; t++) {
            int pt = pAt + t * L;
            FloatVector v0 = FloatVector.fromArray(S, v, vLo + t * L);
            FloatVector v1 = FloatVector.fromArray(S, v, vHi + t * L);
            FloatVector x = FloatVector.broadcast(S, p[pt]);
            c0lo = x.fma(v0, c0lo);
            c0hi = x.fma(v1, c0hi);
            x = FloatVector.broadcast(S, p[pt + 1]);
            c1lo = x.fma(v0, c1lo);
            c1hi = x.fma(v1, c1hi);
            x = FloatVector.broadcast(S, p[pt + 2]);
            c2lo = x.fma(v0, c2lo);
            c2hi = x.fma(v1, c2hi);
            x = FloatVector.broadcast(S, p[pt + 3]);
            c3lo = x.fma(v0, c3lo);
            c3hi = x.fma(v1, c3hi);
        }
        FloatVector s = FloatVector.broadcast(S, inverses[invAt]);
        c0lo.mul(s).intoArray(c, cLo);
        c0hi.mul(s).intoArray(c, cHi);
        s = FloatVector.broadcast(S, inverses[invAt + 1]);
        c1lo.mul(s).intoArray(c, cLo + ldc);
        c1hi.mul(s).intoArray(c, cHi + ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 2]);
        c2lo.mul(s).intoArray(c, cLo + 2 * ldc);
        c2hi.mul(s).intoArray(c, cHi + 2 * ldc);
        s = FloatVector.broadcast(S, inverses[invAt + 3]);
        c3lo.mul(s).intoArray(c, cLo + 3 * ldc);
        c3hi.mul(s).intoArray(c, cHi + 3 * ldc);
    }
}
