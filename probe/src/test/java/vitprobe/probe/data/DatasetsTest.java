package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    /** Without its index a Broden folder looked like an ImageFolder of one class, "images", with no images. */
    @Test
    void aBrodenFolderWithoutIndexIsNamedAsSuch() throws Exception {
        Path root = dir.resolve("b1");
        Synthetic.writeBroden(root, 4, 16, 0);
        Files.delete(root.resolve("index.csv"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Datasets.open(root, Broden.DEFAULT_EXCLUDED, PatchLabeling.MAJORITY));
        assertEquals(
                root + ": no index.csv, not a Broden folder (it has category.csv, label.csv, images/), nor an"
                        + " ImageFolder (no images in " + root + "/<class>/)",
                e.getMessage());
    }

    @Test
    void anImageFolderWithoutImagesIsRefused() throws Exception {
        Path root = Files.createDirectories(dir.resolve("set/train/cat"));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Datasets.open(dir.resolve("set"), Broden.DEFAULT_EXCLUDED, PatchLabeling.MAJORITY));
        assertTrue(e.getMessage().startsWith(dir.resolve("set") + ": no images:"), e.getMessage());
        assertTrue(Files.isDirectory(root));
    }
}
