package vitprobe.views;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.AtomicFiles;
import vitprobe.report.TextFit;

/** The pictures the views draw: maps and masks over the model's input picture, sheets of captioned tiles, PNGs. */
public final class Pictures {
    static {
        // Everything is drawn offscreen; without this a machine with no display may try to open one.
        System.setProperty("java.awt.headless", "true");
    }

    /** Distinct colours for masks of different concepts (Okabe and Ito's palette, then a few more). */
    public static final List<Color> PALETTE = List.of(
            new Color(0xE69F00),
            new Color(0x56B4E9),
            new Color(0x009E73),
            new Color(0xF0E442),
            new Color(0x0072B2),
            new Color(0xD55E00),
            new Color(0xCC79A7),
            new Color(0x999999),
            new Color(0x8C564B),
            new Color(0x17BECF));

    private static final Font CAPTION = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final int GAP = 8, CAPTION_HEIGHT = 20, TITLE_HEIGHT = 28, TITLE_LINE = 21;
    private static final int SWATCH = 14, LEGEND_LINE = 22, LEGEND_MIN_WIDTH = 120, LEGEND_MAX_WIDTH = 320;

    private Pictures() {}

    public static BufferedImage of(RgbImage picture) {
        BufferedImage out = new BufferedImage(picture.width(), picture.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < picture.height(); y++) {
            for (int x = 0; x < picture.width(); x++) {
                out.setRGB(x, y, picture.get(x, y, 0) << 16 | picture.get(x, y, 1) << 8 | picture.get(x, y, 2));
            }
        }
        return out;
    }

    /** The map (values in [0, 1]) upsampled over the picture in viridis, blended with weight {@code alpha}. */
    public static BufferedImage heatmap(RgbImage picture, PatchMap map, float alpha) {
        float[] values = map.upsample(picture.height(), picture.width());
        BufferedImage out = of(picture);
        for (int y = 0; y < picture.height(); y++) {
            for (int x = 0; x < picture.width(); x++) {
                out.setRGB(x, y, blend(out.getRGB(x, y), Colormap.viridis(values[y * picture.width() + x]), alpha));
            }
        }
        return out;
    }

    /** A mask of the picture's pixels in a colour, blended with weight {@code alpha}. */
    public record Mask(boolean[] pixels, Color color) {}

    /** The masks painted over the picture in order, later ones on top. */
    public static BufferedImage masks(RgbImage picture, List<Mask> masks, float alpha) {
        BufferedImage out = of(picture);
        for (Mask m : masks) {
            if (m.pixels().length != picture.width() * picture.height())
                throw new IllegalArgumentException("a mask of " + m.pixels().length + " pixels for a " + picture.width()
                        + "x" + picture.height() + " picture");
            for (int y = 0; y < picture.height(); y++) {
                for (int x = 0; x < picture.width(); x++) {
                    if (m.pixels()[y * picture.width() + x])
                        out.setRGB(x, y, blend(out.getRGB(x, y), m.color().getRGB(), alpha));
                }
            }
        }
        return out;
    }

