package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the sheets and legends of pca, attention and segment lay out text too long for one line. */
class PicturesTest {
    private static final int BLUE = 0x0000ff;

    private static BufferedImage blue(int side) {
        BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) for (int x = 0; x < side; x++) out.setRGB(x, y, BLUE);
        return out;
    }

    /** The first row, from the top, where column x is the blue of a picture. */
    private static int pictureTop(BufferedImage image, int x) {
        for (int y = 0; y < image.getHeight(); y++) if ((image.getRGB(x, y) & 0xffffff) == BLUE) return y;
        throw new AssertionError("no picture in column " + x);
    }

    /** Lines of text in rows [top, bottom) and columns [left, width): runs of rows with dark pixels. */
    private static int textLines(BufferedImage image, int left, int top, int bottom) {
        int lines = 0;
        boolean inLine = false;
        for (int y = top; y < bottom; y++) {
            boolean ink = false;
            for (int x = left; x < image.getWidth() && !ink; x++) {
                Color c = new Color(image.getRGB(x, y));
                ink = c.getRed() < 120 && c.getGreen() < 120 && c.getBlue() < 120;
            }
            if (ink && !inLine) lines++;
            inLine = ink;
        }
        return lines;
    }

    /**
     * Tester report: the pca sheet's title was cut on a narrow sheet, losing the block and the background rule.
     * It wraps onto as many lines as it needs, above the pictures.
     */
    @Test
    void aTitleWiderThanTheSheetWrapsAboveThePictures() {
        String title = "Principal components 1, 2, 3 of mlp_hidden of block 11 as red, green, blue; "
                + "background (first component below 0.25) black";
        BufferedImage sheet = Pictures.sheet(
                title, List.of(new Pictures.Tile(blue(100), "a.png"), new Pictures.Tile(blue(100), "b")), 2);
        int top = pictureTop(sheet, 50);
        int lines = textLines(sheet, 0, 0, top);
        assertTrue(lines >= 3, "the title in " + lines + " line(s) on a sheet " + sheet.getWidth() + " wide");
        assertEquals(Pictures.titleLines(title, sheet.getWidth()).size(), lines);
        assertEquals(title, String.join(" ", Pictures.titleLines(title, sheet.getWidth())), "every word shown");
    }

    /**
     * Tester report: segment's legend cut a long concept name and the share of the picture after it. The entry
     * wraps onto more lines; every character of it is shown.
     */
    @Test
    void aLegendEntryWiderThanTheLegendWraps() {
        String concept = "concept_name_of_eighty_characters_without_a_single_space_to_break_the_line_at__0";
        BufferedImage picture = Pictures.withLegend(
                "photo.png",
                blue(100),
                List.of(
                        new Pictures.LegendEntry(Color.ORANGE, concept + "  12.5 %"),
                        new Pictures.LegendEntry(Color.GREEN, "sky  3.0 %")));
        int top = pictureTop(picture, 50), text = 8 + 100 + 2 * 8 + 14 + 8;
        int lines = textLines(picture, text, top, picture.getHeight());
        assertTrue(lines >= 3, "two entries in " + lines + " lines, the long one wrapped");
    }
}
