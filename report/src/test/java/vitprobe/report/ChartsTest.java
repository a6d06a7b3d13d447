package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.ui.RectangleEdge;
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

    /** The x of each k's point on a 900x560 drawing of the sweep, and the values of the axis's ticks. */
    private static Map<Integer, Double> pointXs(int[] ks, List<Double> ticks) {
        List<ResultRow> sweep = new ArrayList<>();
        for (int k : ks) sweep.add(row("y", k, 0.5 + k / 1000.0, 0.01));
        JFreeChart chart = Charts.sweep("sweep", Map.of("y", sweep), "accuracy");
        BufferedImage image = new BufferedImage(900, 560, BufferedImage.TYPE_INT_RGB);
        ChartRenderingInfo info = new ChartRenderingInfo();
        Graphics2D g = image.createGraphics();
        chart.draw(g, new Rectangle2D.Double(0, 0, 900, 560), info);
        Rectangle2D plot = info.getPlotInfo().getDataArea();
        ValueAxis axis = chart.getXYPlot().getDomainAxis();
        for (Object tick : axis.refreshTicks(g, new AxisState(), plot, RectangleEdge.BOTTOM))
            ticks.add(((ValueTick) tick).getValue());
        g.dispose();
        Map<Integer, Double> xs = new LinkedHashMap<>();
        for (int k : ks) xs.put(k, axis.valueToJava2D(k, plot, RectangleEdge.BOTTOM));
        return xs;
    }

    /**
     * Tester report: with k up to 100 the ks 1 to 10 were squeezed into the left tenth of the k-sweep chart. Past a
     * 10x span the axis is logarithmic, with a tick at each k: 1 to 10 takes as much width as 10 to 100.
     */
    @Test
    void ksSpanningMoreThanTenfoldAreSpreadOnALogAxisTickedAtTheKs() {
        List<Double> ticks = new ArrayList<>();
        Map<Integer, Double> x = pointXs(new int[] {1, 2, 5, 10, 20, 50, 100}, ticks);
        double low = x.get(10) - x.get(1), high = x.get(100) - x.get(10);
        assertEquals(1, low / high, 0.01, "1 to 10 over " + low + " px, 10 to 100 over " + high + " px");
        assertEquals(x.get(2) - x.get(1), x.get(20) - x.get(10), 0.5, "equal ratios, equal distances");
        assertEquals(List.of(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0), ticks);
    }

    /** Ks within 10x of each other keep the linear axis (existing figures stay the same). */
    @Test
    void ksWithinTenfoldStayOnALinearAxis() {
        Map<Integer, Double> x = pointXs(new int[] {1, 2, 5, 10}, new ArrayList<>());
        assertEquals(4.0 / 9, (x.get(5) - x.get(1)) / (x.get(10) - x.get(1)), 1e-9);
    }
}
