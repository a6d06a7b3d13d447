package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.RgbImage;

class ImageFolderTest {
    @TempDir
    Path dir;

    @Test
    void syntheticSplitLayoutReadsAsClassesWithOneHotLabels() throws Exception {
        Path root = dir.resolve("set");
        Synthetic.writeImageFolder(root, 4, 3, 2, 40, 30, 1);
        ImageFolder f = ImageFolder.open(root);
        assertEquals(List.of("train", "test"), f.splits());
        assertEquals(
                List.of("green-circle", "red-circle", "red-square", "red-triangle"),
                f.concepts().names());
        assertEquals(12, f.samples("train").size());
        assertEquals(8, f.samples("test").size());
        ImageFolder.Item first = f.samples("test").getFirst();
        assertEquals("test/green-circle/00000.jpg", first.id());
        assertArrayEquals(new byte[] {1, 0, 0, 0}, first.imageLabels());
        assertArrayEquals(new byte[] {0, 0, 0, 1}, f.samples("train").getLast().imageLabels());
        RgbImage image = ImageDecoder.decode(first.read(), first.id());
        assertEquals(40, image.width());
        assertEquals(30, image.height());
    }

    @Test
    void flatLayoutIsOneSplitAndHiddenFilesAreIgnored() throws Exception {
        Path root = dir.resolve("flat");
        Files.createDirectories(root.resolve("b"));
        Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve(".cache"));
        Files.writeString(root.resolve("a/1.JPEG"), "x");
        Files.writeString(root.resolve("b/2.png"), "y");
        Files.writeString(root.resolve("b/.DS_Store"), "z");
        Files.writeString(root.resolve("README"), "not a class");
        ImageFolder f = ImageFolder.open(root);
        assertEquals(List.of("all"), f.splits());
        assertEquals(List.of("a", "b"), f.concepts().names());
        assertEquals(
                List.of("a/1.JPEG", "b/2.png"),
                f.samples("all").stream().map(ImageFolder.Item::id).toList());
    }

    @Test
    void aFolderWithoutClassesIsRefused() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.open(empty));
        assertTrue(e.getMessage().contains("no class folders"), e.getMessage());
    }

    @Test
    void classFoldersWithoutImagesAreRefused() throws Exception {
        Path root = dir.resolve("hollow");
        Files.createDirectories(root.resolve("a/nested"));
        Files.writeString(root.resolve("a/nested/1.png"), "x");
        Files.createDirectories(root.resolve("b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.open(root));
        assertEquals(
                root + ": no images: its class folders hold no files (expected " + root + "/<class>/<image>)",
                e.getMessage());
    }

    /** Results and file names are keyed by class name: two names that differ only by case would collide. */
    @Test
    void classNamesThatDifferOnlyByCaseAreRefused() throws Exception {
        Path root = dir.resolve("cased");
        Files.createDirectories(root.resolve("train/red-circle"));
        Files.createDirectories(root.resolve("test/Red-Circle"));
        Files.writeString(root.resolve("train/red-circle/1.png"), "x");
        Files.writeString(root.resolve("test/Red-Circle/2.png"), "y");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageFolder.open(root));
        assertEquals(
                root + ": class folders 'Red-Circle' and 'red-circle' differ only by case (results and file names"
                        + " are keyed by class name: rename or merge one)",
                e.getMessage());
    }

    @Test
    void theSameSeedWritesTheSameBytes() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("a"), 2, 2, 1, 24, 24, 7);
        Synthetic.writeImageFolder(dir.resolve("b"), 2, 2, 1, 24, 24, 7);
        Synthetic.writeImageFolder(dir.resolve("c"), 2, 2, 1, 24, 24, 8);
        assertTrue(sameTree(dir.resolve("a"), dir.resolve("b")));
        assertFalse(sameTree(dir.resolve("a"), dir.resolve("c")));
        assertThrows(
                IllegalArgumentException.class, () -> Synthetic.writeImageFolder(dir.resolve("a"), 2, 2, 1, 24, 24, 7));
    }

    static boolean sameTree(Path a, Path b) throws Exception {
        List<Path> fa = files(a), fb = files(b);
        if (!fa.stream()
                .map(a::relativize)
                .toList()
                .equals(fb.stream().map(b::relativize).toList())) return false;
        for (Path f : fa)
            if (!java.util.Arrays.equals(Files.readAllBytes(f), Files.readAllBytes(b.resolve(a.relativize(f)))))
                return false;
        return true;
    }

    static List<Path> files(Path root) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }
}
