package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.testing.Chromium;
import vitprobe.weights.SafeTensors;

class PcaCommandTest {
    @TempDir
    Path dir;

    @Test
    void drawsTheComponentsOfEveryImageSideBySideWritesTheFitAndAGallery() throws Exception {
        List<String> images = ImageViews.pictures(dir, "a.png", "b.png", "c.png");
        Path out = dir.resolve("pca");
        CliRunner r = CliRunner.run(ImageViews.args(
                "pca", List.of("--model", ImageViews.model(), "--out", out.toString(), "--block", "0"), images));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("3/3 images"), r.err());
        for (String name : List.of("a", "b", "c"))
            AttentionCommandTest.assertSize(out.resolve(name + "-pca.png"), 224, 224);
        // Three pairs (picture, components) in one row; the first component of each and the colour key.
        AttentionCommandTest.assertSize(out.resolve("pca.png"), 8 + 6 * 232, 28 + 252 + 8);
        AttentionCommandTest.assertSize(out.resolve("first-component.png"), 8 + 4 * 232, 28 + 252 + 8);
        try (SafeTensors st = SafeTensors.open(out.resolve("pca.safetensors"))) {
            assertArrayEquals(new long[] {64}, st.tensor("mean").shape());
            assertArrayEquals(new long[] {3, 64}, st.tensor("components").shape());
            assertEquals("y_norm", st.metadata().get("tokens"));
            assertEquals("0", st.metadata().get("block"));
            assertFalse(st.names().contains("background_component"));
        }
        Chromium.assertRendersWithAllImages(out.resolve("index.html"), 5);
    }

    @Test
    void removesTheBackgroundOnTheChosenSideOfTheThreshold() throws Exception {
        List<String> images = ImageViews.pictures(dir, "a.png", "b.png");
        Path out = dir.resolve("pca");
        CliRunner r = CliRunner.run(ImageViews.args(
                "pca",
                List.of(
                        "--model",
                        ImageViews.model(),
                        "--out",
                        out.toString(),
                        "--tokens",
                        "k",
                        "--background-threshold",
                        "0.6",
                        "--background-above"),
                images));
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(out.resolve("pca.safetensors"))) {
            assertEquals("k", st.metadata().get("tokens"));
            assertEquals("first component above 0.6", st.metadata().get("background"));
            assertArrayEquals(new long[] {64}, st.tensor("background_component").shape());
        }
        assertTrue(Files.readString(out.resolve("index.html")).contains("above 0.6"));
    }

    @Test
    void refusesBadFlagsAndBadImagesWithOneLineAndWritesNothing() throws Exception {
        List<String> images = ImageViews.pictures(dir, "a.png");
        Path out = dir.resolve("pca");
        List<String> common = List.of("--model", ImageViews.model(), "--out", out.toString());
        record Case(List<String> flags, String says) {}
        for (Case c : List.of(
                new Case(List.of("--tokens", "attn"), "--tokens attn is not a feature per token"),
                new Case(List.of("--tokens", "keys"), "--tokens: unknown intermediate 'keys'"),
                new Case(List.of("--background-threshold", "1.2"), "must be in [0, 1], got 1.2"),
                new Case(List.of("--background-above"), "--background-above needs --background-threshold"),
                new Case(List.of("--block", "5"), "--block: block 5 is outside the model's 2 blocks"))) {
            CliRunner r = CliRunner.run(ImageViews.args(
                    "pca", Stream.concat(common.stream(), c.flags().stream()).toList(), images));
            ImageViews.assertRefused(r, Main.EXIT_USAGE, c.says(), out);
        }
        Path corrupt = dir.resolve("corrupt.jpg");
        Files.write(corrupt, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1});
        CliRunner bad = CliRunner.run(ImageViews.args("pca", common, List.of(corrupt.toString(), images.getFirst())));
        ImageViews.assertRefused(bad, Main.EXIT_INPUT, corrupt.toString(), out);
    }

    @Test
    void aThresholdThatLeavesNoForegroundFailsWithOneLineBeforeAnyPicture() throws Exception {
        List<String> images = ImageViews.pictures(dir, "a.png");
        Path out = dir.resolve("pca");
        CliRunner r = CliRunner.run(ImageViews.args(
                "pca",
                List.of("--model", ImageViews.model(), "--out", out.toString(), "--background-threshold", "1"),
                images));
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals(1, r.errorLines().lines().count(), r.err());
        assertTrue(r.errorLines().contains("leaves 1 of 784 patches as foreground"), r.err());
        // No picture, no fit, no page, and not the folder the run made (a lone lock file was left before).
        assertFalse(Files.exists(out), "nothing written");
    }
}
