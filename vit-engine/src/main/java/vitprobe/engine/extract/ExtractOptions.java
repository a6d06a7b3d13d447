package vitprobe.engine.extract;

import java.io.Serializable;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.weights.DType;
import vitprobe.weights.ViTConfig;

/**
 * What an extraction stores. These, the batch size and the backend make up the output's identity: a rerun into
 * the same folder must use the same ones (see {@link Extractor}).
 *
 * @param block       the block whose intermediates are stored, 0-based
 * @param tokens      the token types (intermediates) stored, one folder each
 * @param dtype       how features are stored: F32 as computed, or F16 (half the disk)
 * @param shardImages images per shard: the unit of atomic writes and of resuming
 * @param patches     which patch tokens are kept per image (segmentation only)
 * @param input       the input size images are preprocessed to (its position-embedding rule is the model's)
 */
public record ExtractOptions(
        Task task,
        int block,
        Set<Intermediate> tokens,
        DType dtype,
        int shardImages,
        PatchSelection patches,
        InputResolution input)
        implements Serializable {
    /** Feature values a shard may hold in memory before it is written (512 MiB of float32). */
    private static final long SHARD_FLOATS = 1L << 27;

    public ExtractOptions {
        if (tokens.isEmpty()) throw new IllegalArgumentException("no token types requested");
        if (shardImages < 1)
            throw new IllegalArgumentException("images per shard must be at least 1, got " + shardImages);
        if (block < 0) throw new IllegalArgumentException("block must be 0 or more, got " + block);
        if (dtype != DType.F32 && dtype != DType.F16) {
            throw new IllegalArgumentException("features are stored as f32 or f16, not " + dtype.key());
        }
        requirePerToken(tokens);
        tokens = Collections.unmodifiableSet(EnumSet.copyOf(tokens));
        if (input == null) throw new IllegalArgumentException("no input size");
    }

    /** Options at the checkpoint's own input size. */
    public ExtractOptions(
            Task task, int block, Set<Intermediate> tokens, DType dtype, int shardImages, PatchSelection patches) {
        this(task, block, tokens, dtype, shardImages, patches, InputResolution.NATIVE);
    }

    /** Refuses attention maps: extraction stores one vector per token. */
    public static void requirePerToken(Set<Intermediate> tokens) {
        for (Intermediate t : tokens) {
            if (!t.perToken()) {
                throw new IllegalArgumentException(t.key() + " cannot be extracted: it is an attention map"
                        + " [B, heads, N, N], not a feature per token (vitprobe tokens writes it whole)");
            }
        }
    }

    /** Images per shard: 1024, fewer when a shard's features would pass 512 MiB of float32. */
    public static int defaultShardImages(int tokensPerImage, Set<Intermediate> tokens, ViTConfig c) {
        requirePerToken(tokens);
        long valuesPerToken = tokens.stream().mapToLong(t -> t.width(c)).sum();
        return (int) Math.clamp(SHARD_FLOATS / (tokensPerImage * valuesPerToken), 1, 1024);
    }
}
