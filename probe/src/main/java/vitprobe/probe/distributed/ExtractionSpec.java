package vitprobe.probe.distributed;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.Set;
import vitprobe.engine.extract.ExtractOptions;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.SampleSource;
import vitprobe.probe.data.Datasets;
import vitprobe.probe.data.PatchLabeling;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.ViTWeights;

/**
 * Everything another machine needs to extract shards of a run on its own: the model (its checkpoint at a path every
 * machine can read, or generated from the seed), the data set's folder and how it is labelled, and the settings that
 * decide the stored bytes. Equal specs open equal extractors, so a machine opens each once.
 *
 * @param model      the reference as given (it names the model in the manifest)
 * @param weights    the checkpoint, hub references resolved; null for random:NAME
 * @param numerics   the driver's backend numerics: a machine computing otherwise would write other bytes
 */
public record ExtractionSpec(
        String model,
        String weights,
        long seed,
        Integer heads,
        Double eps,
        String dataset,
        Set<String> excludedCategories,
        PatchLabeling labeling,
        ExtractOptions options,
        int batch,
        int decodeThreads,
        String device,
        String precision,
        String numerics)
        implements Serializable {

    public ExtractionSpec {
        excludedCategories = Set.copyOf(excludedCategories);
    }

    /** A spec whose checkpoint (null for random:NAME) and data set are named by absolute paths, as other machines need. */
    public static ExtractionSpec of(
            String model,
            Path weights,
            long seed,
            Integer heads,
            Double eps,
            Path dataset,
            Set<String> excludedCategories,
            PatchLabeling labeling,
            ExtractOptions options,
            int batch,
            int decodeThreads,
            String device,
            String precision,
            String numerics) {
        return new ExtractionSpec(
                model,
                weights == null ? null : weights.toAbsolutePath().toString(),
                seed,
                heads,
                eps,
                dataset.toAbsolutePath().toString(),
                excludedCategories,
                labeling,
                options,
                batch,
                decodeThreads,
                device,
                precision,
                numerics);
    }

    public ViTWeights loadWeights() {
        return ModelId.load(
                model, weights == null ? null : Path.of(weights), seed, new CheckpointLoader.Overrides(heads, eps));
    }

    public SampleSource openSource() {
        return Datasets.open(Path.of(dataset), excludedCategories, labeling);
    }
}
