package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tester report: with stderr in a file the log filled with \r frames, and tokens drew a bar of its own. */
class ProgressOutputTest {
    @TempDir
    Path dir;

    @Test
    void withoutATerminalTokensAndAttentionPrintPlainProgressLines() throws Exception {
        Path image = dir.resolve("grey.png");
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        String model = TokensCommandTest.bundled("hf-vit-dino-format-small").toString();
        CliRunner tokens = CliRunner.run(
                "tokens",
                "--model",
                model,
                "--out",
                dir.resolve("t.safetensors").toString(),
                image.toString());
        CliRunner attention = CliRunner.run(
                "attention", "--model", model, "--out", dir.resolve("att").toString(), image.toString());
        for (CliRunner r : new CliRunner[] {tokens, attention}) {
            assertEquals(0, r.status(), r.err());
            assertFalse(r.err().contains("\r"), r.err());
            assertTrue(r.err().lines().anyMatch(l -> l.startsWith("1/1 images (100 %)  ")), r.err());
        }
    }
}
