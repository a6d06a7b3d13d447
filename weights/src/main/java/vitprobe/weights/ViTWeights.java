package vitprobe.weights;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Canonical ViT parameters, whatever checkpoint format they came from. Names follow timm; linear weights are
 * PyTorch's [out, in]. Tensors are zero-copy views of the checkpoint mapping, which {@link #close()} releases: the
 * file must not be rewritten in place while they are in use (replacing it by a rename is safe).
 *
 * @param statedCrop the share of the resized image its config crops (timm's pretrained_cfg.crop_pct), null when it
 *     states none: recorded so that it can be told, since vitprobe's evaluation transform crops as DINO and MAE do
 */
public record ViTWeights(
        ViTConfig config,
        String source,
        DType dtype,
        Param patchWeight,
        Param patchBias,
        Param clsToken,
        Param posEmbed,
        List<Block> blocks,
        Param normWeight,
        Param normBias,
        Double statedCrop,
        AutoCloseable owner)
        implements AutoCloseable {

    /** One pre-norm transformer block. {@code qkv} is [3D, D], queries then keys then values. */
    public record Block(
            Param norm1Weight,
            Param norm1Bias,
            Param qkvWeight,
            Param qkvBias,
            Param projWeight,
            Param projBias,
            Param norm2Weight,
            Param norm2Bias,
            Param fc1Weight,
            Param fc1Bias,
            Param fc2Weight,
            Param fc2Bias) {}

    /**
     * Releases the checkpoint's mapping: the parameters can no longer be read, while models already built on a
     * backend (which copied them) keep working. Closing again does nothing.
     */
    @Override
    public void close() {
        try {
            if (owner != null) owner.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@link #close()} has been called (weights that own no file, like {@link #random}, never are). */
    public boolean isClosed() {
        return owner instanceof SafeTensors st && st.isClosed();
    }

    /**
     * Random weights with timm-like statistics (linear weights ~ N(0, 0.02), LayerNorm weights 1 + small noise),
     * seeded, for demos, tests and benchmarks where no checkpoint is at hand.
     */
    public static ViTWeights random(ViTConfig c, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int d = c.dim();
        int p = c.patchSize();
        Param patchW = randomParam("patch_embed.proj.weight", rng, 0.02f, 0f, d, c.channels(), p, p);
        Param patchB = randomParam("patch_embed.proj.bias", rng, 0.02f, 0f, d);
        Param cls = randomParam("cls_token", rng, 0.02f, 0f, 1, 1, d);
        Param pos = randomParam("pos_embed", rng, 0.02f, 0f, 1, c.tokens(), d);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < c.depth(); i++) {
            String b = "blocks." + i + ".";
            blocks.add(new Block(
                    randomParam(b + "norm1.weight", rng, 0.1f, 1f, d), randomParam(b + "norm1.bias", rng, 0.02f, 0f, d),
                    randomParam(b + "attn.qkv.weight", rng, 0.02f, 0f, 3 * d, d),
                            randomParam(b + "attn.qkv.bias", rng, 0.02f, 0f, 3 * d),
                    randomParam(b + "attn.proj.weight", rng, 0.02f, 0f, d, d),
                            randomParam(b + "attn.proj.bias", rng, 0.02f, 0f, d),
                    randomParam(b + "norm2.weight", rng, 0.1f, 1f, d), randomParam(b + "norm2.bias", rng, 0.02f, 0f, d),
                    randomParam(b + "mlp.fc1.weight", rng, 0.02f, 0f, c.mlpDim(), d),
                            randomParam(b + "mlp.fc1.bias", rng, 0.02f, 0f, c.mlpDim()),
                    randomParam(b + "mlp.fc2.weight", rng, 0.02f, 0f, d, c.mlpDim()),
                            randomParam(b + "mlp.fc2.bias", rng, 0.02f, 0f, d)));
        }
        Param normW = randomParam("norm.weight", rng, 0.1f, 1f, d);
        Param normB = randomParam("norm.bias", rng, 0.02f, 0f, d);
        String source = "random init (seed " + seed + ")";
        return new ViTWeights(c, source, DType.F32, patchW, patchB, cls, pos, blocks, normW, normB, null, null);
    }

    private static Param randomParam(String name, SplittableRandom rng, float std, float mean, long... shape) {
        int n = Math.toIntExact(Tensor.product(shape));
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = mean + std * (float) rng.nextGaussian();
        return Param.of(Tensor.ofFloats(name, v, shape));
    }

    /** All parameters in a fixed order (for writers and device uploads). */
    public List<Param> parameters() {
        List<Param> all = new ArrayList<>(List.of(patchWeight, patchBias, clsToken, posEmbed));
        for (Block b : blocks) {
            all.addAll(List.of(
                    b.norm1Weight,
                    b.norm1Bias,
                    b.qkvWeight,
                    b.qkvBias,
                    b.projWeight,
                    b.projBias,
                    b.norm2Weight,
                    b.norm2Bias,
                    b.fc1Weight,
                    b.fc1Bias,
                    b.fc2Weight,
                    b.fc2Bias));
        }
        all.add(normWeight);
        all.add(normBias);
        return all;
    }
}
