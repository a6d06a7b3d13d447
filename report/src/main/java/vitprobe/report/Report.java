package vitprobe.report;

import static vitprobe.report.ResultsFile.format;
import static vitprobe.report.ResultsFile.signed;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import vitprobe.io.AtomicFiles;
import vitprobe.io.OwnedNames;
import vitprobe.report.Figures.Figure;
import vitprobe.results.CellKey;
import vitprobe.results.Experiment;
import vitprobe.results.LayerNormComparison;
import vitprobe.results.Level;
import vitprobe.results.ModelDescription;
import vitprobe.results.ResultRow;
import vitprobe.results.Scores;
import vitprobe.results.SkippedConcepts;

/**
 * Turns an experiment folder's results.json into {@code figures/} (PNG and SVG), one self-contained
 * {@code report.html} (figures embedded, tables sortable) and {@code summary.md}. Everything shown is read from
 * results.json, so the report can be made again from it alone (with the qualitative pictures beside it).
 */
public final class Report {
    static {
        // Charts and panels draw offscreen; without this a machine with no display may try to open one.
        System.setProperty("java.awt.headless", "true");
    }

    /** What was written. */
    public record Written(Path html, Path summary, List<Path> figures) {}

    private Report() {}

    private record Table(List<String> headers, List<List<String>> rows) {}

    private record Section(String id, String title, String intro) {}

    private static final List<Section> FIGURE_SECTIONS = List.of(
            new Section(
                    "tokens",
                    "Metrics per token type",
                    "Accuracy, precision, recall and F1 of each token type and rule, per model and task."),
            new Section(
                    "categories", "Segmentation per concept category", "F1, precision and recall per Broden category."),
            new Section("k", "Accuracy against k", "How the cosine rule improves with more support images."),
            new Section(
                    "qualitative",
                    "Qualitative segmentation",
                    "Predicted masks for the best- and worst-F1 concepts on the test images where they overlap the truth best."));

    public static Written write(Path folder) throws IOException {
        ResultsFile results = ResultsFile.read(folder);
        Path figuresDir = folder.resolve("figures");
        boolean hadFigures = Files.exists(figuresDir);
        List<Figure> figures;
        try {
            figures = Figures.write(results, figuresDir);
        } catch (IOException | RuntimeException e) {
            // A folder this run made holds only this run's figures: a failed redraw leaves none of it.
            if (!hadFigures) OwnedNames.deleteTree(figuresDir);
            throw e;
        }
        Path html = folder.resolve("report.html"), summary = folder.resolve("summary.md");
        AtomicFiles.writeString(summary, markdown(results, figures));
        AtomicFiles.writeString(html, html(results, figures, figuresDir));
        List<Path> files = new ArrayList<>();
        for (Figure f : figures) {
            files.add(figuresDir.resolve(f.name() + ".png"));
            files.add(figuresDir.resolve(f.name() + ".svg"));
        }
        return new Written(html, summary, files);
    }

    // ---- tables, shared by the HTML report and the Markdown summary

    private static Table setup(ResultsFile results) {
        List<List<String>> rows = new ArrayList<>();
        for (ModelDescription m : results.results().models()) {
            rows.add(List.of(
                    m.name(),
                    m.reference(),
                    m.architecture(),
                    String.valueOf(m.block()),
                    m.randomWeights() ? "RANDOM" : "checkpoint"));
        }
        return new Table(List.of("model", "reference", "architecture", "block index", "weights"), rows);
    }

    private static Table tasks(ResultsFile results) {
        List<List<String>> rows = new ArrayList<>();
        results.results()
                .experiment()
                .tasks()
                .forEach((task, s) -> rows.add(
                        List.of(task, s.dataset(), s.train(), s.test(), Objects.toString(s.patchesPerImage(), ""))));
        return new Table(List.of("task", "dataset", "train split", "test split", "patches per image"), rows);
    }

    static String settings(ResultsFile results) {
        Experiment e = results.results().experiment();
        return "token types " + String.join(", ", results.tokens()) + "; rules " + String.join(", ", results.rules())
                + "; k " + e.ks() + "; trials " + e.trials() + "; seed " + e.seed()
                + (results.rules().contains("hyperplane") ? "; hyperplane solver " + e.solver() : "")
                + "; " + e.precision() + " compute; features stored as " + e.dtype() + "."
                + (e.imageSize() == null ? "" : " Input " + e.imageSize() + inputRule(e) + ".")
                + (results.reportK() == null
                        ? ""
                        : " Bars, tables and findings use the cosine rule at k=" + results.reportK() + ".");
    }

    private static String inputRule(Experiment e) {
        return e.posResample() == null
                ? ", position embeddings resampled as each checkpoint's library does"
                : ", position embeddings resampled as " + e.posResample() + " does";
    }

