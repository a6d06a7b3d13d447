package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.jfree.svg.SVGGraphics2D;
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
        Panels panels = oneColumn(64, 32, 4, "0100", 0.5, "0000", 0);
        BufferedImage out = new BufferedImage(panels.width(), panels.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        panels.paint(g);
        g.dispose();
        // The truth column: x from margin 16 + cell 170 + gap 10 = 196; the row starts at 16 + 54 + 42 = 112, one
        // 16-pixel line lower as the subtitle takes two lines in a figure of one column.
        int left = 196, top = 128, cell = 170;
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
        // Picture at (196, 128 + 42) sized 170 × 85; the second of four columns spans x 196 + 42 .. 196 + 85.
        assertEquals(List.of(238, 280, 170, 254), List.of(minX, maxX, minY, maxY));
        assertTrue((out.getRGB(left + 85, top + 10) & 0xffffff) == 0xffffff, "above the picture the cell stays white");
    }

    /** A text the panel drew: where it starts, at which baseline, and its width in the font it was drawn in. */
    private record Drawn(String text, double x, double y, int width) {}

    private static final Pattern TEXT =
            Pattern.compile("<text x='([-\\d.]+)' y='([-\\d.]+)' style='([^']*)'[^>]*>([^<]*)</text>");

    /** Paints the panel into an SVG and reads back every text, measured with the fonts the panel uses. */
    private static List<Drawn> texts(Panels panels) {
        SVGGraphics2D svg = new SVGGraphics2D(panels.width(), panels.height());
        panels.paint(svg);
        FontMetrics[] metrics = new FontMetrics[3];
        Graphics2D g = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        List<Font> fonts = List.of(Charts.TITLE, Charts.LABEL, Charts.TICK);
        for (int i = 0; i < 3; i++) metrics[i] = g.getFontMetrics(fonts.get(i));
        g.dispose();
        List<Drawn> out = new ArrayList<>();
        Matcher m = TEXT.matcher(svg.getSVGElement());
        while (m.find()) {
            String style = m.group(3), text = m.group(4).replace("&apos;", "'").replace("&amp;", "&");
            int font = style.contains("bold") ? 0 : style.contains("font-size: 13") ? 1 : 2;
            out.add(new Drawn(
                    text,
                    Double.parseDouble(m.group(1)),
                    Double.parseDouble(m.group(2)),
                    metrics[font].stringWidth(text)));
        }
        return out;
    }

    /**
     * The panel of concept "sky" with one model × rule column and one test picture of the given size, whose patch grid
     * is one row of {@code columns}, with the truth and the predicted mask as patch strings ("0100").
     */
    private Panels oneColumn(
            int width, int height, int columns, String truth, double iou, String predicted, double predictedIou)
            throws Exception {
        Path picture = dir.resolve("qualitative/test-0.png");
        Files.createDirectories(picture.getParent());
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", picture.toFile());
        QualitativePanel.Image image = new QualitativePanel.Image(
                "a.png",
                "qualitative/test-0.png",
                1,
                columns,
                truth,
                iou,
                List.of(new QualitativePanel.Prediction("m", "cosine", 1, columns, predicted, predictedIou)));
        QualitativePanel panel = new QualitativePanel(
                QualitativePanel.Kind.BEST,
                "sky",
                0.5,
                List.of(new QualitativePanel.Column("m", "cosine", "y", 1, 0.5)),
                List.of(image));
        return new Panels(panel, dir);
    }

    private static int indexOf(List<Drawn> texts, String text) {
        for (int i = 0; i < texts.size(); i++) if (texts.get(i).text().equals(text)) return i;
        throw new AssertionError("no text '" + text + "' in " + texts);
    }

    /**
     * Tester report: with one model × rule column (a figure 562 pixels wide) the PNG cut the subtitle off at "IoU
     * at patch resolu"; the SVG showed it whole. The subtitle is wrapped within the figure's margins, in both.
     */
    @Test
    void theSubtitleIsWrappedWithinAFigureOfOneColumn() throws Exception {
        Panels panels = oneColumn(32, 32, 1, "1", 0.25, "1", 0.125);
        assertEquals(562, panels.width());
        List<Drawn> texts = texts(panels);
        List<Drawn> subtitle = texts.subList(1, indexOf(texts, "image"));
        assertEquals(
                "the test images where the predicted masks overlap the truth best (IoU at patch resolution)",
                String.join(" ", subtitle.stream().map(Drawn::text).toList()));
        for (Drawn t : subtitle) assertTrue(t.x() + t.width() <= panels.width() - 16, "inside the margin: " + t);
        Drawn header = texts.get(indexOf(texts, "image"));
        assertTrue(header.y() > subtitle.getLast().y() + 10, "the headers below the subtitle: " + header);
    }

    /**
     * Tester report: a long concept name ran the title off the figure, and a long column header cut the F1 number.
     * The numbers stay whole; the names give way, with an ellipsis.
     */
    @Test
    void longNamesAreShortenedAndTheNumbersShownWhole() throws Exception {
        Path picture = dir.resolve("qualitative/test-0.png");
        Files.createDirectories(picture.getParent());
        ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "png", picture.toFile());
        String concept = "a-very-long-concept-name-".repeat(6), model = "a-model-with-a-long-name-".repeat(3);
        QualitativePanel.Image image = new QualitativePanel.Image(
                "a.png",
                "qualitative/test-0.png",
                1,
                1,
                "1",
                0.25,
                List.of(new QualitativePanel.Prediction(model, "cosine", 1, 1, "1", 0.125)));
        QualitativePanel panel = new QualitativePanel(
                QualitativePanel.Kind.WORST,
                concept,
                0.375,
                List.of(new QualitativePanel.Column(model, "cosine", "mlp_hidden_with_a_long_suffix", 20, 0.6875)),
                List.of(image));
        Panels panels = new Panels(panel, dir);
        List<Drawn> texts = texts(panels);
        Drawn title = texts.getFirst();
        assertTrue(title.text().startsWith("Worst-F1 concept 'a-very-long"), title.text());
        assertTrue(title.text().endsWith("…' · mean F1 0.375"), title.text());
        assertTrue(title.x() + title.width() <= panels.width() - 16, "title inside the margin: " + title);
        List<Drawn> columnTexts = texts.subList(indexOf(texts, "image"), texts.size());
        assertTrue(columnTexts.stream().anyMatch(t -> t.text().endsWith("… · F1 0.688")), columnTexts.toString());
        assertTrue(columnTexts.stream()
                .anyMatch(t -> t.text().startsWith("a-model-with") && t.text().endsWith("…")));
        for (Drawn t : columnTexts) assertTrue(t.width() <= 170, "wider than its 170-pixel column: " + t);
    }
}
