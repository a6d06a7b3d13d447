package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fake ILSVRC-2012 tree (file names only matter): three classes, 12 training and 6 validation files each; the
 * validation set both flat with LOC_val_solution.csv (Kaggle's nesting) and in class folders.
 */
class ImagenetSubsetTest {
    static final List<String> WNIDS = ImagenetSubset.tinyImagenetWnids().subList(0, 3);

    @TempDir
    Path dir;

    Path flat, folders;

    @BeforeEach
    void fakeImagenet() throws Exception {
        flat = dir.resolve("kaggle/ILSVRC/Data/CLS-LOC");
        folders = dir.resolve("classic");
        StringBuilder solution = new StringBuilder("ImageId,PredictionString\n");
        int val = 0;
        for (String wnid : WNIDS) {
            for (Path root : List.of(flat, folders)) {
                Path train = Files.createDirectories(root.resolve("train").resolve(wnid));
                for (int i = 0; i < 12; i++) Files.writeString(train.resolve(wnid + "_" + i + ".JPEG"), wnid + i);
            }
            for (int i = 0; i < 6; i++, val++) {
                String id = String.format("ILSVRC2012_val_%08d", val * 7 % 50 + 1);
                Files.writeString(Files.createDirectories(flat.resolve("val")).resolve(id + ".JPEG"), id);
                Files.writeString(
                        Files.createDirectories(folders.resolve("val").resolve(wnid))
                                .resolve(id + ".JPEG"),
                        id);
                solution.append(id)
                        .append(',')
                        .append(wnid)
                        .append(" 1 2 3 4 ")
                        .append(wnid)
                        .append(" 5 6 7 8\n");
            }
        }
        Files.writeString(dir.resolve("kaggle/LOC_val_solution.csv"), solution);
    }

    static Map<String, List<String>> names(ImagenetSubset.Choice c, String split) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        c.splits()
                .get(split)
                .forEach((wnid, files) -> out.put(
                        wnid,
                        files.stream().map(p -> p.getFileName().toString()).toList()));
        return out;
    }

    @Test
    void theWnidListIsTheTwoHundredTinyImagenetClasses() {
        List<String> all = ImagenetSubset.tinyImagenetWnids();
        assertEquals(200, all.size());
        assertEquals(200, all.stream().distinct().count());
        assertTrue(all.stream().allMatch(w -> w.matches("n\\d{8}")));
    }

    @Test
    void theChoiceIsDeterministicBySeedAndSizedAsAsked() {
        ImagenetSubset.Choice a = ImagenetSubset.choose(flat, WNIDS, 5, 2, 42, null);
        ImagenetSubset.Choice b = ImagenetSubset.choose(flat, WNIDS, 5, 2, 42, null);
        ImagenetSubset.Choice other = ImagenetSubset.choose(flat, WNIDS, 5, 2, 43, null);
        assertEquals(names(a, "train"), names(b, "train"));
        assertEquals(names(a, "test"), names(b, "test"));
        assertNotEquals(names(a, "train"), names(other, "train"));
        for (String wnid : WNIDS) {
            List<String> train = names(a, "train").get(wnid);
            assertEquals(5, train.stream().distinct().count());
            assertTrue(train.stream().allMatch(n -> n.startsWith(wnid + "_")));
            assertEquals(2, names(a, "test").get(wnid).size());
        }
    }

    @Test
    void flatValidationWithTheSolutionFileMatchesClassFolders() {
        assertEquals(
                names(ImagenetSubset.choose(flat, WNIDS, 3, 4, 9, null), "test"),
                names(ImagenetSubset.choose(folders, WNIDS, 3, 4, 9, null), "test"));
        Map<String, List<String>> test = names(ImagenetSubset.choose(flat, WNIDS, 0, 6, 9, null), "test");
        assertEquals(18, test.values().stream().flatMap(List::stream).distinct().count());
    }

    @Test
    void tooFewImagesOrAMissingClassAreNamed() throws Exception {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ImagenetSubset.choose(flat, WNIDS, 13, 1, 0, null));
        assertTrue(e.getMessage().contains("12 images, fewer than the 13 per class"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> ImagenetSubset.choose(
                        flat, List.of("n00000000"), 1, 1, 0, dir.resolve("kaggle/LOC_val_solution.csv")));
        assertTrue(e.getMessage().contains("n00000000: class folder missing"), e.getMessage());
    }

    @Test
    void aClassListedTwiceIsRefused() {
        List<String> twice = List.of(WNIDS.getFirst(), WNIDS.get(1), WNIDS.getFirst());
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ImagenetSubset.choose(folders, twice, 1, 1, 0, null));
        assertEquals("class " + WNIDS.getFirst() + " is listed twice", e.getMessage());
    }

    @Test
    void theSubsetIsWrittenAsAnImageFolderOfLinks() throws Exception {
        ImagenetSubset.Choice c = ImagenetSubset.choose(folders, WNIDS, 2, 1, 5, null);
        Path out = dir.resolve("subset");
        ImagenetSubset.write(c, out, false);
        ImageFolder f = ImageFolder.open(out);
        assertEquals(List.of("train", "test"), f.splits());
        assertEquals(WNIDS.stream().sorted().toList(), f.concepts().names());
        assertEquals(6, f.samples("train").size());
        Path link = out.resolve("train")
                .resolve(WNIDS.getFirst())
                .resolve(
                        c.splits().get("train").get(WNIDS.getFirst()).getFirst().getFileName());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals(
                Files.readString(c.splits().get("train").get(WNIDS.getFirst()).getFirst()), Files.readString(link));
        assertEquals(1 + 9, Files.readAllLines(out.resolve("subset.tsv")).size());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ImagenetSubset.write(c, out, true));
        assertTrue(e.getMessage().contains("not an empty folder"), e.getMessage());
    }
}