    private static String metricCell(ResultRow r, String metric) {
        Double std = r.std(metric);
        return format(r.metric(metric)) + (std == null ? "" : " ± " + format(std));
    }

    private static List<String> metricCells(ResultRow r) {
        return Scores.METRICS.stream().map(m -> metricCell(r, m)).toList();
    }

    private static final List<String> METRIC_HEADERS = List.of("accuracy", "precision", "recall", "F1");

    private static Table overall(List<ResultRow> rows) {
        List<List<String>> out = new ArrayList<>();
        for (ResultRow r : rows) {
            CellKey c = r.cell();
            List<String> cells = new ArrayList<>(List.of(
                    c.model(),
                    c.task(),
                    c.token(),
                    c.rule(),
                    Objects.toString(c.k(), ""),
                    String.valueOf(r.row().concepts())));
            cells.addAll(metricCells(r));
            out.add(cells);
        }
        List<String> headers = new ArrayList<>(List.of("model", "task", "token", "rule", "k", "concepts"));
        headers.addAll(METRIC_HEADERS);
        return new Table(headers, out);
    }

    private static Table categories(ResultsFile results) {
        List<List<String>> out = new ArrayList<>();
        for (ResultRow r : results.headline(Level.CATEGORY)) {
            CellKey c = r.cell();
            List<String> cells = new ArrayList<>(List.of(
                    c.model(),
                    c.task(),
                    r.row().category(),
                    c.token(),
                    c.ruleLabel(),
                    String.valueOf(r.row().concepts())));
            cells.addAll(metricCells(r));
            out.add(cells);
        }
        List<String> headers = new ArrayList<>(List.of("model", "task", "category", "token", "rule", "concepts"));
        headers.addAll(METRIC_HEADERS);
        return new Table(headers, out);
    }

    /** Per concept, for each model, task and rule at its best token type (all of them are in results.csv). */
    private static Table concepts(ResultsFile results) {
        List<List<String>> out = new ArrayList<>();
        for (ResultRow best : bestTokens(results)) {
            for (ResultRow r : results.headline(Level.CONCEPT)) {
                if (!r.cell().equals(best.cell())) continue;
                CellKey c = r.cell();
                List<String> cells = new ArrayList<>(List.of(
                        c.model(),
                        c.task(),
                        c.ruleLabel(),
                        c.token(),
                        r.row().concept(),
                        Objects.toString(r.row().category(), ""),
                        String.valueOf(r.row().positives()),
                        String.valueOf(r.row().negatives())));
                cells.addAll(metricCells(r));
                out.add(cells);
            }
        }
        List<String> headers = new ArrayList<>(
                List.of("model", "task", "rule", "token", "concept", "category", "test positives", "test negatives"));
        headers.addAll(METRIC_HEADERS);
        return new Table(headers, out);
    }

    /** Per model, task and rule the all-concept row of the token type with the best task metric. */
    private static List<ResultRow> bestTokens(ResultsFile results) {
        List<ResultRow> best = new ArrayList<>();
        for (String model : results.models()) {
            for (String task : results.tasks()) {
                String metric = task.equals("classification") ? "accuracy" : "f1";
                for (String rule : results.rules()) {
                    results.headline(Level.ALL).stream()
                            .filter(r -> r.cell().model().equals(model)
                                    && r.cell().task().equals(task)
                                    && r.cell().rule().equals(rule))
                            .max(Comparator.comparingDouble(r -> r.metric(metric)))
                            .ifPresent(best::add);
                }
            }
        }
        return best;
    }

    private static Table layerNorm(ResultsFile results) {
        List<List<String>> out = new ArrayList<>();
        for (LayerNormComparison e : results.results().layernorm()) {
            for (int i = 0; i < Scores.METRICS.size(); i++) {
                String m = Scores.METRICS.get(i);
                out.add(List.of(
                        e.model(),
                        e.task(),
                        CellKey.ruleLabel(e.rule(), e.k()),
                        METRIC_HEADERS.get(i),
                        format(e.y().get(m)),
                        format(e.yNorm().get(m)),
                        signed(e.delta().get(m))));
            }
        }
        return new Table(List.of("model", "task", "rule", "metric", "y", "y_norm", "y_norm − y"), out);
    }

    private static Table skipped(ResultsFile results) {
        List<List<String>> out = new ArrayList<>();
        for (SkippedConcepts s : results.results().skippedConcepts()) {
            out.add(List.of(s.model(), s.task(), String.join(", ", s.concepts())));
        }
        return new Table(List.of("model", "task", "concepts left out (no positives or negatives in a split)"), out);
    }

    // ---- Markdown

