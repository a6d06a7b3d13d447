package vitprobe.engine;

import java.util.ArrayList;
import java.util.List;
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
 * [CLS, patches row-major]. Not thread-safe: one forward at a time.
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
    private final Matrix clsToken, posEmbed, normWeight, normBias;
    private final List<Block> blocks = new ArrayList<>();

    public VisionTransformer(ViTWeights w, Backend backend) {
        this.config = w.config();
        this.backend = backend;
        this.eps = (float) config.layerNormEps();
        int d = config.dim();
        patchEmbed = backend.linear(w.patchWeight(), w.patchBias());
        clsToken = backend.upload(w.clsToken(), 1, d);
        posEmbed = backend.upload(w.posEmbed(), config.tokens(), d);
        normWeight = backend.upload(w.normWeight(), 1, d);
        normBias = backend.upload(w.normBias(), 1, d);
        for (ViTWeights.Block b : w.blocks()) {
            blocks.add(new Block(
                    backend.upload(b.norm1Weight(), 1, d),
                    backend.upload(b.norm1Bias(), 1, d),
                    backend.linear(b.qkvWeight(), b.qkvBias()),
                    backend.linear(b.projWeight(), b.projBias()),
                    backend.upload(b.norm2Weight(), 1, d),
                    backend.upload(b.norm2Bias(), 1, d),
                    backend.linear(b.fc1Weight(), b.fc1Bias()),
                    backend.linear(b.fc2Weight(), b.fc2Bias())));
        }
    }

    public ViTConfig config() {
        return config;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Runs the encoder up to the deepest block the capture asks for and returns the captured intermediates.
     *
     * @param images normalized pixels [batch, channels, imageSize, imageSize]
     */
    public Activations forward(FloatTensor images, Capture capture) {
        int batch = checkImages(images);
        if (capture.lastBlock() >= config.depth()) {
            throw new IllegalArgumentException("block " + capture.lastBlock() + " requested but the model has "
                    + config.depth() + " blocks (0.." + (config.depth() - 1) + ")");
        }
        int n = config.tokens(), d = config.dim(), rows = batch * n;
        int patchWidth = config.channels() * config.patchSize() * config.patchSize();
        Activations out = new Activations();
        try (Matrix pixels = backend.upload(images.data(), batch, images.data().length / batch);
                Matrix patches = backend.allocate(batch * config.patches(), patchWidth);
                Matrix patchTokens = backend.allocate(batch * config.patches(), d);
                Workspace ws = new Workspace(rows, d, config.mlpDim())) {
            backend.patchify(pixels, batch, config.channels(), config.imageSize(), config.patchSize(), patches);
            backend.linear(patches, patchEmbed, patchTokens, Activation.NONE, null);
            backend.embedTokens(patchTokens, clsToken, posEmbed, batch, ws.x);
            for (int i = 0; i <= capture.lastBlock(); i++) block(i, batch, ws, capture.at(i), out);
        }
        // Captured tensors are filled by queued copies on asynchronous backends; they are complete after this.
        backend.synchronize();
        return out;
    }

    private int checkImages(FloatTensor images) {
        int[] s = images.shape();
        int size = config.imageSize();
        if (s.length != 4 || s[1] != config.channels() || s[2] != size || s[3] != size) {
            throw new IllegalArgumentException("input has shape " + java.util.Arrays.toString(s)
                    + ", the model expects [B, " + config.channels() + ", " + size + ", " + size + "]");
        }
        return s[0];
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
    private void block(int index, int batch, Workspace ws, Set<Intermediate> want, Activations out) {
        Block b = blocks.get(index);
        Keeper keep = new Keeper(index, batch, want, out);
        layerNorm(ws.x, b.norm1Weight, b.norm1Bias, ws.normed, keep, Intermediate.NORM1);
        backend.linear(ws.normed, b.qkv, ws.qkv, Activation.NONE, null);
        keep.columns(Intermediate.Q, ws.qkv, 0);
        keep.columns(Intermediate.K, ws.qkv, config.dim());
        keep.columns(Intermediate.V, ws.qkv, 2 * config.dim());
        if (want.contains(Intermediate.ATTN)) {
            try (Matrix probs = backend.allocate(batch * config.heads() * config.tokens(), config.tokens())) {
                backend.attention(ws.qkv, batch, config.tokens(), config.heads(), ws.context, probs);
                keep.attention(probs);
            }
        } else {
            backend.attention(ws.qkv, batch, config.tokens(), config.heads(), ws.context, null);
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
        final int block, batch;
        final Set<Intermediate> want;
        final Activations out;

        Keeper(int block, int batch, Set<Intermediate> want, Activations out) {
            this.block = block;
            this.batch = batch;
            this.want = want;
            this.out = out;
        }

        boolean wants(Intermediate i) {
            return want.contains(i);
        }

        void whole(Intermediate which, Matrix m) {
            if (!wants(which)) return;
            out.put(block, which, new FloatTensor(host(m), batch, config.tokens(), m.cols()));
        }

        void columns(Intermediate which, Matrix m, int from) {
            if (!wants(which)) return;
            try (Matrix part = backend.allocate(m.rows(), config.dim())) {
                backend.copyColumns(m, from, part);
                out.put(block, which, new FloatTensor(host(part), batch, config.tokens(), config.dim()));
            }
        }

        void attention(Matrix probs) {
            out.put(
                    block,
                    Intermediate.ATTN,
                    new FloatTensor(host(probs), batch, config.heads(), config.tokens(), config.tokens()));
        }

        private float[] host(Matrix m) {
            float[] h = new float[Math.toIntExact(m.size())];
            backend.downloadAsync(m, h, 0);
            return h;
        }
    }

    @Override
    public void close() {
        patchEmbed.close();
        for (Matrix m : List.of(clsToken, posEmbed, normWeight, normBias)) m.close();
        for (Block b : blocks) {
            for (Matrix m : List.of(b.norm1Weight, b.norm1Bias, b.norm2Weight, b.norm2Bias)) m.close();
            for (LinearWeights l : List.of(b.qkv, b.proj, b.fc1, b.fc2)) l.close();
        }
    }
}
