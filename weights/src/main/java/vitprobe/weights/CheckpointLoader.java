package vitprobe.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import vitprobe.io.Json;

/**
 * Reads a ViT checkpoint in any supported format into canonical {@link ViTWeights}. The format is detected from
 * the key names; dimensions come from config.json when present and from tensor shapes otherwise.
 */
public final class CheckpointLoader {
    /** Values that override config.json and shape inference; null means "not given". */
    public record Overrides(Integer heads, Double eps) {
        public static final Overrides NONE = new Overrides(null, null);
    }

    /** Thrown for checkpoints that are valid safetensors but not a ViT we can run. */
    public static final class CheckpointException extends RuntimeException {
        public CheckpointException(String message) {
            super(message);
        }
    }

    private CheckpointLoader() {}

    /** MODEL is a folder holding model.safetensors (and maybe config.json), or a .safetensors file. */
    public static Path weightsFile(Path model) {
        if (Files.isDirectory(model)) {
            Path f = model.resolve("model.safetensors");
            if (!Files.exists(f)) throw new CheckpointException(model + ": folder has no model.safetensors");
            return f;
        }
        if (!Files.exists(model)) throw new CheckpointException(model + ": no such file or folder");
        return model;
    }

    public static ViTWeights load(Path model) {
        return load(model, Overrides.NONE);
    }

