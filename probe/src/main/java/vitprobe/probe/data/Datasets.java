package vitprobe.probe.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        if (Files.isRegularFile(root.resolve("index.csv"))) return Broden.open(root, excludedCategories, labeling);
        try {
            return ImageFolder.open(root);
        } catch (ImageFolder.NoImages e) {
            // A Broden folder that lost its index reads as an ImageFolder without images (its "images" class
            // folder holds only subfolders): say what is missing.
            List<String> brodenFiles = BRODEN_FILES.stream()
                    .filter(f -> Files.exists(root.resolve(f)))
                    .toList();
            if (brodenFiles.isEmpty()) throw e;
            throw new IllegalArgumentException(root + ": no index.csv, not a Broden folder (it has "
                    + String.join(", ", brodenFiles) + "), nor an ImageFolder (no images in " + root + "/<class>/)");
        }
    }

    /** What a Broden folder holds besides index.csv. */
    private static final List<String> BRODEN_FILES = List.of("category.csv", "label.csv", "images/");
}