    private static String markdown(ResultsFile results, List<Figure> figures) {
        StringBuilder md = new StringBuilder("# vitprobe experiment summary\n\n");
        for (String w : Findings.warnings(results)) md.append("> ").append(w).append("\n\n");
        md.append("## Findings\n\n");
        for (String s : Findings.sentences(results)) md.append("- ").append(s).append('\n');
        md.append("\n## Setup\n\n").append(Markdown.text(settings(results))).append("\n\n");
        markdownTable(md, setup(results));
        markdownTable(md, tasks(results));
        if (!results.results().layernorm().isEmpty()) {
            md.append("## LayerNorm: y against y_norm (cf. the study's Table 1)\n\n");
            markdownTable(md, layerNorm(results));
        }
        md.append("## Results over all concepts\n\n");
        markdownTable(md, overall(results.headline(Level.ALL)));
        md.append("## Figures\n\n");
        for (Figure f : figures)
            md.append("- [")
                    .append(Markdown.text(f.title()))
                    .append("](figures/")
                    .append(Markdown.link(f.name()))
                    .append(".png)\n");
        md.append(
                "\nEvery table, sortable, with the figures embedded: [report.html](report.html); every row: [results.csv](results.csv).\n");
        return md.toString();
    }

    private static void markdownTable(StringBuilder md, Table t) {
        if (t.rows().isEmpty()) return;
        md.append("| ")
                .append(String.join(
                        " | ", t.headers().stream().map(Markdown::text).toList()))
                .append(" |\n|");
        md.append(" --- |".repeat(t.headers().size())).append('\n');
        for (List<String> row : t.rows())
            md.append("| ")
                    .append(String.join(" | ", row.stream().map(Markdown::text).toList()))
                    .append(" |\n");
        md.append('\n');
    }

    // ---- HTML

