package vitprobe.probe.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import vitprobe.engine.extract.SampleSource;

/** Opens a data set folder by what it holds: a Broden folder (with index.csv) or an ImageFolder. */
public final class Datasets {
    private Datasets() {}

    /**
     * @param excludedCategories Broden categories left out (default {@link Broden#DEFAULT_EXCLUDED}); ignored for
     *                           an ImageFolder
     */
    public static SampleSource open(Path root, Set<String> excludedCategories, PatchLabeling labeling) {
        if (!Files.isDirectory(root)) throw new IllegalArgumentException(root + ": no such folder");
        return Files.isRegularFile(root.resolve("index.csv"))
                ? Broden.open(root, excludedCategories, labeling)
                : ImageFolder.open(root);
    }
}
