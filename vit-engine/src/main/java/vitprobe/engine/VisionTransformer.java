package vitprobe.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import vitprobe.kernels.Activation;
import vitprobe.kernels.Backend;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * A ViT encoder (timm's VisionTransformer without a head) running on a {@link Backend}:
 * patch embedding, [CLS] + position embedding, pre-norm blocks, final LayerNorm. Weights are prepared on the
 * backend once, in the constructor. Activations are [batch · tokens, width] matrices, tokens ordered
 * [CLS, patches row-major]. Inputs may have any height and width that are multiples of the patch size: the position
 * embeddings are resampled for each new patch grid once (see {@link PosResample}) and kept on the backend.
 *
 * <p>Thread safety: {@link #forward} may be called from several threads at once. On the CPU backend the forwards
 * run in parallel, each with its own activation buffers, and give the same bits as one at a time; on any other
 * backend (CUDA, one queue) the forwards of every model sharing that backend take turns. The cache of position
 * embeddings is shared under a lock, and a table evicted from it is released only once no forward uses it.
 * {@link #close()} must come after the last forward; a forward after it fails with an {@link IllegalStateException}.
 *
 * <p>The constructor copies every weight to the backend: after it returns, the {@link ViTWeights} (and the file they
 * map) may be closed.
 */
public final class VisionTransformer implements AutoCloseable {
    private record Block(
            Matrix norm1Weight,
            Matrix norm1Bias,
            LinearWeights qkv,
            LinearWeights proj,
            Matrix norm2Weight,
            Matrix norm2Bias,
            LinearWeights fc1,
            LinearWeights fc2) {}

    private final ViTConfig config;
    private final Backend backend;
    private final float eps;
    private final LinearWeights patchEmbed;
    private final Matrix clsToken, normWeight, normBias;
    private final List<Block> blocks = new ArrayList<>();
    /** Patch grids whose position embeddings stay on the backend (images that keep their aspect ratio vary). */
    static final int CACHED_GRIDS = 64;

    private final PositionEmbeddings positions;
    /** Position embeddings on the backend, with the forwards using them now; guarded by {@link #cacheLock}. */
    private static final class CachedPositions {
        final Matrix matrix;
        int users;
        boolean evicted;

        CachedPositions(Matrix matrix) {
            this.matrix = matrix;
        }
    }

    private final Object cacheLock = new Object();
    /**
     * The position embeddings of the patch grids used last, least recently used first. An evicted table still used
     * by a forward on another thread is closed when that forward releases it.
     */
    private final Map<TokenGrid, CachedPositions> posEmbeds = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TokenGrid, CachedPositions> eldest) {
            if (size() <= CACHED_GRIDS) return false;
            CachedPositions c = eldest.getValue();
            c.evicted = true;
            if (c.users == 0) c.matrix.close();
            return true;
        }
    };

    private volatile boolean closed;

    /** A model whose position embeddings are resampled the way the library of its checkpoint format does it. */
    public VisionTransformer(ViTWeights w, Backend backend) {
        this(
                w,
                backend,
                PosResample.of(Objects.requireNonNull(w, "weights").config().format()));
    }

    /**
     * Copies the weights to the backend. Fails with an {@link IllegalStateException} when the weights are closed, or
     * when their file was truncated since it was loaded (the weights are a view of its mapping; a file rewritten in
     * place is read as it is now, unchecked: replace a checkpoint by renaming a new file over it).
     */
    public VisionTransformer(ViTWeights w, Backend backend, PosResample posResample) {
        Objects.requireNonNull(w, "weights");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(posResample, "posResample");
        if (w.isClosed()) throw new IllegalStateException(w.source() + ": weights used after close");
        this.config = w.config();
        this.backend = backend;
        this.eps = (float) config.layerNormEps();
        int d = config.dim();
        List<AutoCloseable> made = new ArrayList<>();
        try {
            patchEmbed = keep(made, backend.linear(w.patchWeight(), w.patchBias()));
            clsToken = keep(made, backend.upload(w.clsToken(), 1, d));
            positions = new PositionEmbeddings(w.posEmbed().toFloatArray(), config.gridSize(), d, posResample);
            normWeight = keep(made, backend.upload(w.normWeight(), 1, d));
            normBias = keep(made, backend.upload(w.normBias(), 1, d));
            for (ViTWeights.Block b : w.blocks()) {
                blocks.add(new Block(
                        keep(made, backend.upload(b.norm1Weight(), 1, d)),
                        keep(made, backend.upload(b.norm1Bias(), 1, d)),
                        keep(made, backend.linear(b.qkvWeight(), b.qkvBias())),
                        keep(made, backend.linear(b.projWeight(), b.projBias())),
                        keep(made, backend.upload(b.norm2Weight(), 1, d)),
                        keep(made, backend.upload(b.norm2Bias(), 1, d)),
                        keep(made, backend.linear(b.fc1Weight(), b.fc1Bias())),
                        keep(made, backend.linear(b.fc2Weight(), b.fc2Bias()))));
            }
        } catch (RuntimeException | Error e) {
            for (AutoCloseable m : made.reversed()) {
                try {
                    m.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            // The JVM reports a fault reading a mapped file (truncated since it was mapped) as an InternalError.
            if (e instanceof InternalError && String.valueOf(e.getMessage()).contains("unsafe memory access")) {
                throw new IllegalStateException(
                        w.source() + ": the weights file could not be read: it was truncated or rewritten in place"
                                + " after loading (replace a checkpoint by renaming a new file over it)",
                        e);
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T keep(List<AutoCloseable> made, T resource) {
        made.add(resource);
        return resource;
    }

    public ViTConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    public PosResample posResample() {
        return positions.rule();
    }

    /**
     * Runs the encoder up to the deepest block the capture asks for and returns the captured intermediates.
     *
     * @param images normalized pixels [batch, channels, height, width], height and width multiples of the patch size
     */
    public Activations forward(FloatTensor images, Capture capture) {
        requireOpen();
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(capture, "capture");
        TokenGrid grid = checkImages(images);
        if (capture.lastBlock() >= config.depth()) {
            throw new IllegalArgumentException("block " + capture.lastBlock() + " requested but the model has "
                    + config.depth() + " blocks (0.." + (config.depth() - 1) + ")");
        }
        checkFits(images, grid, capture);
        if (backend.concurrent()) return run(images, grid, capture);
        synchronized (backend) {
            return run(images, grid, capture);
        }
    }

    private Activations run(FloatTensor images, TokenGrid grid, Capture capture) {
        int batch = images.dim(0), n = grid.tokens(), d = config.dim(), rows = batch * n;
        int patchWidth = config.channels() * config.patchSize() * config.patchSize();
        // Before the forward's work is recorded: an upload flushes it.
        CachedPositions pos = acquirePositions(grid);
        Activations out = new Activations();
        try {
            try (Matrix pixels = backend.upload(images.data(), batch, images.data().length / batch);
                    Matrix patches = backend.allocate(batch * grid.patches(), patchWidth);
                    Matrix patchTokens = backend.allocate(batch * grid.patches(), d);
                    Workspace ws = new Workspace(rows, d, config.mlpDim())) {
                backend.patchify(
                        pixels, batch, config.channels(), images.dim(2), images.dim(3), config.patchSize(), patches);
                backend.linear(patches, patchEmbed, patchTokens, Activation.NONE, null);
                backend.embedTokens(patchTokens, clsToken, pos.matrix, batch, ws.x);
                for (int i = 0; i <= capture.lastBlock(); i++) block(i, batch, n, ws, capture.at(i), out);
            }
            // Captured tensors are filled by queued copies on asynchronous backends; they are complete after this.
            backend.synchronize();
        } finally {
            releasePositions(pos);
        }
        return out;
    }

    /** The patch grid of an input of {@code height} × {@code width} pixels; fails when the patches do not tile it. */
    public TokenGrid grid(int height, int width) {
        if (height < 1 || width < 1 || height % config.patchSize() != 0 || width % config.patchSize() != 0) {
            throw new IllegalArgumentException("input of " + height + "x" + width + " pixels: height and width must be"
                    + " positive multiples of the patch size " + config.patchSize());
        }
        return TokenGrid.of(height, width, config.patchSize());
    }

    private TokenGrid checkImages(FloatTensor images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != config.channels()) {
            throw new IllegalArgumentException("input has shape " + Arrays.toString(s) + ", the model expects [B, "
                    + config.channels() + ", H, W]");
        }
        if (s[0] < 1) throw new IllegalArgumentException("batch must be at least 1, got " + s[0]);
        TokenGrid grid = grid(s[2], s[3]);
        // The shape array of a record is mutable: check it still describes the data.
        if ((long) s[0] * s[1] * s[2] * s[3] != images.data().length) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(s) + " does not hold its "
                    + images.data().length + " values (was the shape array changed?)");
        }
        return grid;
    }

    /** Every activation matrix, and the attention maps when captured, must fit in one Java array. */
    private void checkFits(FloatTensor images, TokenGrid grid, Capture capture) {
        long batch = images.dim(0), n = grid.tokens();
        long widest = batch * n * Math.max(config.mlpDim(), 3L * config.dim());
        boolean maps = capture.blocks().values().stream().anyMatch(s -> s.contains(Intermediate.ATTN));
        long largest = Math.max(widest, maps ? batch * config.heads() * n * n : 0);
        if (largest > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(batch + " images of " + images.dim(2) + "x" + images.dim(3)
                    + " pixels (" + n + " tokens each) need " + largest + " values in one activation matrix, more"
                    + " than one array holds: use a smaller batch or image size");
        }
    }

    /** Patch grids whose position embeddings are on the backend now. */
    int cachedGrids() {
        synchronized (cacheLock) {
            return posEmbeds.size();
        }
    }

    /**
     * The position embeddings of a patch grid, resampled and uploaded when the grid is not cached, held for one
     * forward until {@link #releasePositions}.
     */
    private CachedPositions acquirePositions(TokenGrid grid) {
        synchronized (cacheLock) {
            requireOpen();
            CachedPositions c = posEmbeds.get(grid);
            if (c == null) {
                c = new CachedPositions(backend.upload(positions.forGrid(grid), grid.tokens(), config.dim()));
                posEmbeds.put(grid, c);
            }
            c.users++;
            return c;
        }
    }

    private void releasePositions(CachedPositions c) {
        synchronized (cacheLock) {
            if (--c.users == 0 && c.evicted) c.matrix.close();
        }
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("VisionTransformer used after close");
    }

    /** Activation buffers reused by every block. {@code x} holds the residual stream between blocks. */
    private final class Workspace implements AutoCloseable {
        final Matrix x, x2, normed, qkv, context, branch, hidden;

        Workspace(int rows, int d, int mlp) {
            x = backend.allocate(rows, d);
            x2 = backend.allocate(rows, d);
            normed = backend.allocate(rows, d);
            qkv = backend.allocate(rows, 3 * d);
            context = backend.allocate(rows, d);
            branch = backend.allocate(rows, d);
            hidden = backend.allocate(rows, mlp);
        }

        @Override
        public void close() {
            for (Matrix m : List.of(x, x2, normed, qkv, context, branch, hidden)) m.close();
        }
    }

    /** x ← x + proj(attn(norm1(x))); x ← x + fc2(gelu(fc1(norm2(x)))), keeping what {@code want} names. */
    private void block(int index, int batch, int tokens, Workspace ws, Set<Intermediate> want, Activations out) {
        Block b = blocks.get(index);
        Keeper keep = new Keeper(index, batch, tokens, want, out);
        layerNorm(ws.x, b.norm1Weight, b.norm1Bias, ws.normed, keep, Intermediate.NORM1);
        backend.linear(ws.normed, b.qkv, ws.qkv, Activation.NONE, null);
        keep.columns(Intermediate.Q, ws.qkv, 0);
        keep.columns(Intermediate.K, ws.qkv, config.dim());
        keep.columns(Intermediate.V, ws.qkv, 2 * config.dim());
        if (want.contains(Intermediate.ATTN)) {
            try (Matrix probs = backend.allocate(batch * config.heads() * tokens, tokens)) {
                backend.attention(ws.qkv, batch, tokens, config.heads(), ws.context, probs);
                keep.attention(probs);
            }
        } else {
            backend.attention(ws.qkv, batch, tokens, config.heads(), ws.context, null);
        }
        keep.whole(Intermediate.CONTEXT, ws.context);
        residualBranch(ws.context, b.proj, ws.x, ws.x2, ws.branch, keep, Intermediate.ATTN_OUT);
        keep.whole(Intermediate.X, ws.x2);
        layerNorm(ws.x2, b.norm2Weight, b.norm2Bias, ws.normed, keep, Intermediate.NORM2);
        backend.linear(ws.normed, b.fc1, ws.hidden, Activation.GELU, null);
        keep.whole(Intermediate.MLP_HIDDEN, ws.hidden);
        residualBranch(ws.hidden, b.fc2, ws.x2, ws.x, ws.branch, keep, Intermediate.MLP_OUT);
        keep.whole(Intermediate.Y, ws.x);
        if (want.contains(Intermediate.Y_NORM))
            layerNorm(ws.x, normWeight, normBias, ws.normed, keep, Intermediate.Y_NORM);
    }

    /** LayerNorm into {@code out}; kept in fp32 when captured (a bf16 backend otherwise stores it in bf16). */
    private void layerNorm(Matrix in, Matrix weight, Matrix bias, Matrix out, Keeper keep, Intermediate which) {
        if (keep.wants(which)) {
            backend.layerNormKeepingFp32(in, weight, bias, eps, out);
            keep.whole(which, out);
        } else {
            backend.layerNorm(in, weight, bias, eps, out);
        }
    }

    /**
     * result = residual + linear(in). Fused into the linear layer unless the branch itself is wanted; both paths
     * round identically because the fused epilogue also adds the finished branch to the residual.
     */
    private void residualBranch(
            Matrix in,
            LinearWeights w,
            Matrix residual,
            Matrix result,
            Matrix branch,
            Keeper keep,
            Intermediate branchName) {
        if (keep.wants(branchName)) {
            backend.linear(in, w, branch, Activation.NONE, null);
            keep.whole(branchName, branch);
            backend.add(residual, branch, result);
        } else {
            backend.linear(in, w, result, Activation.NONE, residual);
        }
    }

    /** Copies wanted matrices to host tensors shaped [B, N, width] (or [B, H, N, N] for attention). */
    private final class Keeper {
        final int block, batch, tokens;
        final Set<Intermediate> want;
        final Activations out;

        Keeper(int block, int batch, int tokens, Set<Intermediate> want, Activations out) {
            this.block = block;
            this.batch = batch;
            this.tokens = tokens;
            this.want = want;
            this.out = out;
        }

        boolean wants(Intermediate i) {
            return want.contains(i);
        }

        void whole(Intermediate which, Matrix m) {
            if (!wants(which)) return;
            out.put(block, which, new FloatTensor(host(m), batch, tokens, m.cols()));
        }

        void columns(Intermediate which, Matrix m, int from) {
            if (!wants(which)) return;
            try (Matrix part = backend.allocate(m.rows(), config.dim())) {
                backend.copyColumns(m, from, part);
                out.put(block, which, new FloatTensor(host(part), batch, tokens, config.dim()));
            }
        }

        void attention(Matrix probs) {
            out.put(block, Intermediate.ATTN, new FloatTensor(host(probs), batch, config.heads(), tokens, tokens));
        }

        private float[] host(Matrix m) {
            float[] h = new float[Math.toIntExact(m.size())];
            backend.downloadAsync(m, h, 0);
            return h;
        }
    }

    /** Releases the weights on the backend; later forwards fail. Closing again does nothing. */
    @Override
    public void close() {
        synchronized (cacheLock) {
            if (closed) return;
            closed = true;
            for (CachedPositions c : posEmbeds.values()) {
                c.evicted = true;
                if (c.users == 0) c.matrix.close();
            }
            posEmbeds.clear();
        }
        patchEmbed.close();
        for (Matrix m : List.of(clsToken, normWeight, normBias)) m.close();
        for (Block b : blocks) {
            for (Matrix m : List.of(b.norm1Weight, b.norm1Bias, b.norm2Weight, b.norm2Bias)) m.close();
            for (LinearWeights l : List.of(b.qkv, b.proj, b.fc1, b.fc2)) l.close();
        }
    }
}