    public static ViTWeights load(Path model, Overrides overrides) {
        Path file = weightsFile(model);
        Path configFile = file.resolveSibling("config.json");
        Map<String, Object> config = null;
        if (Files.exists(configFile)) {
            try {
                config = Json.parseObject(Files.readString(configFile));
            } catch (IOException | IllegalArgumentException e) {
                throw new CheckpointException(configFile + ": " + e.getMessage());
            }
        }
        SafeTensors st = SafeTensors.open(file);
        try {
            return build(st, config, overrides);
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
    }

    private static ViTWeights build(SafeTensors st, Map<String, Object> config, Overrides overrides) {
        Set<String> keys = st.names();
        CheckpointFormat format;
        String prefix;
        if ((prefix = findPrefix(keys, "blocks.0.attn.qkv.weight", "", "model.", "module.", "backbone.", "encoder."))
                != null) {
            format = CheckpointFormat.TIMM;
        } else if ((prefix = findPrefix(keys, "encoder.layer.0.attention.attention.query.weight", "", "vit."))
                != null) {
            boolean mae = keys.stream().anyMatch(k -> k.startsWith("decoder."))
                    || (config != null && "vit_mae".equals(config.get("model_type")));
            format = mae ? CheckpointFormat.HF_VIT_MAE : CheckpointFormat.HF_VIT;
        } else {
            throw new CheckpointException(st.file() + ": not a ViT checkpoint we know (no 'blocks.0.attn.qkv.weight' "
                    + "of timm/DINO/MAE nor 'encoder.layer.0.attention.attention.query.weight' of transformers)");
        }
        Keys k = new Keys(st, prefix);
        return format == CheckpointFormat.TIMM ? timm(k, config, overrides) : huggingFace(k, format, config, overrides);
    }

    private static String findPrefix(Set<String> keys, String probe, String... prefixes) {
        for (String p : prefixes) if (keys.contains(p + probe)) return p;
        return null;
    }

    /** Tracks which checkpoint keys were used, so missing and unexpected ones can be reported together. */
    private static final class Keys {
        final SafeTensors st;
        final String prefix;
        final Set<String> used = new HashSet<>();
        final Set<String> missing = new TreeSet<>();

        Keys(SafeTensors st, String prefix) {
            this.st = st;
            this.prefix = prefix;
        }

        Tensor get(String name) {
            String full = prefix + name;
            if (!st.has(full)) {
                missing.add(full);
                return null;
            }
            used.add(full);
            return st.tensor(full);
        }

        Param param(String name) {
            Tensor t = get(name);
            return t == null ? null : Param.of(t);
        }

        int countBlocks(String pattern) {
            int n = 0;
            while (st.has(prefix + pattern.formatted(n))) n++;
            return n;
        }

        void checkComplete(CheckpointFormat format) {
            List<String> unknown = new ArrayList<>();
            for (String name : st.names()) {
                if (used.contains(name) || ignored(format, name)) continue;
                unknown.add(name);
            }
            if (!missing.isEmpty() || !unknown.isEmpty()) {
                StringBuilder sb =
                        new StringBuilder(st.file() + ": does not match the " + format.description() + " format");
                if (!missing.isEmpty()) sb.append("; missing keys: ").append(String.join(", ", missing));
                if (!unknown.isEmpty()) sb.append("; unknown keys: ").append(String.join(", ", unknown));
                throw new CheckpointException(sb.toString());
            }
        }

        /** Keys that belong to heads, decoders or poolers, which an encoder probe never runs. */
        boolean ignored(CheckpointFormat format, String name) {
            String n = name.startsWith(prefix) ? name.substring(prefix.length()) : name;
            return switch (format) {
                case TIMM ->
                    n.startsWith("head.")
                            || n.startsWith("fc_norm.")
                            || n.startsWith("decoder")
                            || n.equals("mask_token");
                case HF_VIT, HF_VIT_MAE ->
                    n.startsWith("pooler.")
                            || name.startsWith("decoder.")
                            || n.equals("embeddings.mask_token")
                            || name.startsWith("classifier.");
            };
        }
    }

    private static ViTWeights timm(Keys k, Map<String, Object> config, Overrides o) {
        int depth = k.countBlocks("blocks.%d.attn.qkv.weight");
        Param patchW = k.param("patch_embed.proj.weight");
        Param cls = k.param("cls_token");
        Param pos = k.param("pos_embed");
        List<ViTWeights.Block> blocks = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            String b = "blocks." + i + ".";
            Function<String, Param> p = name -> k.param(b + name);
            blocks.add(new ViTWeights.Block(
                    p.apply("norm1.weight"),
                    p.apply("norm1.bias"),
                    p.apply("attn.qkv.weight"),
                    p.apply("attn.qkv.bias"),
                    p.apply("attn.proj.weight"),
                    p.apply("attn.proj.bias"),
                    p.apply("norm2.weight"),
                    p.apply("norm2.bias"),
                    p.apply("mlp.fc1.weight"),
                    p.apply("mlp.fc1.bias"),
                    p.apply("mlp.fc2.weight"),
                    p.apply("mlp.fc2.bias")));
        }
        Param patchB = k.param("patch_embed.proj.bias");
        Param normW = k.param("norm.weight");
        Param normB = k.param("norm.bias");
        k.checkComplete(CheckpointFormat.TIMM);

        Integer heads = null;
        float[] mean = ViTConfig.IMAGENET_MEAN, std = ViTConfig.IMAGENET_STD;
        String interpolation = "bicubic";
        if (config != null) {
            if (config.get("model_args") instanceof Map<?, ?> args && args.get("num_heads") instanceof Long h)
                heads = h.intValue();
            if (heads == null && config.get("architecture") instanceof String arch)
                heads = headsOfTimmArchitecture(arch);
            if (config.get("pretrained_cfg") instanceof Map<?, ?> pre) {
                mean = floats(pre.get("mean"), mean);
                std = floats(pre.get("std"), std);
                if (pre.get("interpolation") instanceof String s) interpolation = s;
            }
        }
        return assemble(
                CheckpointFormat.TIMM,
                k,
                config,
                o,
                heads,
                null,
                mean,
                std,
                interpolation,
                patchW,
                patchB,
                cls,
                pos,
                blocks,
                normW,
                normB);
    }

    /** timm's standard variants; the head count does not always follow dim / 64 (ViT-H has 16 heads of 80). */
    static Integer headsOfTimmArchitecture(String arch) {
        if (arch.contains("_tiny_")) return 3;
        if (arch.contains("_small_")) return 6;
        if (arch.contains("_base_")) return 12;
        if (arch.contains("_large_") || arch.contains("_huge_")) return 16;
        return null;
    }

