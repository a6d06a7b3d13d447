package vitprobe.report;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static vitprobe.report.ResultsFile.format;
import static vitprobe.report.ResultsFile.maps;

/**
 * The study's qualitative segmentation figure for one concept: a row per test image with the picture as the model
 * sees it, the ground-truth mask and the mask each model × rule predicts, at patch resolution over the picture.
 */
final class Panels {
    private static final int CELL = 170, GAP = 10, MARGIN = 16, TITLE = 54, HEADER = 42, CAPTION = 22;
    private static final Color TRUTH = new Color(0x009E73), PREDICTED = new Color(0xD55E00);
    private static final Font TITLE_FONT = Charts.TITLE, TEXT = Charts.LABEL, SMALL = Charts.TICK;

    private final Map<String, Object> panel;
    private final List<Map<String, Object>> images;
    private final List<Map<String, Object>> columns;
    private final List<BufferedImage> pictures = new ArrayList<>();

    Panels(Map<String, Object> panel, Path folder) {
        this.panel = panel;
        this.images = maps(panel.get("images"));
        this.columns = maps(panel.get("columns"));
        for (Map<String, Object> image : images) {
            Path file = folder.resolve((String) image.get("picture"));
            try {
                BufferedImage picture = ImageIO.read(file.toFile());
                if (picture == null) throw new IOException("not an image");
                pictures.add(picture);
            } catch (IOException e) {
                throw new UncheckedIOException(file + ": cannot read the panel picture (" + e.getMessage() + ")", e);
            }
        }
    }

    int width() {
        return 2 * MARGIN + (2 + columns.size()) * CELL + (1 + columns.size()) * GAP;
    }

    int height() {
        return MARGIN + TITLE + HEADER + Math.max(1, images.size()) * (CELL + CAPTION + GAP) + MARGIN;
    }

    static String title(Map<String, Object> panel) {
        return (panel.get("kind").equals("best") ? "Best" : "Worst") + "-F1 concept '" + panel.get("concept") + "'";
    }

    void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        g.setColor(Color.BLACK);
        g.setFont(TITLE_FONT);
        g.drawString(title(panel) + " · mean F1 " + format(((Number) panel.get("f1")).doubleValue()), MARGIN, MARGIN + 20);
        g.setFont(SMALL);
        g.setColor(Color.DARK_GRAY);
        g.drawString("the test images where the predicted masks overlap the truth best (IoU at patch resolution)", MARGIN, MARGIN + 38);
        int top = MARGIN + TITLE;
        g.setFont(TEXT);
        header(g, 0, "image", "(model input)");
        header(g, 1, "ground truth", "(patches)");
        for (int c = 0; c < columns.size(); c++) {
            Map<String, Object> col = columns.get(c);
            String rule = col.get("k") == null ? (String) col.get("rule") : col.get("rule") + " k=" + col.get("k");
            header(g, 2 + c, (String) col.get("model"), rule + " · " + col.get("token") + " · F1 " + format(((Number) col.get("f1")).doubleValue()));
        }
        if (images.isEmpty()) {
            g.drawString("no test image shows this concept on a whole patch", MARGIN, top + HEADER + 20);
            return;
        }
        for (int i = 0; i < images.size(); i++) {
            Map<String, Object> image = images.get(i);
            int y = top + HEADER + i * (CELL + CAPTION + GAP);
            BufferedImage picture = pictures.get(i);
            g.drawImage(picture, x(0), y, CELL, CELL, null);
            caption(g, 0, y, shortId((String) image.get("id")));
            overlay(g, picture, x(1), y, (String) image.get("truth"), ((Number) image.get("grid")).intValue(), TRUTH);
            caption(g, 1, y, "mean IoU " + format(((Number) image.get("iou")).doubleValue()));
            List<Map<String, Object>> predictions = maps(image.get("predictions"));
            for (int c = 0; c < predictions.size(); c++) {
                Map<String, Object> p = predictions.get(c);
                overlay(g, picture, x(2 + c), y, (String) p.get("mask"), ((Number) p.get("grid")).intValue(), PREDICTED);
                caption(g, 2 + c, y, "IoU " + format(((Number) p.get("iou")).doubleValue()));
            }
        }
    }

    private int x(int column) {
        return MARGIN + column * (CELL + GAP);
    }

    private void header(Graphics2D g, int column, String first, String second) {
        int y = MARGIN + TITLE;
        g.setColor(Color.BLACK);
        g.setFont(TEXT);
        centred(g, first, x(column), y + 14);
        g.setColor(Color.DARK_GRAY);
        g.setFont(SMALL);
        centred(g, second, x(column), y + 32);
    }

    private void caption(Graphics2D g, int column, int y, String text) {
        g.setColor(Color.DARK_GRAY);
        g.setFont(SMALL);
        centred(g, text, x(column), y + CELL + 16);
    }

    private static void centred(Graphics2D g, String text, int left, int baseline) {
        FontMetrics fm = g.getFontMetrics();
        String shown = text;
        while (fm.stringWidth(shown) > CELL && shown.length() > 4) shown = shown.substring(0, shown.length() - 2);
        if (!shown.equals(text)) shown = shown.substring(0, shown.length() - 1) + "…";
        g.drawString(shown, left + (CELL - fm.stringWidth(shown)) / 2, baseline);
    }

    /** The picture faded, with the mask's patches in colour on top. */
    private static void overlay(Graphics2D g, BufferedImage picture, int x, int y, String mask, int grid, Color colour) {
        g.drawImage(picture, x, y, CELL, CELL, null);
        g.setColor(new Color(255, 255, 255, 120));
        g.fillRect(x, y, CELL, CELL);
        g.setColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 165));
        for (int p = 0; p < mask.length(); p++) {
            if (mask.charAt(p) != '1') continue;
            int row = p / grid, col = p % grid;
            int x0 = x + col * CELL / grid, x1 = x + (col + 1) * CELL / grid, y0 = y + row * CELL / grid, y1 = y + (row + 1) * CELL / grid;
            g.fillRect(x0, y0, x1 - x0, y1 - y0);
        }
        g.setColor(Color.GRAY);
        g.drawRect(x, y, CELL - 1, CELL - 1);
    }

    /** The file name of an image id, which is all that fits under a picture. */
    private static String shortId(String id) {
        return id.substring(id.lastIndexOf('/') + 1);
    }
}
