package vitprobe.engine.extract;

import java.nio.file.Path;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * The model an extraction runs, as its manifest and shards record it.
 *
 * @param name        the reference as given ("hf:ORG/NAME", "random:vits8 seed 0"), a local path made absolute
 * @param weightsFile the checkpoint the weights were read from, fingerprinted so that a resumed run never mixes the
 *                    features of two models; null for generated weights, which the name (with the seed) identifies
 */
public record ModelId(String name, Path weightsFile) {
    /** The prefix of generated models' references: random:vits8, random:vitb16. */
    public static final String RANDOM = "random:";

    /**
     * Loads a model reference whose hub part the caller resolved: seeded weights for random:NAME, else the checkpoint
     * at {@code local}.
     */
    public static ViTWeights load(String reference, Path local, long seed, CheckpointLoader.Overrides overrides) {
        if (reference.startsWith(RANDOM)) return ViTWeights.random(randomConfig(reference), seed);
        return CheckpointLoader.load(local, overrides);
    }

    /** The architecture a random:NAME reference names. */
    public static ViTConfig randomConfig(String reference) {
        return switch (reference.substring(RANDOM.length())) {
            case "vits8" -> ViTConfig.vitSmall8();
            case "vitb16" -> ViTConfig.vitBase16();
            default ->
                throw new IllegalArgumentException(
                        "unknown random model '" + reference + "' (known: random:vits8, random:vitb16)");
        };
    }

    /** A model reference as commands and experiment configs take it, and the weights it was loaded into. */
    public static ModelId of(String reference, long seed, ViTWeights weights) {
        if (reference.startsWith(RANDOM)) return new ModelId(reference + " seed " + seed, null);
        // A hub reference ("hf:ORG/NAME", resolved by the caller) names itself; the file is still fingerprinted.
        if (reference.startsWith("hf:")) return new ModelId(reference, Path.of(weights.source()));
        return new ModelId(Path.of(reference).toAbsolutePath().normalize().toString(), Path.of(weights.source()));
    }
}