    /** The look every page vitprobe writes shares: the report and the galleries of the image commands. */
    static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1180px;padding:24px 32px;color:#222;line-height:1.45}
            h1{margin-bottom:4px}h2{margin-top:40px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .warning{background:#fff3cd;border:1px solid #e0b400;border-radius:6px;padding:10px 14px;margin:14px 0}
            table{border-collapse:collapse;margin:10px 0 20px;font-size:14px}
            th,td{border:1px solid #ddd;padding:4px 9px;text-align:left;vertical-align:top;overflow-wrap:break-word}
            td.long{overflow-wrap:anywhere;min-width:10ch}li,p,figcaption,.warning{overflow-wrap:break-word}
            th{background:#f3f5f8}table.sortable th{cursor:pointer;user-select:none}
            table.sortable th:after{content:" \\2195";color:#999}
            td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            figure{margin:18px 0 34px}figure img{max-width:100%;border:1px solid #eee}
            figcaption{color:#555;font-size:14px;margin-top:4px}
            code{background:#f3f3f3;padding:0 3px;border-radius:3px}
            details summary{cursor:pointer;margin:6px 0}
            """;

    /**
     * Marks the page with how many of its pictures loaded ({@code data-images="loaded/total"} on the html element),
     * so that a headless browser's DOM dump tells whether every figure shows.
     */
    static final String IMAGE_CHECK = """
            addEventListener('load', () => {
              const all = [...document.images], ok = all.filter(i => i.complete && i.naturalWidth > 0);
              document.documentElement.dataset.images = ok.length + '/' + all.length;
            });
            """;

    private static final String SORT_SCRIPT = """
            document.querySelectorAll('table.sortable th').forEach(th => th.addEventListener('click', () => {
              const body = th.closest('table').tBodies[0], column = th.cellIndex;
              const ascending = th.dataset.order !== 'asc';
              th.closest('tr').querySelectorAll('th').forEach(h => delete h.dataset.order);
              th.dataset.order = ascending ? 'asc' : 'desc';
              const key = row => { const text = row.cells[column].textContent.trim(), n = parseFloat(text); return isNaN(n) ? text : n; };
              [...body.rows].sort((a, b) => {
                const x = key(a), y = key(b);
                const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
                return ascending ? order : -order;
              }).forEach(row => body.appendChild(row));
            }));
            """;

    private static String html(ResultsFile results, List<Figure> figures, Path figuresDir) throws IOException {
        StringBuilder h = new StringBuilder(
                        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>vitprobe report</title>\n<style>")
                .append(STYLE)
                .append("</style></head>\n<body>\n<h1>vitprobe report</h1>\n");
        h.append(
                        "<p>Concept templates probing the token types of self-supervised ViTs, after <em>Which Direction to Choose? An Analysis on ")
                .append("the Representation Power of Self-Supervised ViTs in Downstream Tasks</em>.</p>\n");
        for (String w : Findings.warnings(results))
            h.append("<div class=\"warning\">").append(Markdown.html(w)).append("</div>\n");
        h.append("<h2 id=\"findings\">Findings</h2>\n<ul>\n");
        for (String s : Findings.sentences(results))
            h.append("<li>").append(Markdown.html(s)).append("</li>\n");
        h.append("</ul>\n<h2 id=\"setup\">Setup</h2>\n<p>")
                .append(escape(settings(results)))
                .append("</p>\n");
        htmlTable(h, setup(results), false);
        htmlTable(h, tasks(results), false);
        Table skipped = skipped(results);
        if (!skipped.rows().isEmpty()) htmlTable(h, skipped, false);
        for (Section s : FIGURE_SECTIONS) {
            List<Figure> in =
                    figures.stream().filter(f -> f.section().equals(s.id())).toList();
            if (in.isEmpty()) continue;
            h.append("<h2 id=\"")
                    .append(s.id())
                    .append("\">")
                    .append(escape(s.title()))
                    .append("</h2>\n<p>")
                    .append(escape(s.intro()))
                    .append("</p>\n");
            for (Figure f : in) {
                String png =
                        Base64.getEncoder().encodeToString(Files.readAllBytes(figuresDir.resolve(f.name() + ".png")));
                h.append("<figure id=\"fig-")
                        .append(escape(f.name()))
                        .append("\"><img alt=\"")
                        .append(escape(f.title()))
                        .append("\" src=\"data:image/png;base64,")
                        .append(png)
                        .append("\">\n<figcaption><strong>")
                        .append(escape(f.title()))
                        .append(".</strong> ")
                        .append(escape(f.caption()))
                        .append(" <a href=\"figures/")
                        .append(escape(Markdown.link(f.name())))
                        .append(".svg\">SVG</a></figcaption></figure>\n");
            }
        }
        if (!results.results().layernorm().isEmpty()) {
            h.append(
                            "<h2 id=\"layernorm\">LayerNorm: y against y_norm</h2>\n<p>The block output before and after the model's final ")
                    .append("LayerNorm, over all concepts (cf. the study's Table 1).</p>\n");
            htmlTable(h, layerNorm(results), true);
        }
        h.append(
                        "<h2 id=\"results\">Results over all concepts</h2>\n<p>Every k of the cosine rule; ± is the standard deviation over trials. ")
                .append("Click a column to sort.</p>\n");
        htmlTable(
                h,
                overall(results.rows().stream()
                        .filter(r -> r.row().level() == Level.ALL)
                        .toList()),
                true);
        Table categories = categories(results);
        if (!categories.rows().isEmpty()) {
            h.append("<h2 id=\"per-category\">Results per category</h2>\n");
            htmlTable(h, categories, true);
        }
        h.append(
                        "<h2 id=\"per-concept\">Results per concept</h2>\n<p>For each model, task and rule at its best token type; ")
                .append("results.csv has every token type.</p>\n<details><summary>Show the table</summary>\n");
        htmlTable(h, concepts(results), true);
        h.append("</details>\n<script>").append(SORT_SCRIPT).append(IMAGE_CHECK).append("</script>\n</body></html>\n");
        return h.toString();
    }

    /** A metric, a count, a difference or a share: right-aligned and never broken over lines. */
    private static final Pattern NUMERIC = Pattern.compile("[+-]?\\d+(\\.\\d+)?( ± \\d+\\.\\d+| ?%)?");

    /** A word longer than this (a name without spaces) may break anywhere; shorter words never break. */
    private static final Pattern LONG_WORD = Pattern.compile("\\S{21,}");

    private static void htmlTable(StringBuilder h, Table t, boolean sortable) {
        htmlTable(h, t.headers(), t.rows(), sortable);
    }

    /** A table of the report's look, shared with the galleries of the image commands. */
    static void htmlTable(StringBuilder h, List<String> headers, List<List<String>> rows, boolean sortable) {
        h.append(sortable ? "<table class=\"sortable\">" : "<table>").append("<thead><tr>");
        for (String header : headers) h.append("<th>").append(escape(header)).append("</th>");
        h.append("</tr></thead>\n<tbody>\n");
        for (List<String> row : rows) {
            h.append("<tr>");
            for (String cell : row) h.append(cellTag(cell)).append(escape(cell)).append("</td>");
            h.append("</tr>\n");
        }
        h.append("</tbody></table>\n");
    }

    /** Numbers never wrap; a cell with a long word may break it anywhere, down to a width of a few characters. */
    private static String cellTag(String cell) {
        if (NUMERIC.matcher(cell).matches()) return "<td class=\"num\">";
        return LONG_WORD.matcher(cell).find() ? "<td class=\"long\">" : "<td>";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
