package vitprobe.engine.extract;

import java.nio.file.Path;
import vitprobe.weights.ViTWeights;

/**
 * The model an extraction runs, as its manifest and shards record it.
 *
 * @param name        the reference as given ("hf:ORG/NAME", "random:vits8 seed 0"), a local path made absolute
 * @param weightsFile the checkpoint the weights were read from, fingerprinted so that a resumed run never mixes the
 *                    features of two models; null for generated weights, which the name (with the seed) identifies
 */
public record ModelId(String name, Path weightsFile) {
    /** A model reference as commands and experiment configs take it, and the weights it was loaded into. */
    public static ModelId of(String reference, long seed, ViTWeights weights) {
        if (reference.startsWith("random:")) return new ModelId(reference + " seed " + seed, null);
        // A hub reference ("hf:ORG/NAME", resolved by the caller) names itself; the file is still fingerprinted.
        if (reference.startsWith("hf:")) return new ModelId(reference, Path.of(weights.source()));
        return new ModelId(Path.of(reference).toAbsolutePath().normalize().toString(), Path.of(weights.source()));
    }
}