    private static float[] floats(Object v, float[] fallback) {
        if (!(v instanceof List<?> l) || l.size() != 3) return fallback;
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) out[i] = ((Number) l.get(i)).floatValue();
        return out;
    }

    private static ViTWeights huggingFace(Keys k, CheckpointFormat format, Map<String, Object> config, Overrides o) {
        int depth = k.countBlocks("encoder.layer.%d.attention.attention.query.weight");
        Param patchW = k.param("embeddings.patch_embeddings.projection.weight");
        Param patchB = k.param("embeddings.patch_embeddings.projection.bias");
        Param cls = k.param("embeddings.cls_token");
        Param pos = k.param("embeddings.position_embeddings");
        List<ViTWeights.Block> blocks = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            String b = "encoder.layer." + i + ".";
            Function<String, Param> p = name -> k.param(b + name);
            Param qkvW = fused(k, b + "qkv.weight", b + "attention.attention.%s.weight");
            Param qkvB = fused(k, b + "qkv.bias", b + "attention.attention.%s.bias");
            blocks.add(new ViTWeights.Block(
                    p.apply("layernorm_before.weight"),
                    p.apply("layernorm_before.bias"),
                    qkvW,
                    qkvB,
                    p.apply("attention.output.dense.weight"),
                    p.apply("attention.output.dense.bias"),
                    p.apply("layernorm_after.weight"),
                    p.apply("layernorm_after.bias"),
                    p.apply("intermediate.dense.weight"),
                    p.apply("intermediate.dense.bias"),
                    p.apply("output.dense.weight"),
                    p.apply("output.dense.bias")));
        }
        Param normW = k.param("layernorm.weight");
        Param normB = k.param("layernorm.bias");
        k.checkComplete(format);

        Integer heads = null;
        Double eps = null;
        if (config != null) {
            if (config.get("num_attention_heads") instanceof Long h) heads = h.intValue();
            if (config.get("layer_norm_eps") instanceof Number e) eps = e.doubleValue();
        }
        ViTWeights w = assemble(
                format,
                k,
                config,
                o,
                heads,
                eps,
                ViTConfig.IMAGENET_MEAN,
                ViTConfig.IMAGENET_STD,
                "bicubic",
                patchW,
                patchB,
                cls,
                pos,
                blocks,
                normW,
                normB);
        if (config != null) {
            ViTConfig c = w.config();
            agree(k.st.file(), config, "hidden_size", c.dim());
            agree(k.st.file(), config, "patch_size", c.patchSize());
            agree(k.st.file(), config, "image_size", c.imageSize());
            agree(k.st.file(), config, "num_hidden_layers", c.depth());
            agree(k.st.file(), config, "intermediate_size", c.mlpDim());
        }
        return w;
    }

    /** config.json and the tensors must tell the same story; a mismatch usually means the wrong config file. */
    private static void agree(Path file, Map<String, Object> config, String key, int fromTensors) {
        if (config.get(key) instanceof Long v && v != fromTensors) {
            throw new CheckpointException(file.resolveSibling("config.json") + ": " + key + " is " + v
                    + " but the weights in " + file.getFileName() + " have " + fromTensors);
        }
    }

    private static Param fused(Keys k, String name, String pattern) {
        Tensor q = k.get(pattern.formatted("query"));
        Tensor kk = k.get(pattern.formatted("key"));
        Tensor v = k.get(pattern.formatted("value"));
        if (q == null || kk == null || v == null) return null;
        for (Tensor t : List.of(kk, v)) {
            if (!java.util.Arrays.equals(t.shape(), q.shape())) {
                throw new CheckpointException(k.st.file() + ": " + t.name() + " has shape " + t.shapeString() + " but "
                        + q.name() + " has shape " + q.shapeString() + "; query, key and value must match");
            }
        }
        return Param.concat(name, List.of(q, kk, v));
    }

    private static ViTWeights assemble(
            CheckpointFormat format,
            Keys k,
            Map<String, Object> config,
            Overrides o,
            Integer heads,
            Double eps,
            float[] mean,
            float[] std,
            String interpolation,
            Param patchW,
            Param patchB,
            Param cls,
            Param pos,
            List<ViTWeights.Block> blocks,
            Param normW,
            Param normB) {
        Path file = k.st.file();
        if (patchW.shape().length != 4 || patchW.shape()[2] != patchW.shape()[3]) {
            throw new CheckpointException(file + ": patch embedding weight " + patchW.name() + " has shape "
                    + java.util.Arrays.toString(patchW.shape()) + ", expected [D, C, P, P]");
        }
        int dim = (int) patchW.shape()[0];
        int channels = (int) patchW.shape()[1];
        int patch = (int) patchW.shape()[2];
        requireRank(file, pos, 2, 3);
        requireRank(file, blocks.getFirst().fc1Weight(), 2, 2);
        int tokens = (int) pos.shape()[pos.shape().length - 2];
        int grid = (int) Math.round(Math.sqrt(tokens - 1));
        if (grid * grid != tokens - 1) {
            throw new CheckpointException(file + ": position embedding " + pos.name() + " has " + tokens
                    + " tokens, not 1 + a square number of patches");
        }
        int mlp = (int) blocks.getFirst().fc1Weight().shape()[0];
        if (o.heads() != null) heads = o.heads();
        if (heads == null) heads = Math.max(1, dim / 64);
        if (o.eps() != null) eps = o.eps();
        if (eps == null) eps = format.defaultEps();
        ViTConfig c;
        try {
            c = new ViTConfig(
                    format,
                    dim,
                    blocks.size(),
                    heads,
                    patch,
                    grid * patch,
                    channels,
                    mlp,
                    eps,
                    mean,
                    std,
                    interpolation);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
        checkShapes(file, c, patchB, cls, pos, blocks, normW, normB);
        ViTWeights weights = new ViTWeights(
                c, file.toString(), patchW.dtype(), patchW, patchB, cls, pos, blocks, normW, normB, k.st);
        checkFinite(file, weights);
        return weights;
    }

    private static void requireRank(Path file, Param p, int min, int max) {
        int rank = p.shape().length;
        if (rank < min || rank > max) {
            throw new CheckpointException(
                    file + ": " + describe(p) + " has shape " + java.util.Arrays.toString(p.shape()) + ", expected "
                            + (min == max ? min : min + " to " + max) + " dimensions");
        }
    }

    /** The parameter's name, and for fused parameters the checkpoint tensors it was made of. */
    private static String describe(Param p) {
        if (p.parts().size() == 1) return p.name();
        return p.name() + " (fused from "
                + String.join(", ", p.parts().stream().map(Tensor::name).toList()) + ")";
    }

    private static void checkShapes(
            Path file,
            ViTConfig c,
            Param patchB,
            Param cls,
            Param pos,
            List<ViTWeights.Block> blocks,
            Param normW,
            Param normB) {
        int d = c.dim();
        expect(file, patchB, d);
        expect(file, cls, 1, 1, d);
        expect(file, pos, 1, c.tokens(), d);
        for (ViTWeights.Block b : blocks) {
            for (Param p :
                    List.of(b.norm1Weight(), b.norm1Bias(), b.norm2Weight(), b.norm2Bias(), b.projBias(), b.fc2Bias()))
                expect(file, p, d);
            expect(file, b.qkvWeight(), 3L * d, d);
            expect(file, b.qkvBias(), 3L * d);
            expect(file, b.projWeight(), d, d);
            expect(file, b.fc1Weight(), c.mlpDim(), d);
            expect(file, b.fc1Bias(), c.mlpDim());
            expect(file, b.fc2Weight(), d, c.mlpDim());
        }
        expect(file, normW, d);
        expect(file, normB, d);
    }

    private static void expect(Path file, Param p, long... shape) {
        if (!java.util.Arrays.equals(p.shape(), shape)) {
            throw new CheckpointException(file + ": " + describe(p) + " has shape "
                    + java.util.Arrays.toString(p.shape()) + ", expected " + java.util.Arrays.toString(shape));
        }
        // Every part: a fused parameter's key or value may be stored in another dtype than its query.
        for (Tensor part : p.parts()) {
            if (!part.dtype().isFloatingPoint()) {
                throw new CheckpointException(
                        file + ": " + part.name() + " has dtype " + part.dtype() + ", expected a float type");
            }
        }
    }

    /** NaN or infinite weights would make every output NaN without a word, so they are refused by name. */
    private static void checkFinite(Path file, ViTWeights weights) {
        for (Param p : weights.parameters()) {
            for (Tensor part : p.parts()) {
                long at = part.indexOfNonFinite();
                if (at >= 0) {
                    throw new CheckpointException(file + ": tensor '" + part.name() + "' has a non-finite value ("
                            + part.getFloat(at) + " as float32) at element " + at + "; weights must be finite");
                }
            }
        }
    }
}
