package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.FolderLock;
import vitprobe.testing.Chromium;
import vitprobe.weights.SafeTensors;

class AttentionCommandTest {
    @TempDir
    Path dir;

    @Test
    void drawsMapsAndMasksPerImageWritesTheMapsAndAGallery() throws Exception {
        List<String> images = ImageViews.pictures(dir, "wide.png", "square.png");
        Path out = dir.resolve("maps");
        CliRunner r = CliRunner.run(ImageViews.args(
                "attention",
                List.of("--model", ImageViews.model(), "--out", out.toString(), "--keep", "0.5", "--batch", "1"),
                images));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("2/2 images"), r.err()); // the progress bar
        for (String name : List.of("wide", "square")) {
            // The picture, 4 heads, their mean and the colour key in rows of 5 tiles of 224 pixels; 5 mask tiles.
            assertSize(out.resolve(name + "-attention.png"), 8 + 5 * 232, 28 + 2 * 252 + 8);
            assertSize(out.resolve(name + "-masks.png"), 8 + 5 * 232, 28 + 252 + 8);
        }
        try (SafeTensors st = SafeTensors.open(out.resolve("attention.safetensors"))) {
            assertArrayEquals(new long[] {2, 4, 28, 28}, st.tensor("attention").shape());
            assertEquals("1", st.metadata().get("block")); // -1: the last of 2
            float[] maps = st.tensor("attention").toFloatArray();
            for (int head = 0; head < 8; head++) {
                double sum = 0;
                for (int p = 0; p < 784; p++) sum += maps[head * 784 + p];
                assertTrue(sum > 0 && sum < 1, "[CLS] attention to the patches of map " + head + ": " + sum);
            }
        }
        Path page = out.resolve("index.html");
        assertTrue(Files.readString(page).contains("50%"));
        Chromium.assertRendersWithAllImages(page, 4);
    }

    /** Tester report: a picture too wide for --keep-aspect was "a 4000x10 image" in the error, not its file. */
    @Test
    void aPictureTooWideForItsInputIsNamed() throws Exception {
        Path thin = dir.resolve("thin.png");
        ImageIO.write(new BufferedImage(4000, 10, BufferedImage.TYPE_INT_RGB), "png", thin.toFile());
        CliRunner r = CliRunner.run(
                "attention",
                "--model",
                ImageViews.model(),
                "--out",
                dir.resolve("maps").toString(),
                "--image-size",
                "224",
                "--keep-aspect",
                thin.toString());
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().startsWith("vitprobe: " + thin + ": would become a "), r.err());
        assertTrue(r.err().endsWith(" input, over 4096 pixels on a side\n"), r.err());
    }

    /**
     * Two runs both saw no output folder and the other one locked it first: this run's cleanup deleted the other's
     * lock file (and with it the folder), so that a third writer could lock a new one.
     */
    @Test
    void aRunThatLosesTheLockLeavesTheWinnersFolderAndLockFile() throws Exception {
        List<String> images = ImageViews.pictures(dir, "wide.png");
        Path out = dir.resolve("maps");
        List<FolderLock> winner = new ArrayList<>();
        ImageViewCommand.beforeLock = () -> {
            try {
                winner.add(FolderLock.acquire(out));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        try {
            CliRunner r = CliRunner.run(ImageViews.args(
                    "attention", List.of("--model", ImageViews.model(), "--out", out.toString()), images));
            assertTrue(r.status() != 0 && r.err().contains(out + " is being written by process"), r.err());
            assertTrue(Files.exists(out.resolve(FolderLock.FILE)), "the winner's lock file is kept");
        } finally {
            ImageViewCommand.beforeLock = () -> {};
            for (FolderLock lock : winner) lock.close();
        }
    }

    /** The testers' case: a rerun with fewer images left the pictures of the image no longer given. */
    @Test
    void aRerunIntoTheSameFolderLeavesOnlyItsOwnOutput() throws Exception {
        List<String> images = ImageViews.pictures(dir, "wide.png", "square.png");
        Path out = Files.createDirectories(dir.resolve("maps"));
        Files.writeString(out.resolve("notes.txt"), "the user's");
        for (List<String> given : List.of(images, images.subList(0, 1))) {
            CliRunner r = CliRunner.run(ImageViews.args(
                    "attention", List.of("--model", ImageViews.model(), "--out", out.toString()), given));
            assertEquals(0, r.status(), r.err());
        }
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(
                    List.of(
                            ".vitprobe.lock",
                            ".vitprobe.published",
                            "attention.safetensors",
                            "index.html",
                            "notes.txt",
                            "wide-attention.png",
                            "wide-masks.png"),
                    files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void runsAtAnotherInputSizeAndRefusesOneThatIsNotAMultipleOfThePatch() throws Exception {
        List<String> images = ImageViews.pictures(dir, "wide.png");
        Path out = dir.resolve("maps");
        CliRunner r = CliRunner.run(ImageViews.args(
                "attention",
                List.of("--model", ImageViews.model(), "--out", out.toString(), "--image-size", "112,168"),
                images));
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(out.resolve("attention.safetensors"))) {
            assertArrayEquals(new long[] {1, 4, 14, 21}, st.tensor("attention").shape());
        }
        CliRunner bad = CliRunner.run(ImageViews.args(
                "attention",
                List.of(
                        "--model",
                        ImageViews.model(),
                        "--out",
                        dir.resolve("bad").toString(),
                        "--image-size",
                        "100"),
                images));
        ImageViews.assertRefused(bad, Main.EXIT_USAGE, "--image-size", dir.resolve("bad"));
    }

    @Test
    void refusesBadFlagsAndBadImagesWithOneLineAndWritesNothing() throws Exception {
        List<String> images = ImageViews.pictures(dir, "a.png");
        Path out = dir.resolve("maps");
        List<String> common = List.of("--model", ImageViews.model(), "--out", out.toString());
        for (String keep : List.of("0", "1.5", "-0.2", "NaN")) {
            CliRunner r = CliRunner.run(ImageViews.args(
                    "attention",
                    List.of("--model", ImageViews.model(), "--out", out.toString(), "--keep", keep),
                    images));
            ImageViews.assertRefused(
                    r, Main.EXIT_USAGE, "--keep: the share of attention to keep must be in (0, 1]", out);
        }
        for (String block : List.of("2", "-3")) {
            CliRunner r = CliRunner.run(ImageViews.args(
                    "attention",
                    List.of("--model", ImageViews.model(), "--out", out.toString(), "--block", block),
                    images));
            ImageViews.assertRefused(
                    r, Main.EXIT_USAGE, "--block: block " + block + " is outside the model's 2 blocks", out);
        }
        Path corrupt = dir.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        CliRunner bad =
                CliRunner.run(ImageViews.args("attention", common, List.of(images.getFirst(), corrupt.toString())));
        ImageViews.assertRefused(bad, Main.EXIT_INPUT, corrupt.toString(), out);
        CliRunner missing = CliRunner.run(ImageViews.args(
                "attention", common, List.of(dir.resolve("nope.png").toString())));
        ImageViews.assertRefused(missing, Main.EXIT_INPUT, "nope.png", out);
    }

    static void assertSize(Path png, int width, int height) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(width + "x" + height, image.getWidth() + "x" + image.getHeight(), png.toString());
    }
}
