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
}
