package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.junit.jupiter.api.Test;
import vitprobe.results.CellKey;
import vitprobe.results.CellRow;
import vitprobe.results.Level;
import vitprobe.results.ResultRow;
import vitprobe.results.Scores;
import vitprobe.results.Spread;

class ChartsTest {
    private static ResultRow row(String token, int k, double accuracy, double std) {
        return new ResultRow(
                new CellKey("m", "classification", token, "cosine", k),
                new CellRow(
                        Level.ALL,
                        null,
                        null,
                        4,
                        null,
                        null,
                        null,
                        new Scores(accuracy, 0.5, 0.5, 0.5),
                        new Spread(std, 0.0, 0.0, 0.0)));
    }

    /**
     * Tester report: a sweep of one k drew nothing in the plot (a band and a line need two points). Each token
     * type's point shows in its colour, with its ±std bar: the colour spans about 2 std of the value axis.
     */
    @Test
    void aSweepOfOneKShowsEachPointWithItsErrorBar() {
        Map<String, List<ResultRow>> rows = new LinkedHashMap<>();
        rows.put("k", List.of(row("k", 5, 0.6, 0.1)));
        rows.put("y", List.of(row("y", 5, 0.8, 0.05)));
        JFreeChart chart = Charts.sweep("one k", rows, "accuracy");
        int width = 900, height = 560;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        ChartRenderingInfo info = new ChartRenderingInfo();
        Graphics2D g = image.createGraphics();
        chart.draw(g, new Rectangle2D.Double(0, 0, width, height), info);
        g.dispose();
        Rectangle2D plot = info.getPlotInfo().getDataArea();
        ValueAxis axis = chart.getXYPlot().getRangeAxis();
        double pixelsPerUnit = plot.getHeight() / axis.getRange().getLength();
        double[] stds = {0.1, 0.05};
        for (int s = 0; s < 2; s++) {
            int colour = Charts.PALETTE[s].getRGB() & 0xffffff, pixels = 0, top = height, bottom = -1;
            for (int y = (int) plot.getMinY(); y < plot.getMaxY(); y++) {
                for (int x = (int) plot.getMinX(); x < plot.getMaxX(); x++) {
                    if ((image.getRGB(x, y) & 0xffffff) != colour) continue;
                    pixels++;
                    top = Math.min(top, y);
                    bottom = Math.max(bottom, y);
                }
            }
            assertTrue(pixels >= 30, "series " + s + " shows " + pixels + " pixels of " + new Color(colour));
            double span = bottom - top, expected = 2 * stds[s] * pixelsPerUnit;
            assertTrue(
                    span >= 0.9 * expected,
                    "series " + s + ": an error bar of " + span + " pixels, expected " + expected);
        }
    }
}
