package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.extract.PatchGrid;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;

class SyntheticBrodenTest {
    @TempDir
    Path dir;

    @Test
    void theGeneratedFolderReadsAsBrodenWithConsistentLabels() throws Exception {
        Path root = dir.resolve("broden");
        Synthetic.writeBroden(root, 8, 32, 3);
        Broden b = Broden.open(root);
        assertEquals(
                List.of("circle", "square", "triangle", "rim", "core", "plain", "striped", "checkered", "dotted"),
                b.concepts().names());
        assertEquals(List.of("object", "part", "texture"), b.concepts().categoryNames());
        assertEquals(6, b.samples("train").size());
        assertEquals(2, b.samples("val").size());
        PatchGrid grid = new PatchGrid(new ImageTransform.Placement(32, 32, 0, 0, 32, 32), 8);
        for (Broden.Item item : b.samples("train")) {
            assertEquals(32, ImageDecoder.decode(item.read(), item.id()).width());
            List<Set<String>> patches = BrodenTest.named(b, item.patchLabels(grid));
            Set<String> textures = Set.copyOf(Synthetic.TEXTURES);
            String texture = patches.getFirst().stream()
                    .filter(textures::contains)
                    .findFirst()
                    .orElseThrow();
            for (Set<String> p : patches) {
                assertEquals(
                        List.of(texture), p.stream().filter(textures::contains).toList(), "one texture on every patch");
            }
            Set<String> image = BrodenTest.named(b, item.imageLabels()).getFirst();
            assertTrue(image.contains(texture));
            assertTrue(image.stream().anyMatch(Synthetic.SHAPES::contains), item.id() + " has no shape: " + image);
            assertTrue(image.containsAll(patches.stream().flatMap(Set::stream).toList()));
            assertEquals(
                    item.masks().size() - 1,
                    item.masks().stream()
                            .filter(m -> m.toString().contains("_part_"))
                            .count());
        }
    }

    @Test
    void theSameSeedWritesTheSameBytes() throws Exception {
        Synthetic.writeBroden(dir.resolve("a"), 3, 16, 11);
        Synthetic.writeBroden(dir.resolve("b"), 3, 16, 11);
        Synthetic.writeBroden(dir.resolve("c"), 3, 16, 12);
        assertTrue(ImageFolderTest.sameTree(dir.resolve("a"), dir.resolve("b")));
        assertFalse(ImageFolderTest.sameTree(dir.resolve("a"), dir.resolve("c")));
    }
}
