package vitprobe.report;

import static vitprobe.report.ResultsFile.format;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import vitprobe.results.CellKey;
import vitprobe.results.QualitativePanel;

/**
 * The study's qualitative segmentation figure for one concept: a row per test image with the picture as the model
 * sees it, the ground-truth mask and the mask each model × rule predicts, at patch resolution over the picture.
 */
final class Panels {
    private static final int CELL = 170, GAP = 10, MARGIN = 16, TITLE = 54, HEADER = 42, CAPTION = 22, LINE = 16;
    private static final String SUBTITLE =
            "the test images where the predicted masks overlap the truth best (IoU at patch resolution)";
    private static final Color TRUTH = new Color(0x009E73), PREDICTED = new Color(0xD55E00);
    private static final Font TITLE_FONT = Charts.TITLE, TEXT = Charts.LABEL, SMALL = Charts.TICK;

    private final QualitativePanel panel;
    private final List<QualitativePanel.Image> images;
    private final List<QualitativePanel.Column> columns;
    private final List<BufferedImage> pictures = new ArrayList<>();
    /** The subtitle in lines that fit the figure, the same in the PNG and the SVG. */
    private final List<String> subtitle;

    Panels(QualitativePanel panel, Path folder) {
        this.panel = panel;
        this.images = panel.images();
        this.columns = panel.columns();
        Graphics2D scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        this.subtitle = TextFit.wrap(scratch.getFontMetrics(SMALL), SUBTITLE, width() - 2 * MARGIN);
        scratch.dispose();
        for (QualitativePanel.Image image : images) {
            Path file = folder.resolve(image.picture());
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
        return MARGIN + titleHeight() + HEADER + Math.max(1, images.size()) * (CELL + CAPTION + GAP) + MARGIN;
    }

    /** The title and the subtitle, one line taller for each line the subtitle wraps onto. */
    private int titleHeight() {
        return TITLE + (subtitle.size() - 1) * LINE;
    }

    static String title(QualitativePanel panel) {
        return titleStart(panel) + panel.concept() + "'";
    }

    private static String titleStart(QualitativePanel panel) {
        return (panel.kind() == QualitativePanel.Kind.BEST ? "Best" : "Worst") + "-F1 concept '";
    }

    void paint(Graphics2D g) {
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width(), height());
        g.setColor(Color.BLACK);
        g.setFont(TITLE_FONT);
        String f1 = "' · mean F1 " + format(panel.f1());
        String title = TextFit.fit(g.getFontMetrics(), titleStart(panel), panel.concept(), f1, width() - 2 * MARGIN);
        g.drawString(title, MARGIN, MARGIN + 20);
        g.setFont(SMALL);
        g.setColor(Color.DARK_GRAY);
        for (int i = 0; i < subtitle.size(); i++) g.drawString(subtitle.get(i), MARGIN, MARGIN + 38 + i * LINE);
        int top = MARGIN + titleHeight();
        g.setFont(TEXT);
        header(g, 0, "image", "(model input)", "");
        header(g, 1, "ground truth", "(patches)", "");
        for (int c = 0; c < columns.size(); c++) {
            QualitativePanel.Column col = columns.get(c);
            String rule = CellKey.ruleLabel(col.rule(), col.k());
            header(g, 2 + c, col.model(), rule + " · " + col.token(), " · F1 " + format(col.f1()));
        }
        if (images.isEmpty()) {
            g.drawString("no test image shows this concept on a whole patch", MARGIN, top + HEADER + 20);
            return;
        }
        for (int i = 0; i < images.size(); i++) {
            QualitativePanel.Image image = images.get(i);
            int y = top + HEADER + i * (CELL + CAPTION + GAP);
            BufferedImage picture = pictures.get(i);
            Fit at = Fit.of(picture, x(0), y);
            g.drawImage(picture, at.x, at.y, at.width, at.height, null);
            caption(g, 0, y, shortId(image.id()));
            overlay(g, picture, x(1), y, image.truth(), image.grid(), image.columns(), TRUTH);
            caption(g, 1, y, "mean IoU " + format(image.iou()));
            List<QualitativePanel.Prediction> predictions = image.predictions();
            for (int c = 0; c < predictions.size(); c++) {
                QualitativePanel.Prediction p = predictions.get(c);
                overlay(g, picture, x(2 + c), y, p.mask(), p.grid(), p.columns(), PREDICTED);
                caption(g, 2 + c, y, "IoU " + format(p.iou()));
            }
        }
    }

    private int x(int column) {
        return MARGIN + column * (CELL + GAP);
    }

    /** A column's name over its second line, where only {@code second} gives way to keep {@code number} whole. */
    private void header(Graphics2D g, int column, String first, String second, String number) {
        int y = MARGIN + titleHeight();
        g.setColor(Color.BLACK);
        g.setFont(TEXT);
        centred(g, TextFit.fit(g.getFontMetrics(), first, CELL), x(column), y + 14);
        g.setColor(Color.DARK_GRAY);
        g.setFont(SMALL);
        centred(g, TextFit.fit(g.getFontMetrics(), "", second, number, CELL), x(column), y + 32);
    }

    private void caption(Graphics2D g, int column, int y, String text) {
        g.setColor(Color.DARK_GRAY);
        g.setFont(SMALL);
        centred(g, TextFit.fit(g.getFontMetrics(), text, CELL), x(column), y + CELL + 16);
    }

    private static void centred(Graphics2D g, String text, int left, int baseline) {
        g.drawString(text, left + (CELL - g.getFontMetrics().stringWidth(text)) / 2, baseline);
    }

    /** Where a picture goes in the cell at (x, y): the whole cell when square, else centred keeping its shape. */
    private record Fit(int x, int y, int width, int height) {
        static Fit of(BufferedImage picture, int x, int y) {
            int w = picture.getWidth(), h = picture.getHeight();
            if (w == h) return new Fit(x, y, CELL, CELL);
            int width = (int) Math.round((double) CELL * w / Math.max(w, h));
            int height = (int) Math.round((double) CELL * h / Math.max(w, h));
            return new Fit(x + (CELL - width) / 2, y + (CELL - height) / 2, width, height);
        }
    }

    /** The picture faded, with the mask's patches (rows × columns, row-major) in colour on top. */
    private static void overlay(
            Graphics2D g, BufferedImage picture, int x, int y, String mask, int rows, int columns, Color colour) {
        Fit at = Fit.of(picture, x, y);
        g.drawImage(picture, at.x, at.y, at.width, at.height, null);
        g.setColor(new Color(255, 255, 255, 120));
        g.fillRect(at.x, at.y, at.width, at.height);
        g.setColor(new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), 165));
        for (int p = 0; p < mask.length(); p++) {
            if (mask.charAt(p) != '1') continue;
            int row = p / columns, col = p % columns;
            int x0 = at.x + col * at.width / columns,
                    x1 = at.x + (col + 1) * at.width / columns,
                    y0 = at.y + row * at.height / rows,
                    y1 = at.y + (row + 1) * at.height / rows;
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
