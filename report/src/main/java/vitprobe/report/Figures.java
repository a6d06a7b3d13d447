package vitprobe.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.svg.SVGGraphics2D;
import vitprobe.io.AtomicFiles;
import vitprobe.results.Level;
import vitprobe.results.QualitativePanel;
import vitprobe.results.ResultRow;
import vitprobe.results.Scores;

/** Every figure of the report, each written as {@code figures/<name>.png} and {@code .svg}. */
final class Figures {
    /** A written figure: its file stem under figures/, the report section it belongs to, title and caption. */
    record Figure(String name, String section, String title, String caption) {}

    private Figures() {}

    static List<Figure> write(ResultsFile results, Path dir) throws IOException {
        List<Figure> figures = new ArrayList<>();
        Integer k = results.reportK();
        String atK = k == null
                ? null
                : "cosine templates from k=" + k + " support images per concept, bars ±std over trials";
        for (String model : results.models()) {
            for (String task : results.tasks()) {
                List<ResultRow> rows = results.headline(Level.ALL).stream()
                        .filter(r -> r.cell().model().equals(model)
                                && r.cell().task().equals(task))
                        .toList();
                String name = "tokens-" + model + "-" + task;
                JFreeChart chart = Charts.bars(
                        model + " · " + task + ": metrics per token type",
                        atK,
                        rows,
                        Scores.METRICS,
                        r -> r.cell().ruleLabel(),
                        r -> r.cell().token(),
                        "token type");
                chart(dir, name, chart, 900, 980);
                figures.add(
                        new Figure(
                                name,
                                "tokens",
                                model + " · " + task + ": accuracy, precision, recall and F1 per token type and rule",
                                "Mean over concepts of the balanced per-concept test sets (cf. the study's Fig. 6, 7, 9, 12)."));
            }
        }
        for (String model : results.models()) {
            for (String rule : results.rules()) {
                List<ResultRow> rows = results.headline(Level.CATEGORY).stream()
                        .filter(r -> r.cell().model().equals(model)
                                && r.cell().task().equals("segmentation")
                                && r.cell().rule().equals(rule))
                        .toList();
                if (rows.isEmpty()) continue;
                String label = rows.getFirst().cell().ruleLabel();
                String name = "categories-" + model + "-" + rule;
                chart(
                        dir,
                        name,
                        Charts.bars(
                                model + " · segmentation · " + label + ": per concept category",
                                null,
                                rows,
                                List.of("f1", "precision", "recall"),
                                r -> r.row().category(),
                                r -> r.cell().token(),
                                "token type"),
                        900,
                        860);
                figures.add(new Figure(
                        name,
                        "categories",
                        model + " · " + label + ": F1, precision and recall per category",
                        "Segmentation, mean over the concepts of each category (cf. the study's Fig. 10, 11, 13)."));
            }
        }
        if (results.rules().contains("cosine")) {
            for (String model : results.models()) {
                for (String task : results.tasks()) {
                    Map<String, List<ResultRow>> byToken = new LinkedHashMap<>();
                    for (String token : results.tokens()) {
                        byToken.put(
                                token,
                                results.rows().stream()
                                        .filter(r -> r.row().level() == Level.ALL
                                                && r.cell().model().equals(model)
                                                && r.cell().task().equals(task)
                                                && r.cell().rule().equals("cosine")
                                                && r.cell().token().equals(token))
                                        .toList());
                    }
                    String name = "k-sweep-" + model + "-" + task;
                    chart(
                            dir,
                            name,
                            Charts.sweep(model + " · " + task + ": cosine accuracy against k", byToken, "accuracy"),
                            900,
                            560);
                    figures.add(new Figure(
                            name,
                            "k",
                            model + " · " + task + ": accuracy of the cosine rule against k",
                            "Mean over concepts, "
                                    + (results.results().experiment().ks().size() == 1 ? "bars" : "shaded")
                                    + " ±std over the support draws (cf. the study's Fig. 8, 14)."));
                }
            }
        }
        for (QualitativePanel panel : results.results().qualitative()) {
            Panels p = new Panels(panel, results.folder());
            String name = "qualitative-" + panel.kind().key();
            write(dir, name, p.width(), p.height(), p::paint);
            figures.add(new Figure(
                    name,
                    "qualitative",
                    Panels.title(panel) + ": predicted masks",
                    "Green: ground truth, orange: predicted patches, for each model × rule at its best token type "
                            + "(cf. the study's Fig. 15, 16)."));
        }
        return figures;
    }

    private static void chart(Path dir, String name, JFreeChart chart, int width, int height) throws IOException {
        write(dir, name, width, height, g -> chart.draw(g, new Rectangle2D.Double(0, 0, width, height)));
    }

    /** Paints the figure twice: into a PNG (antialiased) and into an SVG, each written atomically. */
    private static void write(Path dir, String name, int width, int height, Consumer<Graphics2D> painter)
            throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        painter.accept(g);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        AtomicFiles.write(dir.resolve(name + ".png"), png.toByteArray());
        SVGGraphics2D svg = new SVGGraphics2D(width, height);
        // The default prefix of clip-path ids is the clock, which made every run's SVG differ; the name is unique.
        svg.setDefsKeyPrefix("svg-" + name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
        painter.accept(svg);
        AtomicFiles.writeString(dir.resolve(name + ".svg"), Objects.requireNonNull(svg.getSVGDocument()));
    }
}
