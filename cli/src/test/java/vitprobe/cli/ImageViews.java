package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;

/** What the tests of the image commands (attention, pca) share: a small model, pictures, refusal checks. */
final class ImageViews {
    private ImageViews() {}

    /** The bundled transformers-layout model: D = 64, 4 heads, patch 8, 2 blocks, 224 pixels (a 28x28 grid). */
    static String model() throws Exception {
        return TokensCommandTest.bundled("hf-vit-dino-format-small").toString();
    }

    /** PNGs of random blocks of colour, of different sizes and shapes (each resized and cropped to 224x224). */
    static List<String> pictures(Path dir, String... names) throws Exception {
        Random random = new Random(names.length);
        List<String> out = new ArrayList<>();
        for (int n = 0; n < names.length; n++) {
            int width = 240 + 60 * n, height = 300 - 30 * n;
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            int[] colours = new int[64];
            for (int i = 0; i < colours.length; i++) colours[i] = random.nextInt(1 << 24);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) image.setRGB(x, y, colours[(y * 8 / height) * 8 + x * 8 / width]);
            Path file = dir.resolve(names[n]);
            ImageIO.write(image, "png", file.toFile());
            out.add(file.toString());
        }
        return out;
    }

    /** The command line: the command, then its flags, then the images. */
    static String[] args(String command, List<String> flags, List<String> images) {
        List<String> all = new ArrayList<>(List.of(command));
        all.addAll(flags);
        all.addAll(images);
        return all.toArray(String[]::new);
    }

    /**
     * The run failed with {@code status}, one error line that contains {@code says} (plus picocli's "Try ... --help"
     * for a bad flag), and left no output folder.
     */
    static void assertRefused(CliRunner r, int status, String says, Path out) {
        assertEquals(status, r.status(), r.err());
        List<String> lines = r.errorLines().lines().toList();
        assertEquals(status == Main.EXIT_USAGE ? 2 : 1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("vitprobe: ") && lines.getFirst().contains(says), r.err());
        assertFalse(Files.exists(out), out + " was created");
    }
}
