package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.extract.PatchGrid;
import vitprobe.engine.image.ImageDecodeException;
import vitprobe.engine.image.ImageTransform;

/**
 * A hand-made Broden folder: 16×16 images, 8×8 masks, a 4×4 token grid (patch 4), so each patch holds 2×2 mask
 * pixels and its centre samples the bottom-right one.
 */
class BrodenTest {
    static final int CAT = 3, DOG = 4, EAR = 5, TAIL = 6, KITCHEN = 7, BEACH = 8, WHEEL = 300;
    /** The grid of a 16×16 image seen whole (resize = crop = 16) with patch 4. */
    static final PatchGrid GRID = new PatchGrid(new ImageTransform.Placement(16, 16, 0, 0, 16, 16), 4);

    @TempDir
    Path root;

    @BeforeEach
    void writeBroden() throws Exception {
        Files.writeString(
                root.resolve("category.csv"),
                "name,first,last,count,frequency\ncolor,1,2,2,2\nobject,3,300,3,2\npart,5,300,3,1\nscene,7,8,2,2\n");
        Files.writeString(root.resolve("label.csv"), """
                number,name,category,frequency,coverage,syns
                0,-,-,0,0,
                1,red,color(2),2,0.5,red
                2,blue,color(1),1,0.5,blue
                3,cat,object(2),2,0.2,cat;kitty
                4,dog,object(1),1,0.1,"dog, domestic"
                5,ear,part(1),1,0.1,ear
                6,tail,part(1),1,0.1,tail
                7,kitchen,scene(2),2,1,kitchen
                8,beach,scene(1),1,1,beach
                300,wheel,object(2);part(5),7,0.1,wheel
                """);
        Files.writeString(
                root.resolve("c_color.csv"), "code,number,name,frequency,coverage\n1,1,red,2,0.5\n2,2,blue,1,0.5\n");
        Files.writeString(
                root.resolve("c_object.csv"),
                "code,number,name,frequency,coverage\n1,3,cat,2,0.2\n2,4,dog,1,0.1\n3,300,wheel,2,0.1\n");
        Files.writeString(
                root.resolve("c_part.csv"),
                "code,number,name,frequency,coverage\n1,5,ear,1,0.1\n2,6,tail,1,0.1\n3,300,wheel,5,0.1\n");
        Files.writeString(
                root.resolve("c_scene.csv"), "code,number,name,frequency,coverage\n1,7,kitchen,2,1\n2,8,beach,1,1\n");
        Files.writeString(root.resolve("index.csv"), """
                image,split,ih,iw,sh,sw,color,object,part,scene
                a.png,train,16,16,8,8,a_color.png,a_object.png,a_part_1.png;a_part_2.png,7;8
                b.png,val,16,16,8,8,,b_object.png,,7
                """);
        Path images = Files.createDirectories(root.resolve("images"));
        ImageIO.write(
                new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB),
                "png",
                images.resolve("a.png").toFile());
        ImageIO.write(
                new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB),
                "png",
                images.resolve("b.png").toFile());
        int[] color = new int[64];
        java.util.Arrays.fill(color, 1);
        mask(images.resolve("a_color.png"), color);
        int[] object = new int[64];
        set(object, CAT, 0, 0, 1, 0); // patch 0: 2 of 4 pixels → cat (half counts)
        set(object, CAT, 3, 1); // patch 1: 1 of 4, the centre pixel → cat for NEAREST only
        set(object, CAT, 2, 2, 3, 2, 2, 3, 3, 3); // patch 5: all 4 → cat
        set(object, DOG, 6, 6, 7, 6, 6, 7); // patch 15: 3 dog ...
        set(object, CAT, 7, 7); // ... and 1 cat at the centre → dog (majority), cat (nearest)
        mask(images.resolve("a_object.png"), object);
        int[] part1 = new int[64];
        set(part1, EAR, 0, 0, 1, 0, 0, 1, 1, 1); // patch 0: ear everywhere
        mask(images.resolve("a_part_1.png"), part1);
        int[] part2 = new int[64];
        set(part2, TAIL, 0, 1, 1, 1); // patch 0: tail on 2 of 4, overlapping the ear of part 1
        set(part2, WHEEL, 4, 4, 5, 4, 4, 5, 5, 5); // patch 10: wheel (label ≥ 256: G = 1)
        mask(images.resolve("a_part_2.png"), part2);
        int[] bObject = new int[64];
        java.util.Arrays.fill(bObject, DOG);
        mask(images.resolve("b_object.png"), bObject);
    }

    /** Sets label at the mask pixels (x, y) given as pairs. */
    static void set(int[] mask, int label, int... xy) {
        for (int i = 0; i < xy.length; i += 2) mask[xy[i + 1] * 8 + xy[i]] = label;
    }

    static void mask(Path file, int[] labels) throws Exception {
        BufferedImage m = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < 64; i++) m.setRGB(i % 8, i / 8, (labels[i] & 0xff) << 16 | (labels[i] >> 8) << 8);
        ImageIO.write(m, "png", file.toFile());
    }

    /** The concept names each patch carries. */
    static List<Set<String>> named(Broden b, byte[] labels) {
        List<String> names = b.concepts().names();
        List<Set<String>> out = new ArrayList<>();
        for (int p = 0; p < labels.length / names.size(); p++) {
            Set<String> s = new java.util.TreeSet<>();
            for (int c = 0; c < names.size(); c++) if (labels[p * names.size() + c] != 0) s.add(names.get(c));
            out.add(s);
        }
        return out;
    }

    @Test
    void conceptsAreTheLabelsOfKeptCategoriesWithTheirMostFrequentCategory() {
        Broden b = Broden.open(root);
        assertEquals(
                List.of("cat", "dog", "ear", "tail", "kitchen", "beach", "wheel"),
                b.concepts().names());
        assertEquals(List.of("object", "part", "scene"), b.concepts().categoryNames());
        assertArrayEquals(new long[] {0, 0, 1, 1, 2, 2, 1}, b.concepts().categories());
        assertEquals(List.of("train", "val"), b.splits());
        assertEquals("a.png", b.samples("train").getFirst().id());
        assertEquals("b.png", b.samples("val").getFirst().id());
    }

    @Test
    void majorityLabelsMatchTheHandCheckedMasks() throws Exception {
        Broden b = Broden.open(root);
        List<Set<String>> patches = named(b, b.samples("train").getFirst().patchLabels(GRID));
        Set<String> scene = Set.of("kitchen", "beach");
        for (int p = 0; p < 16; p++) {
            Set<String> expected = new java.util.TreeSet<>(scene);
            switch (p) {
                case 0 -> expected.addAll(Set.of("cat", "ear", "tail"));
                case 5 -> expected.add("cat");
                case 10 -> expected.add("wheel");
                case 15 -> expected.add("dog");
                default -> {}
            }
            assertEquals(expected, patches.get(p), "patch " + p);
        }
    }

    /**
     * A non-square grid: the middle 16 × 8 band of the image (mask rows 2..5) as 2 rows of 4 patches, numbered
     * row-major with 4 columns.
     */
    @Test
    void aNonSquareGridTakesTheLabelsOfItsOwnPatches() throws Exception {
        Broden b = Broden.open(root);
        PatchGrid band = new PatchGrid(new ImageTransform.Placement(16, 16, 0, 4, 16, 8), 4);
        assertEquals(8, band.patches());
        List<Set<String>> patches = named(b, b.samples("train").getFirst().patchLabels(band));
        assertEquals(8, patches.size());
        for (int p = 0; p < 8; p++) {
            Set<String> expected = new java.util.TreeSet<>(Set.of("kitchen", "beach"));
            if (p == 1) expected.add("cat"); // mask pixels (2..3, 2..3)
            if (p == 6) expected.add("wheel"); // mask pixels (4..5, 4..5): row 1, column 2
            assertEquals(expected, patches.get(p), "patch " + p);
        }
    }

    @Test
    void nearestTakesTheLabelAtEachPatchCentre() throws Exception {
        Broden b = Broden.open(root, Broden.DEFAULT_EXCLUDED, PatchLabeling.NEAREST);
        List<Set<String>> patches = named(b, b.samples("train").getFirst().patchLabels(GRID));
        assertEquals(Set.of("kitchen", "beach", "ear", "tail"), patches.get(0));
        assertEquals(Set.of("kitchen", "beach", "cat"), patches.get(1));
        assertEquals(Set.of("kitchen", "beach", "cat"), patches.get(15));
    }

    @Test
    void colorIsKeptWhenNotExcluded() throws Exception {
        Broden b = Broden.open(root, Set.of(), PatchLabeling.MAJORITY);
        assertEquals(
                List.of("red", "blue", "cat", "dog", "ear", "tail", "kitchen", "beach", "wheel"),
                b.concepts().names());
        assertEquals(
                "color", b.concepts().categoryNames().get((int) b.concepts().categories()[0]));
        for (Set<String> patch : named(b, b.samples("train").getFirst().patchLabels(GRID)))
            assertTrue(patch.contains("red"));
        Broden noScene = Broden.open(root, Set.of("color", "scene"), PatchLabeling.MAJORITY);
        assertEquals(
                List.of("cat", "dog", "ear", "tail", "wheel"),
                noScene.concepts().names());
        assertTrue(named(noScene, noScene.samples("train").getFirst().patchLabels(GRID))
                .get(3)
                .isEmpty());
    }

    @Test
    void imageLabelsJoinWholeImageLabelsAndEveryMaskLabel() throws Exception {
        Broden b = Broden.open(root);
        assertEquals(
                List.of(Set.of("cat", "dog", "ear", "tail", "kitchen", "beach", "wheel")),
                named(b, b.samples("train").getFirst().imageLabels()));
        assertEquals(
                List.of(Set.of("dog", "kitchen")),
                named(b, b.samples("val").getFirst().imageLabels()));
    }

    @Test
    void badIndexOrMasksAreNamed() throws Exception {
        Files.writeString(
                root.resolve("index.csv"),
                "image,split,ih,iw,sh,sw,color,object,part,scene\na.png,train,16,16,8,8,,,,99\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Broden.open(root));
        assertTrue(e.getMessage().endsWith("index.csv line 2: label 99 is not in label.csv"), e.getMessage());
        Files.writeString(root.resolve("index.csv"), "image,split,ih,iw,sh,sw,weather\n");
        e = assertThrows(IllegalArgumentException.class, () -> Broden.open(root));
        assertTrue(e.getMessage().contains("column 'weather' is not a category"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> Broden.open(root, Set.of("colour"), PatchLabeling.MAJORITY));
        assertTrue(e.getMessage().contains("no category 'colour' to exclude"), e.getMessage());

        Files.writeString(
                root.resolve("index.csv"), "image,split,ih,iw,sh,sw,object\na.png,train,16,16,8,8,a_object.png\n");
        Files.write(root.resolve("images/a_object.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2});
        Broden b = Broden.open(root);
        ImageDecodeException bad = assertThrows(
                ImageDecodeException.class, () -> b.samples("train").getFirst().patchLabels(GRID));
        assertTrue(bad.getMessage().contains("a_object.png"), bad.getMessage());
    }
    /** A mask would be stretched over its image: one of another size than index.csv's sh, sw makes it unusable. */
    @Test
    void aMaskOfAnotherSizeThanTheIndexGivesIsUnusable() throws Exception {
        BufferedImage small = new BufferedImage(4, 6, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(small, "png", root.resolve("images/b_object.png").toFile());
        Broden b = Broden.open(root);
        String expected = "images/b_object.png: mask is 4x6 but index.csv line 3 gives 8x8 (sw x sh)";
        ImageDecodeException e = assertThrows(
                ImageDecodeException.class, () -> b.samples("val").getFirst().patchLabels(GRID));
        assertEquals(expected, e.getMessage());
        e = assertThrows(
                ImageDecodeException.class, () -> b.samples("val").getFirst().imageLabels());
        assertEquals(expected, e.getMessage());
        b.samples("train").getFirst().patchLabels(GRID); // the other image is unaffected
    }

    @Test
    void anIndexWithoutImagesOrWithABadMaskSizeIsRefused() throws Exception {
        Files.writeString(root.resolve("index.csv"), "image,split,ih,iw,sh,sw,color,object,part,scene\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Broden.open(root));
        assertEquals(root.resolve("index.csv") + " line 1: no images (only the header row)", e.getMessage());
        Files.writeString(
                root.resolve("index.csv"),
                "image,split,ih,iw,sh,sw,color,object,part,scene\nb.png,val,16,16,0,8,,b_object.png,,7\n");
        e = assertThrows(IllegalArgumentException.class, () -> Broden.open(root));
        assertEquals(
                root.resolve("index.csv") + " line 2: mask size sh x sw is 0x8, expected positive", e.getMessage());
    }
}
