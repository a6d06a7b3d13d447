package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.results.QualitativePanel;

class PanelsTest {
    @TempDir
    Path dir;

    /**
     * A 64 × 32 picture with a 1 × 4 patch grid: the picture keeps its shape in the 170-pixel cell (170 × 85,
     * centred), and the truth's one patch (the second of four) is coloured there and nowhere else.
     */
    @Test
    void aNonSquareGridIsDrawnOverThePictureKeepingItsShape() throws Exception {
        Path picture = dir.resolve("qualitative/test-0.png");
        Files.createDirectories(picture.getParent());
        ImageIO.write(new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB), "png", picture.toFile());
        QualitativePanel.Image image = new QualitativePanel.Image(
                "a.png",
                "qualitative/test-0.png",
                1,
                4,
                "0100",
                0.5,
                List.of(new QualitativePanel.Prediction("m", "cosine", 1, 4, "0000", 0)));
        QualitativePanel panel = new QualitativePanel(
                QualitativePanel.Kind.BEST,
                "sky",
                0.5,
                List.of(new QualitativePanel.Column("m", "cosine", "y", 1, 0.5)),
                List.of(image));
        Panels panels = new Panels(panel, dir);
        BufferedImage out = new BufferedImage(panels.width(), panels.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        panels.paint(g);
        g.dispose();
        // The truth column: x from margin 16 + cell 170 + gap 10 = 196; the row starts at 16 + 54 + 42 = 112.
        int left = 196, top = 112, cell = 170;
        int minX = Integer.MAX_VALUE, maxX = -1, minY = Integer.MAX_VALUE, maxY = -1;
        for (int y = top; y < top + cell; y++) {
            for (int x = left; x < left + cell; x++) {
                int rgb = out.getRGB(x, y), r = rgb >> 16 & 0xff, green = rgb >> 8 & 0xff;
                if (green > r + 40) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        // Picture at (196, 112 + 42) sized 170 × 85; the second of four columns spans x 196 + 42 .. 196 + 85.
        assertEquals(List.of(238, 280, 154, 238), List.of(minX, maxX, minY, maxY));
        assertTrue((out.getRGB(left + 85, top + 10) & 0xffffff) == 0xffffff, "above the picture the cell stays white");
    }
}
