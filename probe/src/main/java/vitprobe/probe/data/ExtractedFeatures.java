package vitprobe.probe.data;

import java.nio.file.Files;
import java.nio.file.Path;
import vitprobe.engine.extract.FeatureStore;
import vitprobe.probe.ProbeData;
import vitprobe.probe.SampleKind;

/**
 * Probe data from a path given on the command line: a shard folder that {@code vitprobe extract} wrote
 * ({@code DIR/<token type>/<split>}, all shards as one data set), or a single probe file (a shard is one).
 */
public final class ExtractedFeatures {
    private ExtractedFeatures() {}

    public static ProbeData load(Path folderOrFile) {
        if (!Files.isDirectory(folderOrFile)) return ProbeData.load(folderOrFile);
        FeatureStore.Features f = FeatureStore.read(folderOrFile);
        SampleKind tokens;
        try {
            tokens = f.tokens() == null ? null : SampleKind.byKey(f.tokens());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(folderOrFile + ": metadata 'tokens': " + e.getMessage());
        }
        try {
            return ProbeData.of(
                            f.features(),
                            f.dim(),
                            f.labels(),
                            f.concepts(),
                            f.groups(),
                            f.categories(),
                            tokens,
                            f.origin())
                    .withCategoryNames(f.categoryNames());
        } catch (IllegalArgumentException e) {
            // ProbeData's checks (repeated names, non-finite features) know no file: the folder is what was given.
            throw new IllegalArgumentException(folderOrFile + ": " + e.getMessage(), e);
        }
    }
}
