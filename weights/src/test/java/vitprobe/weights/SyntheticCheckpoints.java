package vitprobe.weights;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import vitprobe.io.Json;

/**
 * Small ViT checkpoints in the supported key layouts. A checkpoint is first a map from key to shape, which tests
 * edit (add, drop or reshape keys) before writing it as {@code model.safetensors} with seeded random F32 values.
 */
final class SyntheticCheckpoints {
    private SyntheticCheckpoints() {}

    /** timm / original DINO / MAE keys; MLP width 4·dim, image (grid·patch)². */
    static Map<String, long[]> timm(int dim, int depth, int patch, int grid) {
        Map<String, long[]> keys = new LinkedHashMap<>();
        keys.put("patch_embed.proj.weight", shape(dim, 3, patch, patch));
        keys.put("patch_embed.proj.bias", shape(dim));
        keys.put("cls_token", shape(1, 1, dim));
        keys.put("pos_embed", shape(1, grid * grid + 1, dim));
        for (int i = 0; i < depth; i++) {
            String b = "blocks." + i + ".";
            keys.put(b + "norm1.weight", shape(dim));
            keys.put(b + "norm1.bias", shape(dim));
            keys.put(b + "attn.qkv.weight", shape(3 * dim, dim));
            keys.put(b + "attn.qkv.bias", shape(3 * dim));
            keys.put(b + "attn.proj.weight", shape(dim, dim));
            keys.put(b + "attn.proj.bias", shape(dim));
            keys.put(b + "norm2.weight", shape(dim));
            keys.put(b + "norm2.bias", shape(dim));
            keys.put(b + "mlp.fc1.weight", shape(4 * dim, dim));
            keys.put(b + "mlp.fc1.bias", shape(4 * dim));
            keys.put(b + "mlp.fc2.weight", shape(dim, 4 * dim));
            keys.put(b + "mlp.fc2.bias", shape(dim));
        }
        keys.put("norm.weight", shape(dim));
        keys.put("norm.bias", shape(dim));
        return keys;
    }

    /** transformers ViTModel keys (no prefix, no pooler); MLP width 4·dim. */
    static Map<String, long[]> huggingFace(int dim, int depth, int patch, int grid) {
        Map<String, long[]> keys = new LinkedHashMap<>();
        keys.put("embeddings.cls_token", shape(1, 1, dim));
        keys.put("embeddings.position_embeddings", shape(1, grid * grid + 1, dim));
        keys.put("embeddings.patch_embeddings.projection.weight", shape(dim, 3, patch, patch));
        keys.put("embeddings.patch_embeddings.projection.bias", shape(dim));
        for (int i = 0; i < depth; i++) {
            String b = "encoder.layer." + i + ".";
            for (String part : new String[] {"query", "key", "value"}) {
                keys.put(b + "attention.attention." + part + ".weight", shape(dim, dim));
                keys.put(b + "attention.attention." + part + ".bias", shape(dim));
            }
            keys.put(b + "attention.output.dense.weight", shape(dim, dim));
            keys.put(b + "attention.output.dense.bias", shape(dim));
            keys.put(b + "intermediate.dense.weight", shape(4 * dim, dim));
            keys.put(b + "intermediate.dense.bias", shape(4 * dim));
            keys.put(b + "output.dense.weight", shape(dim, 4 * dim));
            keys.put(b + "output.dense.bias", shape(dim));
            keys.put(b + "layernorm_before.weight", shape(dim));
            keys.put(b + "layernorm_before.bias", shape(dim));
            keys.put(b + "layernorm_after.weight", shape(dim));
            keys.put(b + "layernorm_after.bias", shape(dim));
        }
        keys.put("layernorm.weight", shape(dim));
        keys.put("layernorm.bias", shape(dim));
        return keys;
    }

    static Map<String, long[]> prefixed(String prefix, Map<String, long[]> keys) {
        Map<String, long[]> out = new LinkedHashMap<>();
        keys.forEach((k, v) -> out.put(prefix + k, v));
        return out;
    }

    static long[] shape(long... dims) {
        return dims;
    }

    /** Writes the keys as dir/model.safetensors and returns dir, the folder the loader takes. */
    static Path write(Path dir, Map<String, long[]> keys) {
        return write(dir, keys, Map.of(), Map.of());
    }

    /**
     * Like {@link #write(Path, Map)}, but the tensors named in {@code dtypes} are stored in that dtype (integer
     * dtypes hold random bytes, as a mislabelled checkpoint would), and a tensor named in {@code setValues} holds
     * the value {@code [1]} at index {@code [0]}.
     */
    static Path write(Path dir, Map<String, long[]> keys, Map<String, DType> dtypes, Map<String, double[]> setValues) {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        keys.forEach((name, shape) -> {
            SplittableRandom rng = new SplittableRandom(name.hashCode());
            float[] values = new float[Math.toIntExact(Tensor.product(shape))];
            for (int i = 0; i < values.length; i++) values[i] = (float) rng.nextGaussian();
            double[] set = setValues.get(name);
            if (set != null) values[(int) set[0]] = (float) set[1];
            switch (dtypes.getOrDefault(name, DType.F32)) {
                case F32 -> w.addF32(name, shape, values);
                case F16 -> w.addF16(name, shape, values);
                case BF16 -> w.addBF16(name, shape, values);
                case F64 -> {
                    MemorySegment doubles = MemorySegment.ofArray(new byte[values.length * 8]);
                    for (int i = 0; i < values.length; i++) doubles.setAtIndex(Tensor.F64, i, values[i]);
                    if (set != null) doubles.setAtIndex(Tensor.F64, (long) set[0], set[1]);
                    w.add(name, DType.F64, shape, doubles);
                }
                case DType other -> {
                    byte[] bits = new byte[values.length * other.size()];
                    rng.nextBytes(bits);
                    w.add(name, other, shape, MemorySegment.ofArray(bits));
                }
            }
        });
        try {
            w.write(dir.resolve("model.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Writes dir/config.json holding the given JSON value. */
    static void config(Path dir, Object json) {
        try {
            Files.writeString(dir.resolve("config.json"), Json.writePretty(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
