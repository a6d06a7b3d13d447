package vitprobe.kernels.cpu;

import java.util.Arrays;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import jdk.incubator.vector.FloatVector;
import vitprobe.kernels.Activation;
import vitprobe.kernels.Backend;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.weights.Param;

/**
 * The CPU backend: Vector API kernels on heap arrays, each loop spread over the cores by {@link Parallel}. Thread-safe:
 * several threads may run operations (and so forwards) on one instance at once, each on its own matrices.
 */
public final class CpuBackend implements Backend {
    /**
     * Most micro-tile rows per linear task (224 rows: 16 tiles with AVX-512). Rows are split into equal blocks no taller than this, so at
     * batch 1 a task of ViT-B/16 (197 tokens) takes whole columns of the output, each weight panel read from memory
     * once and used by all 15 row tiles, and ViT-S/8's 785 tokens make four blocks; the block of packed A (at most 224
     * × 768 floats) stays in L2 while the task's panels stream past. With 192 rows, 197 tokens made two blocks, each
     * panel was read twice and a task held one panel of an N = 768 layer: projection and fc2 ran 8–14 % slower.
     */
    private static final int TILES_PER_TASK = 224 / Gemm.MR;
    /**
     * Tasks a linear layer is cut into at least, as long as a task keeps one panel: enough for the cores to finish
     * close together, and few enough that a task at batch 1 holds several panels (the block of A it read into L2
     * serves them all). With 32, an N = 768 layer at batch 1 had one panel a task.
     */
    private static final int TASKS = 8;
    /** Tasks a LayerNorm is cut into at least, as long as a task keeps 8 rows. */
    private static final int NORM_TASKS = 32;
    /** Most panels of B per task (12 × 32 columns with AVX-512): 72 panels of ViT-B/16's qkv make 8 tasks, not 9. */
    private static final int PANELS_PER_TASK = 12;

    /** A layer's weights, packed on a cache line. */
    private record Prepared(WeightSlabs.Run packed, float[] bias, int inFeatures, int outFeatures)
            implements LinearWeights {
        @Override
        public void close() {}
    }

    private static final float[] EMPTY = {};
    /**
     * Slots of a thread's scratch: an attention block's transposed scores, 1 / Σ of each query's numerators and its
     * packed queries; the packed keys and values; a linear layer's packed input.
     */
    private static final int SCORES = 0, KEYS = 1, VALUES = 2, PACKED = 3;

    private volatile boolean closed;

    private final WeightSlabs slabs = new WeightSlabs();

    /**
     * Each thread's attention scratch, reused: packing writes every element (padding included), and a new array
     * would be zeroed by the calling thread alone (2.4 MB per ViT-S/8 layer at batch 1). Per thread, because several
     * callers may share one backend (tasks of one Spark executor).
     */
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(this::newScratch);
    /**
     * Every live thread's scratch, emptied by {@link #close()} so that threads which outlive the backend (a
     * server's pool) hold none of it; weak, so a finished thread's scratch goes with it. Guards storing arrays.
     */
    private final Set<float[][]> scratches = Collections.newSetFromMap(new WeakHashMap<>());

    @Override
    public String name() {
        return "cpu (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors, " + Parallel.threads()
                + " threads)";
    }

