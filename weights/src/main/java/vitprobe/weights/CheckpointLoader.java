package vitprobe.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(overrides, "overrides");
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
        /** How many missing or unknown keys a message lists. */
        static final int LISTED = 20;

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

        /**
         * The indexes of the blocks that have at least one of their known keys ({@code head} + index + "." + suffix).
         * The depth is the highest index + 1, so a key missing from a block below others is reported missing rather
         * than making the blocks above it unknown; blocks with no key at all are reported missing as a whole.
         */
        List<Integer> blockIndexes(String head, Set<String> suffixes) {
            Pattern block = Pattern.compile(Pattern.quote(prefix + head) + "(0|[1-9][0-9]{0,8})\\.(.+)");
            TreeSet<Integer> present = new TreeSet<>();
            for (String name : st.names()) {
                Matcher m = block.matcher(name);
                if (m.matches() && suffixes.contains(m.group(2))) present.add(Integer.parseInt(m.group(1)));
            }
            int expected = 0;
            for (int i : present) {
                if (i > expected) {
                    String first = prefix + head + expected + ".*";
                    missing.add(i - 1 == expected ? first : first + " to " + prefix + head + (i - 1) + ".*");
                }
                expected = i + 1;
            }
            return List.copyOf(present);
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
                if (!missing.isEmpty()) sb.append("; missing keys: ").append(list(missing));
                if (!unknown.isEmpty()) sb.append("; unknown keys: ").append(list(unknown));
                throw new CheckpointException(sb.toString());
            }
        }

        /** The names, the first {@link #LISTED} of a longer list followed by how many more there are. */
        private static String list(java.util.Collection<String> names) {
            if (names.size() <= LISTED) return String.join(", ", names);
            return String.join(", ", names.stream().limit(LISTED).toList()) + ", … and " + (names.size() - LISTED)
                    + " more";
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

    /** The keys of one timm block, after "blocks.N.". */
    private static final Set<String> TIMM_BLOCK_KEYS = Set.of(
            "norm1.weight",
            "norm1.bias",
            "attn.qkv.weight",
            "attn.qkv.bias",
            "attn.proj.weight",
            "attn.proj.bias",
            "norm2.weight",
            "norm2.bias",
            "mlp.fc1.weight",
            "mlp.fc1.bias",
            "mlp.fc2.weight",
            "mlp.fc2.bias");

    /** The keys of one transformers layer, after "encoder.layer.N.". */
    private static final Set<String> HF_BLOCK_KEYS = Set.of(
            "layernorm_before.weight",
            "layernorm_before.bias",
            "attention.attention.query.weight",
            "attention.attention.query.bias",
            "attention.attention.key.weight",
            "attention.attention.key.bias",
            "attention.attention.value.weight",
            "attention.attention.value.bias",
            "attention.output.dense.weight",
            "attention.output.dense.bias",
            "layernorm_after.weight",
            "layernorm_after.bias",
            "intermediate.dense.weight",
            "intermediate.dense.bias",
            "output.dense.weight",
            "output.dense.bias");

    private static ViTWeights timm(Keys k, Map<String, Object> json, Overrides o) {
        List<Integer> indexes = k.blockIndexes("blocks.", TIMM_BLOCK_KEYS);
        Param patchW = k.param("patch_embed.proj.weight");
        Param cls = k.param("cls_token");
        Param pos = k.param("pos_embed");
        List<ViTWeights.Block> blocks = new ArrayList<>();
        for (int i : indexes) {
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
        Shapes s = shapes(k.st.file(), patchW, pos, blocks);

        Integer heads = null;
        float[] mean = ViTConfig.imagenetMean(), std = ViTConfig.imagenetStd();
        String interpolation = "bicubic";
        Double crop = null;
        if (json != null) {
            Config config = new Config(k.st.file(), json);
            heads = timmHeads(config, s, o);
            if (json.get("pretrained_cfg") instanceof Map<?, ?> pre) {
                mean = config.rgb(pre, "pretrained_cfg.mean", false, mean);
                std = config.rgb(pre, "pretrained_cfg.std", true, std);
                interpolation = config.interpolation(pre.get("interpolation"), interpolation);
                crop = config.share(pre, "pretrained_cfg.crop_pct");
            }
        }
        return assemble(
                CheckpointFormat.TIMM,
                k,
                s,
                o,
                heads,
                null,
                mean,
                std,
                interpolation,
                crop,
                patchW,
                patchB,
                cls,
                pos,
                blocks,
                normW,
                normB);
    }

    /**
     * Checks what a timm config.json states about the architecture against the weights, the way timm builds the
     * model: the architecture's own values, each replaced by model_args where they give it. Returns the head count
     * the config gives, or null.
     */
    private static Integer timmHeads(Config config, Shapes s, Overrides o) {
        Map<?, ?> args = config.json.get("model_args") instanceof Map<?, ?> m ? m : Map.of();
        String name = config.json.get("architecture") instanceof String a ? a : null;
        TimmArchitecture arch = name == null ? null : TimmArchitecture.of(name);
        Object act = args.get("act_layer");
        if (act != null && !"gelu".equals(act)) {
            throw config.error("model_args.act_layer " + quoted(act) + " is not supported (only exact 'gelu')");
        }
        if (act == null && name != null && name.contains("quickgelu")) {
            throw config.error("architecture '" + name + "' uses QuickGELU, not supported (only exact 'gelu')");
        }
        Integer dim = config.integer(args, "model_args.embed_dim");
        if (dim != null) config.agree("model_args.embed_dim", dim, s.dim());
        else if (arch != null && arch.dim() != null && arch.dim() != s.dim()) {
            throw config.error("architecture '" + name + "' has embedding dimension " + arch.dim()
                    + " but the weights in " + config.weights.getFileName() + " have " + s.dim());
        }
        Integer patch = config.patchSize(args);
        if (patch != null) config.agree("model_args.patch_size", args.get("patch_size"), patch, s.patch());
        else if (arch != null && arch.patch() != null && arch.patch() != s.patch()) {
            throw config.error("architecture '" + name + "' has patch size " + arch.patch() + " but the weights in "
                    + config.weights.getFileName() + " have " + s.patch());
        }
        Integer depth = config.integer(args, "model_args.depth");
        if (depth != null) config.agree("model_args.depth", depth, s.depth());
        if (args.get("mlp_ratio") instanceof Number ratio) {
            // timm's Mlp: hidden_features = int(dim * mlp_ratio)
            int width = (int) (s.dim() * ratio.doubleValue());
            if (width != s.mlp()) {
                throw config.error("model_args.mlp_ratio is " + Json.write(ratio) + " (MLP width " + width
                        + ") but the weights in " + config.weights.getFileName() + " have " + s.mlp());
            }
        }
        Integer heads = config.integer(args, "model_args.num_heads");
        String stated = "model_args.num_heads is " + heads;
        if (heads == null && arch != null && arch.heads() != null) {
            heads = arch.heads();
            stated = "architecture '" + name + "' has " + heads + " heads";
        }
        if (heads != null && o.heads() == null) config.divides(stated, heads, s.dim());
        return heads;
    }

    /** What a timm architecture name says: embedding dimension and heads of its size, and its patch size. */
    private record TimmArchitecture(Integer dim, Integer heads, Integer patch) {
        private static final Pattern PATCH = Pattern.compile("_patch([0-9]{1,4})(?:_|$)");

        /** timm's variants by the size in their names; the head count does not always follow dim / 64. */
        private static final List<Map.Entry<String, int[]>> SIZES = List.of(
                Map.entry("_base_patch16_plus_", new int[] {896, 14}),
                Map.entry("_giant_patch14_clip_", new int[] {1408, 16}),
                Map.entry("_giant_patch14_dinov2", new int[] {1536, 24}),
                Map.entry("_gigantic_", new int[] {1664, 16}),
                Map.entry("_tiny_", new int[] {192, 3}),
                Map.entry("_small_", new int[] {384, 6}),
                Map.entry("_base_", new int[] {768, 12}),
                Map.entry("_large_", new int[] {1024, 16}),
                Map.entry("_huge_", new int[] {1280, 16}));

        static TimmArchitecture of(String name) {
            String base = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
            Integer dim = null, heads = null, patch = null;
            for (var size : SIZES) {
                if (base.contains(size.getKey())) {
                    dim = size.getValue()[0];
                    heads = size.getValue()[1];
                    break;
                }
            }
            Matcher m = PATCH.matcher(base);
            if (m.find()) patch = Integer.parseInt(m.group(1));
            return new TimmArchitecture(dim, heads, patch);
        }
    }

    /** The dimensions the tensors give, before config.json is checked against them. */
    private record Shapes(int dim, int channels, int patch, int grid, int mlp, int depth) {
        int imageSize() {
            return grid * patch;
        }
    }

    private static Shapes shapes(Path file, Param patchW, Param pos, List<ViTWeights.Block> blocks) {
        if (patchW.shape().length != 4 || patchW.shape()[2] != patchW.shape()[3]) {
            throw new CheckpointException(file + ": patch embedding weight " + patchW.name() + " has shape "
                    + java.util.Arrays.toString(patchW.shape()) + ", expected [D, C, P, P]");
        }
        requireRank(file, pos, 2, 3);
        requireRank(file, blocks.getFirst().fc1Weight(), 2, 2);
        int tokens = (int) pos.shape()[pos.shape().length - 2];
        int grid = (int) Math.round(Math.sqrt(tokens - 1));
        if (grid * grid != tokens - 1) {
            throw new CheckpointException(file + ": position embedding " + pos.name() + " has " + tokens
                    + " tokens, not 1 + a square number of patches");
        }
        return new Shapes(
                (int) patchW.shape()[0],
                (int) patchW.shape()[1],
                (int) patchW.shape()[2],
                grid,
                (int) blocks.getFirst().fc1Weight().shape()[0],
                blocks.size());
    }

    /** config.json beside the weights, read for one checkpoint; its errors name the file. */
    private record Config(Path weights, Map<String, Object> json) {
        Path file() {
            return weights.resolveSibling("config.json");
        }

        CheckpointException error(String message) {
            return new CheckpointException(file() + ": " + message);
        }

        /** The integer under key (its last dotted part), or null when absent or JSON null. */
        Integer integer(Map<?, ?> map, String label) {
            Object v = map.get(label.substring(label.lastIndexOf('.') + 1));
            if (v == null) return null;
            if (v instanceof Long l && l == l.intValue()) return l.intValue();
            if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) <= Integer.MAX_VALUE) return d.intValue();
            throw error(label + " is " + Json.write(v) + ", expected an integer");
        }

        /** timm's patch_size: an integer or a pair of equal integers. */
        Integer patchSize(Map<?, ?> args) {
            if (args.get("patch_size") instanceof List<?> pair && pair.size() == 2) {
                Integer h =
                        integer(java.util.Collections.singletonMap("patch_size", pair.get(0)), "model_args.patch_size");
                Integer w =
                        integer(java.util.Collections.singletonMap("patch_size", pair.get(1)), "model_args.patch_size");
                if (h != null && h.equals(w)) return h;
                throw error("model_args.patch_size is " + Json.write(pair) + ", expected an integer or two equal ones");
            }
            return integer(args, "model_args.patch_size");
        }

        /** config.json and the tensors must tell the same story; a mismatch usually means the wrong config file. */
        void agree(String label, int stated, int fromTensors) {
            agree(label, stated, stated, fromTensors);
        }

        void agree(String label, Object statedAsWritten, int stated, int fromTensors) {
            if (stated != fromTensors) {
                throw error(label + " is " + Json.write(statedAsWritten) + " but the weights in "
                        + weights.getFileName() + " have " + fromTensors);
            }
        }

        /** Refuses a head count that does not divide the weights' embedding dimension; stated says who gave it. */
        void divides(String stated, int heads, int dim) {
            if (heads <= 0 || dim % heads != 0) {
                throw error(stated + ", not a positive divisor of the embedding dimension " + dim
                        + " of the weights in " + weights.getFileName());
            }
        }

        /** Three finite numbers (R, G, B), non-zero for a std; the fallback when absent. */
        float[] rgb(Map<?, ?> map, String label, boolean nonZero, float[] fallback) {
            Object v = map.get(label.substring(label.lastIndexOf('.') + 1));
            if (v == null) return fallback;
            float[] out = new float[3];
            boolean ok = v instanceof List<?> l && l.size() == 3;
            for (int i = 0; ok && i < 3; i++) {
                ok = ((List<?>) v).get(i) instanceof Number n
                        && Float.isFinite(out[i] = n.floatValue())
                        && (!nonZero || out[i] != 0);
            }
            if (!ok) {
                throw error(label + " is " + Json.write(v) + ", expected "
                        + (nonZero ? "3 finite non-zero numbers" : "3 finite numbers"));
            }
            return out;
        }

        /** A number in (0, 1] under key (its last dotted part), or null when absent. */
        Double share(Map<?, ?> map, String label) {
            Object v = map.get(label.substring(label.lastIndexOf('.') + 1));
            if (v == null) return null;
            if (v instanceof Number n && n.doubleValue() > 0 && n.doubleValue() <= 1) return n.doubleValue();
            throw error(label + " is " + Json.write(v) + ", expected a number in (0, 1]");
        }

        /** A resize filter the engine implements; the fallback when absent. */
        String interpolation(Object v, String fallback) {
            if (v == null) return fallback;
            if (v instanceof String s && ViTConfig.INTERPOLATIONS.contains(s.toLowerCase(Locale.ROOT)))
                return s.toLowerCase(Locale.ROOT);
            throw error("interpolation " + quoted(v) + " is not supported ("
                    + String.join(", ", ViTConfig.INTERPOLATIONS) + ")");
        }
    }

    /** A JSON string in single quotes, any other value as JSON. */
    private static String quoted(Object v) {
        return v instanceof String s ? "'" + s + "'" : Json.write(v);
    }

    private static ViTWeights huggingFace(Keys k, CheckpointFormat format, Map<String, Object> json, Overrides o) {
        List<Integer> indexes = k.blockIndexes("encoder.layer.", HF_BLOCK_KEYS);
        Param patchW = k.param("embeddings.patch_embeddings.projection.weight");
        Param patchB = k.param("embeddings.patch_embeddings.projection.bias");
        Param cls = k.param("embeddings.cls_token");
        Param pos = k.param("embeddings.position_embeddings");
        List<ViTWeights.Block> blocks = new ArrayList<>();
        for (int i : indexes) {
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
        Shapes s = shapes(k.st.file(), patchW, pos, blocks);

        Integer heads = null;
        Double eps = null;
        if (json != null) {
            Config config = new Config(k.st.file(), json);
            Object act = json.get("hidden_act");
            if (act != null && !"gelu".equals(act))
                throw config.error("hidden_act " + quoted(act) + " is not supported (only exact 'gelu')");
            for (var stated : List.of(
                    Map.entry("hidden_size", s.dim()),
                    Map.entry("patch_size", s.patch()),
                    Map.entry("image_size", s.imageSize()),
                    Map.entry("num_hidden_layers", s.depth()),
                    Map.entry("intermediate_size", s.mlp()))) {
                Integer v = config.integer(json, stated.getKey());
                if (v != null) config.agree(stated.getKey(), v, stated.getValue());
            }
            heads = config.integer(json, "num_attention_heads");
            if (heads != null && o.heads() == null) config.divides("num_attention_heads is " + heads, heads, s.dim());
            if (json.get("layer_norm_eps") instanceof Number e) {
                eps = e.doubleValue();
                if (o.eps() == null && (!(eps > 0) || Double.isInfinite(eps))) {
                    throw config.error("layer_norm_eps is " + Json.write(e) + ": LayerNorm epsilon " + eps
                            + " is not a positive finite number");
                }
            }
        }
        return assemble(
                format,
                k,
                s,
                o,
                heads,
                eps,
                ViTConfig.imagenetMean(),
                ViTConfig.imagenetStd(),
                "bicubic",
                null,
                patchW,
                patchB,
                cls,
                pos,
                blocks,
                normW,
                normB);
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
            Shapes s,
            Overrides o,
            Integer heads,
            Double eps,
            float[] mean,
            float[] std,
            String interpolation,
            Double statedCrop,
            Param patchW,
            Param patchB,
            Param cls,
            Param pos,
            List<ViTWeights.Block> blocks,
            Param normW,
            Param normB) {
        Path file = k.st.file();
        if (o.heads() != null) {
            // A bad flag, not a bad file: the message names the flag.
            if (o.heads() <= 0 || s.dim() % o.heads() != 0) {
                throw new CheckpointException("--heads must be a positive divisor of the embedding dimension " + s.dim()
                        + ", got " + o.heads());
            }
            heads = o.heads();
        }
        if (heads == null) heads = Math.max(1, s.dim() / 64);
        if (o.eps() != null) eps = o.eps();
        if (eps == null) eps = format.defaultEps();
        ViTConfig c;
        try {
            c = new ViTConfig(
                    format,
                    s.dim(),
                    s.depth(),
                    heads,
                    s.patch(),
                    s.imageSize(),
                    s.channels(),
                    s.mlp(),
                    eps,
                    mean,
                    std,
                    interpolation);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": " + e.getMessage());
        }
        checkShapes(file, c, patchB, cls, pos, blocks, normW, normB);
        ViTWeights weights = new ViTWeights(
                c, file.toString(), patchW.dtype(), patchW, patchB, cls, pos, blocks, normW, normB, statedCrop, k.st);
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
