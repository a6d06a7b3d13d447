package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagenetSubsetCommandTest {
    @TempDir
    Path dir;

    /** Two classes with 4 training and 2 validation files each, validation in class folders. */
    Path fakeImagenet() throws Exception {
        Path root = dir.resolve("ilsvrc");
        for (String wnid : List.of("n01443537", "n01629819")) {
            for (int i = 0; i < 4; i++)
                Files.writeString(
                        Files.createDirectories(root.resolve("train").resolve(wnid))
                                .resolve(wnid + "_" + i + ".JPEG"),
                        "t" + i);
            for (int i = 0; i < 2; i++)
                Files.writeString(
                        Files.createDirectories(root.resolve("val").resolve(wnid))
                                .resolve(wnid + "_val" + i + ".JPEG"),
                        "v" + i);
        }
        Files.writeString(dir.resolve("wnids.txt"), "n01443537\nn01629819\n");
        return root;
    }

    @Test
    void buildsTheSameSubsetForTheSameSeed() throws Exception {
        Path root = fakeImagenet();
        for (String out : List.of("a", "b")) {
            CliRunner r = CliRunner.run(
                    "imagenet-subset",
                    "--imagenet",
                    root.toString(),
                    "--out",
                    dir.resolve(out).toString(),
                    "--train-per-class",
                    "2",
                    "--test-per-class",
                    "1",
                    "--seed",
                    "6",
                    "--wnids",
                    dir.resolve("wnids.txt").toString(),
                    "--copy");
            assertEquals(0, r.status(), r.err());
        }
        assertEquals(Files.readString(dir.resolve("a/subset.tsv")), Files.readString(dir.resolve("b/subset.tsv")));
        assertEquals(1 + 2 * 3, Files.readAllLines(dir.resolve("a/subset.tsv")).size());
        assertFalse(Files.isSymbolicLink(
                dir.resolve("a/test/n01629819").toFile().listFiles()[0].toPath()));
    }

    @Test
    void missingClassesAreOneLineErrors() throws Exception {
        Path root = fakeImagenet();
        CliRunner r = CliRunner.run(
                "imagenet-subset",
                "--imagenet",
                root.toString(),
                "--out",
                dir.resolve("x").toString(),
                "--train-per-class",
                "1",
                "--test-per-class",
                "1");
        assertEquals(Main.EXIT_INPUT, r.status());
        assertTrue(r.errorLines().startsWith("vitprobe: " + root.resolve("val").resolve("n02124075")), r.err());
        assertFalse(Files.exists(dir.resolve("x")));
    }
    /** A class listed twice was counted twice in the summary but written once. */
    @Test
    void aClassListedTwiceIsNamedWithItsLine() throws Exception {
        Path root = fakeImagenet();
        Files.writeString(dir.resolve("wn3.txt"), "n01443537\n\nn01629819\n n01443537 \n");
        CliRunner r = subset(root, "2", "1", "--wnids", dir.resolve("wn3.txt").toString());
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals(
                "vitprobe: " + dir.resolve("wn3.txt") + " line 4: n01443537 listed twice (first on line 1)\n",
                r.errorLines());
        assertFalse(Files.exists(dir.resolve("sub")));
    }

    /** Tester report: a missing file showed "java.nio.file.NoSuchFileException: PATH". */
    @Test
    void aMissingWnidsFileIsNamedWithWhatIsWrong() throws Exception {
        Path missing = dir.resolve("absent.txt");
        CliRunner r = subset(fakeImagenet(), "2", "1", "--wnids", missing.toString());
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals("vitprobe: " + missing + ": no such file\n", r.errorLines());
    }

    /** Zero images per class would write an ImageFolder with empty classes or splits. */
    @Test
    void zeroImagesPerClassIsABadFlag() throws Exception {
        Path root = fakeImagenet();
        String wnids = dir.resolve("wnids.txt").toString();
        CliRunner r = subset(root, "0", "0", "--wnids", wnids);
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --train-per-class must be at least 1, got 0\nTry 'vitprobe imagenet-subset --help'.\n",
                r.errorLines());
        r = subset(root, "2", "0", "--wnids", wnids);
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --test-per-class must be at least 1, got 0\nTry 'vitprobe imagenet-subset --help'.\n",
                r.errorLines());
        assertFalse(Files.exists(dir.resolve("sub")));
        r = subset(root, "1", "1", "--wnids", wnids);
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("2 classes, 1 train and 1 test images per class"), r.out());
    }

    private CliRunner subset(Path root, String train, String test, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "imagenet-subset",
                "--imagenet",
                root.toString(),
                "--out",
                dir.resolve("sub").toString(),
                "--train-per-class",
                train,
                "--test-per-class",
                test));
        args.addAll(List.of(more));
        return CliRunner.run(args.toArray(String[]::new));
    }
}