    /** Without the thread count: work is split into tasks by shape alone, each output computed by one task. */
    @Override
    public String numerics() {
        return "cpu (" + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit vectors)";
    }

    @Override
    public Matrix allocate(int rows, int cols) {
        requireOpen();
        return new CpuMatrix(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }

    @Override
    public Matrix upload(float[] data, int rows, int cols) {
        requireOpen();
        return new CpuMatrix(data.clone(), rows, cols);
    }

    @Override
    public void download(Matrix src, float[] dst, int offset) {
        requireOpen();
        float[] d = data(src);
        System.arraycopy(d, 0, dst, offset, d.length);
    }

    private static float[] data(Matrix m) {
        return ((CpuMatrix) m).data();
    }

    @Override
    public LinearWeights linear(Param weight, Param bias) {
        requireOpen();
        int out = (int) weight.shape()[0];
        int in = (int) (weight.elementCount() / out);
        WeightSlabs.Run packed = slabs.take(Gemm.packedSize(in, out));
        Gemm.packTransposed(weight.toFloatArray(), 0, in, out, in, packed.array(), packed.offset());
        float[] paddedBias = new float[Gemm.panels(out) * Gemm.NR];
        if (bias != null) System.arraycopy(bias.toFloatArray(), 0, paddedBias, 0, out);
        return new Prepared(packed, paddedBias, in, out);
    }

    @Override
    public void linear(Matrix in, LinearWeights weights, Matrix out, Activation act, Matrix residual) {
        requireOpen();
        Prepared w = (Prepared) weights;
        int m = in.rows(), k = w.inFeatures, n = w.outFeatures;
        Backend.checkLinear(in, w, out, residual);
        float[] a = data(in), c = data(out), res = residual == null ? null : data(residual);
        int tiles = (m + Gemm.MR - 1) / Gemm.MR, rowTasks = (tiles + TILES_PER_TASK - 1) / TILES_PER_TASK;
        int rowsPerTask = (tiles + rowTasks - 1) / rowTasks * Gemm.MR, panels = Gemm.panels(n);
        int panelsPerTask = Math.clamp(panels * rowTasks / TASKS, 1, PANELS_PER_TASK);
        int panelTasks = (panels + panelsPerTask - 1) / panelsPerTask;
        // A is packed once, a row tile a task, and read by every task of its rows.
        float[] packedA = scratch(PACKED, Gemm.packedASize(m, k));
        Parallel.forEach(tiles, t -> {
            int r = t * Gemm.MR;
            Gemm.packA(a, r * k, k, Math.min(Gemm.MR, m - r), k, packedA, r * k);
        });
        // Tasks next to each other share panels: a core that runs a stretch of them reads those panels from L3 once.
        Parallel.forEach(rowTasks * panelTasks, task -> {
            int r0 = (task % rowTasks) * rowsPerTask, r1 = Math.min(m, r0 + rowsPerTask);
            int p0 = (task / rowTasks) * panelsPerTask, p1 = Math.min(panels, p0 + panelsPerTask);
            Gemm.multiply(
                    packedA, 0, w.packed.array(), w.packed.offset(), k, n, c, 0, n, Gemm.L, r0, r1, p0, p1, w.bias);
            int c0 = p0 * Gemm.NR, c1 = Math.min(n, p1 * Gemm.NR);
            for (int r = r0; r < r1; r++) {
                int at = r * n;
                if (act == Activation.GELU) VectorMath.gelu(c, at + c0, at + c1);
                if (res != null) VectorMath.add(c, at + c0, res, at + c0, c, at + c0, c1 - c0);
            }
        });
    }

    @Override
    public void patchify(Matrix images, int batch, int channels, int height, int width, int patch, Matrix out) {
        requireOpen();
        int rows = height / patch, cols = width / patch;
        int patchWidth = channels * patch * patch;
        Backend.checkPatchify(images, batch, channels, height, width, patch, out);
        float[] src = data(images), dst = data(out);
        Parallel.forEach(batch * rows, task -> {
            int b = task / rows, gy = task % rows;
            for (int gx = 0; gx < cols; gx++) {
                int at = ((b * rows + gy) * cols + gx) * patchWidth;
                for (int ch = 0; ch < channels; ch++) {
                    for (int y = 0; y < patch; y++) {
                        int from = ((b * channels + ch) * height + gy * patch + y) * width + gx * patch;
                        System.arraycopy(src, from, dst, at, patch);
                        at += patch;
                    }
                }
            }
        });
    }

    @Override
    public void embedTokens(Matrix patchEmbeddings, Matrix cls, Matrix pos, int batch, Matrix out) {
        requireOpen();
        int d = out.cols(), tokens = pos.rows(), patches = tokens - 1;
        check(
                patchEmbeddings.rows() == batch * patches && patchEmbeddings.cols() == d,
                "patch embeddings shape mismatch");
        check(out.rows() == batch * tokens, "token matrix shape mismatch");
        float[] pe = data(patchEmbeddings), c = data(cls), p = data(pos), o = data(out);
        for (int b = 0; b < batch; b++) {
            VectorMath.add(c, 0, p, 0, o, b * tokens * d, d);
            VectorMath.add(pe, b * patches * d, p, d, o, (b * tokens + 1) * d, patches * d);
        }
    }

    @Override
    public void layerNorm(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out) {
        requireOpen();
        int n = in.cols(), rows = in.rows();
        check(
                out.rows() == rows && out.cols() == n && weight.size() == n && bias.size() == n,
                "layer norm shape mismatch");
        float[] x = data(in), w = data(weight), b = data(bias), y = data(out);
        // About NORM_TASKS tasks of 8 to 64 rows, so the cores finish together at batch 1 too.
        int perTask = Math.clamp(rows / NORM_TASKS, 8, 64);
        Parallel.forEach((rows + perTask - 1) / perTask, task -> {
            for (int r = task * perTask, end = Math.min(rows, r + perTask); r < end; r++) {
                VectorMath.layerNorm(x, r * n, n, w, b, eps, y, r * n);
            }
        });
    }

    @Override
    public void attention(Matrix qkv, int batch, int tokens, int heads, Matrix context, Matrix probabilities) {
        requireOpen();
        int d = context.cols(), hd = d / heads, ld = 3 * d;
        check(qkv.rows() == batch * tokens && qkv.cols() == ld, "qkv shape mismatch");
        check(context.rows() == batch * tokens, "context shape mismatch");
        check(
                probabilities == null
                        || (probabilities.rows() == batch * heads * tokens && probabilities.cols() == tokens),
                "attention probabilities shape mismatch");
        float[] src = data(qkv), ctx = data(context), probs = probabilities == null ? null : data(probabilities);
        float scale = (float) (1 / Math.sqrt(hd));
        // Keys and values of every (image, head), packed once and shared by all query blocks: the keys as A operands,
        // the values as B.
        int keySize = Gemm.packedASize(tokens, hd), valueSize = Gemm.packedSize(tokens, hd);
        // The values, read as whole vectors, start on a cache line (each head's a whole number of lines further on).
        float[] keys = scratch(KEYS, batch * heads * keySize);
        float[] values = scratch(VALUES, batch * heads * valueSize + CacheLines.FLOATS);
        int valuesAt = CacheLines.pad(values);
        Parallel.forEach(batch * heads, bh -> {
            int b = bh / heads, h = bh % heads;
            int row0 = b * tokens * ld;
            Gemm.packA(src, row0 + d + h * hd, ld, tokens, hd, keys, bh * keySize);
            Gemm.pack(src, row0 + 2 * d + h * hd, ld, tokens, hd, values, valuesAt + bh * valueSize);
        });
        // A task takes one panel of queries and works on transposes: scoresᵀ = K·Qᵀ has a row per key and a column
        // per query, so softmax runs down the columns over whole vectors. The scores are written as B's halves are
        // packed, the first L queries' column block, then the last L's: a half is the numerators of its L queries a
        // token at a time, which the context product broadcasts as they lie (nothing to pack between the products),
        // dividing each query's row by its sum as it stores it. A half without queries (the last panel of 197
        // tokens holds 5) is skipped.
        int nr = Gemm.NR, half = Gemm.L, blocks = (tokens + nr - 1) / nr;
        Parallel.forEach(batch * heads * blocks, task -> {
            int bh = task / blocks, b = bh / heads, h = bh % heads;
            int q0 = (task % blocks) * nr, queries = Math.min(nr, tokens - q0);
            // The scores, 1 / Σ of each query's numerators, and the packed queries; the first and last on cache lines.
            float[] work = scratch(SCORES, tokens * nr + nr + hd * nr + CacheLines.FLOATS);
            int scores = CacheLines.pad(work), inverses = scores + tokens * nr, queryPanel = inverses + nr;
            Gemm.packTransposed(src, (b * tokens + q0) * ld + h * hd, ld, queries, hd, work, queryPanel);
            Gemm.multiply(
                    keys,
                    bh * keySize,
                    work,
                    queryPanel,
                    hd,
                    nr,
                    work,
                    scores,
                    half,
                    tokens * half,
                    0,
                    tokens,
                    0,
                    1,
                    null);
            VectorMath.columnExponentials(work, scores, tokens, queries <= half ? half : nr, scale, work, inverses);
            for (int first = 0; first < queries; first += half) {
                int at = (b * tokens + q0 + first) * d + h * hd;
                Gemm.context(
                        work,
                        scores + first * tokens,
                        tokens,
                        values,
                        valuesAt + bh * valueSize,
                        hd,
                        work,
                        inverses + first,
                        Math.min(half, queries - first),
                        ctx,
                        at,
                        d);
            }
            if (probs == null) return;
            for (int q = 0; q < queries; q++) {
                float inverse = work[inverses + q];
                int column = scores + q / half * tokens * half + q % half;
                for (int t = 0, at = (bh * tokens + q0 + q) * tokens; t < tokens; t++)
                    probs[at + t] = work[column + t * half] * inverse;
            }
        });
    }

    /** The calling thread's scratch array {@code slot}, at least {@code size} floats long (its contents stale). */
    private float[] scratch(int slot, int size) {
        float[][] mine = scratch.get();
        float[] s = mine[slot];
        return s.length >= size ? s : grow(mine, slot, size);
    }

    /** Rare, so under the lock that close takes: once closed, no array is kept that close could not let go. */
    private float[] grow(float[][] mine, int slot, int size) {
        float[] s = new float[size];
        synchronized (scratches) {
            if (!closed) mine[slot] = s;
        }
        return s;
    }

    private float[][] newScratch() {
        float[][] mine = {EMPTY, EMPTY, EMPTY, EMPTY};
        synchronized (scratches) {
            scratches.add(mine);
        }
        return mine;
    }

    /** The calling thread's scratch arrays, for tests. */
    float[][] threadScratch() {
        return scratch.get().clone();
    }

    @Override
    public void add(Matrix a, Matrix b, Matrix out) {
        requireOpen();
        check(a.size() == b.size() && a.size() == out.size(), "add shape mismatch");
        float[] x = data(a), y = data(b), o = data(out);
        int chunk = 1 << 16;
        Parallel.forEach((x.length + chunk - 1) / chunk, t -> {
            int from = t * chunk;
            VectorMath.add(x, from, y, from, o, from, Math.min(chunk, x.length - from));
        });
    }

    @Override
    public void copyColumns(Matrix src, int from, Matrix out) {
        requireOpen();
        check(src.rows() == out.rows() && from + out.cols() <= src.cols(), "column range outside the source");
        float[] s = data(src), o = data(out);
        int n = out.cols(), ld = src.cols();
        for (int r = 0; r < src.rows(); r++) System.arraycopy(s, r * ld + from, o, r * n, n);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** Each call works on its own matrices, and {@link Parallel} runs a loop started meanwhile on its caller. */
    @Override
    public boolean concurrent() {
        return true;
    }

    /**
     * Marks the backend closed: every later operation fails with an {@link IllegalStateException}. Operations
     * already running finish normally (they keep the scratch they hold); every thread's scratch is let go. Closing
     * again does nothing.
     */
    @Override
    public void close() {
        synchronized (scratches) {
            closed = true;
            for (float[][] s : scratches) Arrays.fill(s, EMPTY);
            scratches.clear();
        }
    }

    /** One volatile read per operation (about 90 per batch-1 forward), none per element. */
    private void requireOpen() {
        if (closed) throw new IllegalStateException("CPU backend used after close");
    }
}
