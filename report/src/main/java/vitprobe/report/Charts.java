package vitprobe.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.CombinedDomainCategoryPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;
import vitprobe.results.ResultRow;

/** The study's charts built with JFreeChart from result rows, in one style. */
final class Charts {
    /** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
    static final Color[] PALETTE = {
        new Color(0x0072B2),
        new Color(0xE69F00),
        new Color(0x009E73),
        new Color(0xCC79A7),
        new Color(0x56B4E9),
        new Color(0xD55E00),
        new Color(0xF0E442),
        new Color(0x555555)
    };

    static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
    static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font TICK = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Color GRID = new Color(0xDDDDDD);

    private Charts() {}

    /**
     * Grouped bars, one subplot per metric (stacked, sharing the category axis): bars per category key, one series
     * per series key, with ±std whiskers where the rows have a spread over trials.
     *
     * @param series  the series key of a row (e.g. its rule)
     * @param column  the category key of a row (e.g. its token type)
     */
    static JFreeChart bars(
            String title,
            String subtitle,
            List<ResultRow> rows,
            List<String> metrics,
            Function<ResultRow, String> series,
            Function<ResultRow, String> column,
            String columnLabel) {
        CategoryAxis domain = new CategoryAxis(columnLabel);
        domain.setLabelFont(LABEL);
        domain.setTickLabelFont(LABEL);
        domain.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        CombinedDomainCategoryPlot plot = new CombinedDomainCategoryPlot(domain);
        plot.setGap(14);
        for (String metric : metrics) {
            DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
            // No whisker for rows without a spread (the hyperplane's single trial).
            for (ResultRow r : rows) {
                data.add(Double.valueOf(r.metric(metric)), r.std(metric), series.apply(r), column.apply(r));
            }
            StatisticalBarRenderer renderer = new StatisticalBarRenderer();
            renderer.setBarPainter(new StandardBarPainter());
            renderer.setShadowVisible(false);
            renderer.setDrawBarOutline(false);
            renderer.setItemMargin(0.04);
            renderer.setErrorIndicatorPaint(Color.DARK_GRAY);
            for (int s = 0; s < data.getRowCount(); s++) renderer.setSeriesPaint(s, PALETTE[s % PALETTE.length]);
            renderer.setDefaultSeriesVisibleInLegend(plot.getSubplots().isEmpty()); // one legend for all subplots
            CategoryPlot sub = new CategoryPlot(data, null, unitAxis(label(metric)), renderer);
            style(sub);
            plot.add(sub, 1);
        }
        plot.getDomainAxis().setCategoryMargin(0.25);
        return chart(title, subtitle, plot);
    }

    /**
     * Accuracy against k, one line per series with a band of ±std over trials; with a single k (where a line and
     * a band have nothing to join) a point per series with a ±std bar.
     */
    static JFreeChart sweep(String title, Map<String, List<ResultRow>> seriesRows, String metric) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        seriesRows.forEach((name, rows) -> {
            YIntervalSeries s = new YIntervalSeries(name);
            for (ResultRow r : rows) {
                double std = r.std(metric) == null ? 0 : r.std(metric);
                s.add(r.cell().k(), r.metric(metric), r.metric(metric) - std, r.metric(metric) + std);
            }
            data.addSeries(s);
        });
        ValueAxis k = kAxis(seriesRows.values().stream()
                .flatMap(List::stream)
                .map(r -> r.cell().k())
                .distinct()
                .sorted()
                .toList());
        k.setLabelFont(LABEL);
        k.setTickLabelFont(TICK);
        boolean singleK = seriesRows.values().stream().allMatch(rows -> rows.size() <= 1);
        XYLineAndShapeRenderer renderer = singleK ? errorBars() : bands();
        for (int s = 0; s < data.getSeriesCount(); s++) {
            Paint p = PALETTE[s % PALETTE.length];
            renderer.setSeriesPaint(s, p);
            renderer.setSeriesFillPaint(s, p);
            renderer.setSeriesStroke(s, new BasicStroke(2.2f));
        }
        NumberAxis value = new NumberAxis(label(metric));
        value.setLabelFont(LABEL);
        value.setTickLabelFont(TICK);
        value.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, k, value, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlineVisible(false);
        return chart(title, singleK ? "bars: ±std over trials" : "bands: ±std over trials", plot);
    }

    /**
     * The k axis: linear, or logarithmic with a tick at each k when the largest k is more than 10 times the smallest
     * (on a linear axis ks 1 to 10 of a sweep up to 100 would share its left tenth).
     */
    private static ValueAxis kAxis(List<Integer> ks) {
        String label = "k (support images per concept)";
        if (ks.isEmpty() || ks.getLast() <= 10L * ks.getFirst()) {
            NumberAxis linear = new NumberAxis(label);
            linear.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
            linear.setAutoRangeIncludesZero(false);
            linear.setAutoRangeMinimumSize(2); // a single k sits in the middle of k ± 1
            return linear;
        }
        return new LogAxis(label) {
            @Override
            protected List<ValueTick> refreshTicksHorizontal(Graphics2D g2, Rectangle2D area, RectangleEdge edge) {
                return ks.stream()
                        .<ValueTick>map(k ->
                                new NumberTick(k, Integer.toString(k), TextAnchor.TOP_CENTER, TextAnchor.CENTER, 0))
                        .toList();
            }
        };
    }

    private static XYLineAndShapeRenderer bands() {
        DeviationRenderer renderer = new DeviationRenderer(true, true);
        renderer.setAlpha(0.12f); // six overlapping bands stay readable
        return renderer;
    }

    /** Points with vertical ±std bars in the series' colours. */
    private static XYLineAndShapeRenderer errorBars() {
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDrawXError(false);
        renderer.setCapLength(12);
        renderer.setErrorStroke(new BasicStroke(2.2f));
        renderer.setDefaultShape(new Ellipse2D.Double(-5, -5, 10, 10));
        renderer.setAutoPopulateSeriesShape(false);
        return renderer;
    }

    private static NumberAxis unitAxis(String label) {
        NumberAxis axis = new NumberAxis(label);
        axis.setRange(0, 1.05);
        axis.setTickUnit(new NumberTickUnit(0.2));
        axis.setLabelFont(LABEL);
        axis.setTickLabelFont(TICK);
        return axis;
    }

    private static void style(CategoryPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlineVisible(false);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
    }

    private static JFreeChart chart(String title, String subtitle, org.jfree.chart.plot.Plot plot) {
        JFreeChart chart = new JFreeChart(title, TITLE, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setPadding(new RectangleInsets(8, 8, 8, 14));
        if (subtitle != null) {
            TextTitle t = new TextTitle(subtitle, LABEL);
            t.setPaint(Color.DARK_GRAY);
            chart.addSubtitle(t);
        }
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        chart.getLegend().setItemFont(LABEL);
        chart.getLegend().setFrame(BlockBorder.NONE);
        return chart;
    }

    /** Axis label of a metric: "F1" rather than "f1". */
    static String label(String metric) {
        return metric.equals("f1") ? "F1" : Character.toUpperCase(metric.charAt(0)) + metric.substring(1);
    }
}