    /** Three maps (values in [0, 1]) as the red, green and blue of a picture, one flat colour per patch. */
    public static BufferedImage rgb(PatchMap red, PatchMap green, PatchMap blue, int height, int width) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            int row = y * red.rows() / height;
            for (int x = 0; x < width; x++) {
                int col = x * red.cols() / width;
                out.setRGB(
                        x, y, channel(red, row, col) << 16 | channel(green, row, col) << 8 | channel(blue, row, col));
            }
        }
        return out;
    }

    /** The pixels of a height × width picture that lie in the chosen patches of a rows × cols grid. */
    public static boolean[] patchPixels(boolean[] patches, int rows, int cols, int height, int width) {
        if (patches.length != rows * cols)
            throw new IllegalArgumentException(patches.length + " patch flags for a " + rows + "x" + cols + " grid");
        boolean[] out = new boolean[height * width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) out[y * width + x] = patches[(y * rows / height) * cols + x * cols / width];
        }
        return out;
    }

    /**
     * The key to viridis maps, a tile for a sheet: a colour bar from {@code low} (bottom) to {@code high} (top),
     * labelled beside its ends, on white.
     */
    public static BufferedImage viridisKey(int width, int height, String high, String low) {
        return drawn(width, height, List.of(), g -> {
            int bar = Math.min(24, width / 4), top = GAP, bottom = height - GAP;
            for (int y = top; y < bottom; y++) {
                g.setColor(new Color(Colormap.viridis((float) (bottom - 1 - y) / Math.max(1, bottom - top - 1))));
                g.fillRect(GAP, y, bar, 1);
            }
            g.setColor(Color.BLACK);
            int textX = 2 * GAP + bar, textWidth = width - textX - GAP;
            g.drawString(
                    TextFit.fit(g.getFontMetrics(), high, textWidth),
                    textX,
                    top + g.getFontMetrics().getAscent());
            g.drawString(TextFit.fit(g.getFontMetrics(), low, textWidth), textX, bottom);
        });
    }

    private static int channel(PatchMap map, int row, int col) {
        return Math.round(Math.clamp(map.at(row, col), 0f, 1f) * 255);
    }

    static int blend(int under, int over, float alpha) {
        int rgb = 0;
        for (int shift = 16; shift >= 0; shift -= 8) {
            float mixed = ((under >> shift) & 0xff) * (1 - alpha) + ((over >> shift) & 0xff) * alpha;
            rgb |= Math.round(mixed) << shift;
        }
        return rgb;
    }

    /**
     * A captioned picture of a sheet: where the caption is wider than the picture, {@code caption} is cut with an
     * ellipsis and {@code tail} (a number, say) kept whole.
     */
    public record Tile(BufferedImage image, String caption, String tail) {
        public Tile(BufferedImage image, String caption) {
            this(image, caption, "");
        }
    }

    /**
     * How many tiles a row of a sheet may hold so that a row is no wider than {@code squares} square cells of its
     * height: {@code squares} for square (or tall) tiles, fewer for wide ones, at least one. A page shrinks a wide
     * sheet to its width, so this keeps captions readable.
     */
    public static int columnsFor(List<Tile> tiles, int squares) {
        int rowHeight = cellHeight(tiles) + CAPTION_HEIGHT + GAP;
        return (int) Math.clamp((long) squares * rowHeight / (cellWidth(tiles) + GAP), 1, squares);
    }

    private static int cellWidth(List<Tile> tiles) {
        return tiles.stream().mapToInt(t -> t.image().getWidth()).max().orElse(1);
    }

    private static int cellHeight(List<Tile> tiles) {
        return tiles.stream().mapToInt(t -> t.image().getHeight()).max().orElse(1);
    }

    /** Tiles in rows of {@code columns} under a title (wrapped to the sheet's width), captions below them. */
    public static BufferedImage sheet(String title, List<Tile> tiles, int columns) {
        int cellW = cellWidth(tiles), cellH = cellHeight(tiles);
        int cols = Math.max(1, Math.min(columns, tiles.size())), rows = (tiles.size() + cols - 1) / cols;
        int width = GAP + cols * (cellW + GAP);
        List<String> titleLines = titleLines(title, width);
        int top = titleHeight(titleLines), height = top + rows * (cellH + CAPTION_HEIGHT + GAP) + GAP;
        return drawn(width, height, titleLines, g -> {
            for (int i = 0; i < tiles.size(); i++) {
                Tile tile = tiles.get(i);
                int x = GAP + (i % cols) * (cellW + GAP), y = top + (i / cols) * (cellH + CAPTION_HEIGHT + GAP);
                g.drawImage(tile.image(), x, y, null);
                String caption = TextFit.fit(g.getFontMetrics(), "", tile.caption(), tile.tail(), cellW);
                g.drawString(caption, x, y + cellH + CAPTION_HEIGHT - 6);
            }
        });
    }

    /** A line of a legend: a colour swatch (none when null) and its text. */
    public record LegendEntry(Color color, String text) {}

    /**
     * The picture under a title, with a legend to its right: an entry per line, wrapped onto more lines where it
     * is wider than the legend may be, so that a long concept name and its number stay whole.
     */
    public static BufferedImage withLegend(String title, BufferedImage picture, List<LegendEntry> entries) {
        FontMetrics m = metrics(CAPTION);
        int textWidth = LEGEND_MIN_WIDTH;
        for (LegendEntry e : entries)
            textWidth = Math.min(Math.max(textWidth, m.stringWidth(e.text())), LEGEND_MAX_WIDTH);
        List<List<String>> legend = new ArrayList<>();
        for (LegendEntry e : entries) legend.add(TextFit.wrap(m, e.text(), textWidth));
        int lines = legend.stream().mapToInt(List::size).sum();
        int width = GAP + picture.getWidth() + 2 * GAP + SWATCH + GAP + textWidth + GAP;
        List<String> titleLines = titleLines(title, width);
        int top = titleHeight(titleLines);
        int height = top + Math.max(picture.getHeight(), lines * LEGEND_LINE) + GAP;
        return drawn(width, height, titleLines, g -> {
            g.drawImage(picture, GAP, top, null);
            int x = GAP + picture.getWidth() + 2 * GAP, y = top;
            for (int i = 0; i < entries.size(); i++) {
                LegendEntry e = entries.get(i);
                if (e.color() != null) {
                    g.setColor(e.color());
                    g.fillRect(x, y + 2, SWATCH, SWATCH);
                    g.setColor(Color.DARK_GRAY);
                    g.drawRect(x, y + 2, SWATCH, SWATCH);
                }
                g.setColor(Color.BLACK);
                for (String line : legend.get(i)) {
                    g.drawString(line, x + SWATCH + GAP, y + SWATCH);
                    y += LEGEND_LINE;
                }
            }
        });
    }

    /** The title's lines on a picture {@code width} pixels wide: wrapped, so that no part of it is lost. */
    static List<String> titleLines(String title, int width) {
        return TextFit.wrap(metrics(TITLE), title, width - 2 * GAP);
    }

    private static int titleHeight(List<String> lines) {
        return TITLE_HEIGHT + (lines.size() - 1) * TITLE_LINE;
    }

    private static FontMetrics metrics(Font font) {
        Graphics2D probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
        try {
            return probe.getFontMetrics(font);
        } finally {
            probe.dispose();
        }
    }

    /**
     * A white picture with black anti-aliased text in the caption font, drawn by {@code draw}; the title's lines
     * (none for an empty list) across its top.
     */
    private static BufferedImage drawn(int width, int height, List<String> titleLines, Consumer<Graphics2D> draw) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setColor(Color.BLACK);
            g.setFont(TITLE);
            for (int i = 0; i < titleLines.size(); i++)
                g.drawString(titleLines.get(i), GAP, TITLE_HEIGHT - 9 + i * TITLE_LINE);
            g.setFont(CAPTION);
            draw.accept(g);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writes the picture as a PNG atomically. */
    public static void writePng(BufferedImage image, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        if (!ImageIO.write(image, "png", bytes)) throw new IOException(file + ": no PNG writer available");
        AtomicFiles.write(file, bytes.toByteArray());
    }
}
