package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.results.CellKey;
import vitprobe.results.Level;
import vitprobe.results.QualitativePanel;
import vitprobe.results.ResultRow;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;
import vitprobe.results.Scores;
import vitprobe.testing.Chromium;

/**
 * The report of a real experiment's results.json (the probe module's golden copy: one random tiny model, both
 * tasks, three token types, both rules, k 1 and 2): what a reader relies on, checked against the input numbers.
 */
class ReportTest {
    @TempDir
    Path dir;

    private ResultsDocument results;

    @BeforeEach
    void writeExperimentFolder() throws IOException {
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("results.json"))) {
            Files.write(dir.resolve("results.json"), in.readAllBytes());
        }
        results = ResultsJson.read(dir.resolve("results.json"));
        // The qualitative panels draw the test pictures the experiment left beside results.json.
        for (QualitativePanel panel : results.qualitative()) {
            for (QualitativePanel.Image image : panel.images()) {
                Path picture = dir.resolve(image.picture());
                Files.createDirectories(picture.getParent());
                ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB), "png", picture.toFile());
            }
        }
    }

    /** "0.812", as the report promises every metric. */
    private static String threeDecimals(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** The rows of a level that the report headlines: the hyperplane's and the cosine rule's at the largest k. */
    private List<ResultRow> headline(Level level) {
        return results.rows().stream()
                .filter(r -> r.row().level() == level
                        && (r.cell().k() == null || r.cell().k().equals(results.reportK())))
                .toList();
    }

    /**
     * A findings line: "best accuracy 0.667 with hyperplane on `y` and `y_norm`; worst 0.593 with cosine k=2 on `k`"
     * (the cells tied at the best or the worst all named).
     */
    private static final Pattern BEST_AND_WORST =
            Pattern.compile("best (\\S+) (\\d\\.\\d{3}) with (.+?); worst (\\d\\.\\d{3}) with (.+?)\\. ");

    @Test
    void theReportOpensInABrowserWithEveryFigure() throws Exception {
        Report.Written written = Report.write(dir);
        long pngs = written.figures().stream()
                .filter(f -> f.toString().endsWith(".png"))
                .count();
        Chromium.assertRendersWithAllImages(written.html(), (int) pngs);
    }

    /**
     * Tester report: concept names of 80 characters without a space widened the tables past the page. Opened in a
     * window 1280 pixels wide, with the per-concept table shown, the page has nothing to scroll sideways.
     */
    @Test
    void longConceptNamesWrapAndThePageKeepsItsWidth() throws Exception {
        Path file = dir.resolve("results.json");
        String longName = "concept_name_of_eighty_characters_without_a_single_space_to_break_the_line_at__0";
        assertEquals(80, longName.length());
        Files.writeString(
                file,
                Files.readString(file)
                        .replace("\"square\"", "\"" + longName + "\"")
                        .replace("\"striped\"", "\"" + longName.replace('0', '1') + "\""));
        Path html = Report.write(dir).html();
        String page = Files.readString(html);
        assertTrue(page.contains(longName), "the table names the concept");
        String measure = "<script>document.querySelectorAll('details').forEach(d => d.open = true);"
                + "addEventListener('load', () => document.documentElement.dataset.widths ="
                + " document.documentElement.scrollWidth + '/' + document.documentElement.clientWidth);</script>";
        Path measured = dir.resolve("measured.html");
        Files.writeString(measured, page.replace("</body>", measure + "</body>"));
        Matcher widths = Pattern.compile("data-widths=\"(\\d+)/(\\d+)\"").matcher(Chromium.dumpDom(measured, 1280));
        assertTrue(widths.find(), "the page reported its widths");
        int content = Integer.parseInt(widths.group(1)), viewport = Integer.parseInt(widths.group(2));
        assertTrue(viewport > 1200, "a window 1280 pixels wide: " + viewport);
        assertTrue(content <= viewport, "the page is " + content + " pixels wide in a viewport of " + viewport);
    }

    /**
     * Tester report: with cells allowed to break anywhere, table columns shrank to a letter ("mod el", "RANDO M",
     * "0.87 / 9", "ran k"), and a warning naming a 150-character concept ran out of its box. In a window 1280 pixels
     * wide, with 80-character concept names in the tables, no word of 20 characters or fewer is split over two
     * lines (a break after a hyphen or a slash is a normal one; headers may wrap between words), every number is
     * one line, and every warning box holds its text.
     */
    @Test
    void shortWordsAndNumbersAreNotSplitAndWarningsKeepTheirText() throws Exception {
        Path file = dir.resolve("results.json");
        String longName = "concept_name_of_eighty_characters_without_a_single_space_to_break_the_line_at__0";
        String warning = "tasks.segmentation: fewer than k training images for " + "c".repeat(150);
        Files.writeString(
                file,
                Files.readString(file)
                        .replace("\"square\"", "\"" + longName + "\"")
                        .replace("\"report_k\": 2,", "\"report_k\": 2,\n  \"warnings\": [\"" + warning + "\"],"));
        String page = Files.readString(Report.write(dir).html());
        String measure = "<script>document.querySelectorAll('details').forEach(d => d.open = true);"
                + "addEventListener('load', () => { const split = [];"
                + "document.querySelectorAll('td, th').forEach(cell => {"
                + " const walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);"
                + " const lines = r => new Set([...r.getClientRects()].map(x => Math.round(x.top))).size;"
                + " const whole = document.createRange(); whole.selectNodeContents(cell);"
                + " if (cell.classList.contains('num') && lines(whole) > 1)"
                + "  split.push(cell.textContent);"
                + " for (let n = walk.nextNode(); n; n = walk.nextNode()) for (const m of n.data.matchAll(/[^\\s\\/-]+/g)) {"
                + "  if (m[0].length > 20) continue; const r = document.createRange();"
                + "  r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);"
                + "  if (lines(r) > 1) split.push(m[0]); } });"
                + "const over = [...document.querySelectorAll('.warning')].filter(w => w.scrollWidth > w.clientWidth);"
                + "document.documentElement.dataset.split = split.length + ':' + split.join('|');"
                + "document.documentElement.dataset.over = over.length; });</script>";
        Path measured = dir.resolve("measured.html");
        Files.writeString(measured, page.replace("</body>", measure + "</body>"));
        String dom = Chromium.dumpDom(measured, 1280);
        Matcher split = Pattern.compile("data-split=\"([^\"]*)\"").matcher(dom);
        assertTrue(split.find(), "the page reported its split words");
        assertEquals("0:", split.group(1), "words or numbers split over lines (count: words)");
        Matcher over = Pattern.compile("data-over=\"(\\d+)\"").matcher(dom);
        assertTrue(over.find(), "the page reported its warnings");
        assertEquals("0", over.group(1), "warning boxes whose text runs out of them");
    }

    @Test
    void summaryNamesTheWinningTokenAndRuleOfEveryModelAndTask() throws IOException {
        String summary = Files.readString(Report.write(dir).summary());
        for (String model : List.of("tiny")) {
            for (String task : List.of("classification", "segmentation")) {
                String metric = task.equals("classification") ? "accuracy" : "f1";
                List<ResultRow> rows = headline(Level.ALL).stream()
                        .filter(r -> r.cell().model().equals(model)
                                && r.cell().task().equals(task))
                        .toList();
                double best =
                        rows.stream().mapToDouble(r -> r.metric(metric)).max().orElseThrow();
                double worst =
                        rows.stream().mapToDouble(r -> r.metric(metric)).min().orElseThrow();
                String start = "- **" + model + " · " + task + "**: ";
                String line = summary.lines()
                        .filter(l -> l.startsWith(start))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no finding for " + start + " in\n" + summary));
                Matcher m = BEST_AND_WORST.matcher(line);
                assertTrue(m.find(), line);
                assertEquals(metric.equals("f1") ? "F1" : metric, m.group(1), line);
                assertEquals(threeDecimals(best), m.group(2), line);
                assertEquals(named(rows, best, metric), m.group(3), line);
                assertEquals(threeDecimals(worst), m.group(4), line);
                assertEquals(named(rows, worst, metric), m.group(5), line);
            }
        }
    }

    /** How a finding names the rows that print as {@code value}: "hyperplane on `y` and `y_norm`" (one rule here). */
    private static String named(List<ResultRow> rows, double value, String metric) {
        List<ResultRow> at = rows.stream()
                .filter(r -> threeDecimals(r.metric(metric)).equals(threeDecimals(value)))
                .toList();
        List<String> tokens = at.stream().map(r -> "`" + r.cell().token() + "`").toList();
        String names = tokens.size() == 1
                ? tokens.getFirst()
                : String.join(", ", tokens.subList(0, tokens.size() - 1)) + " and " + tokens.getLast();
        return at.getFirst().cell().ruleLabel() + " on " + names;
    }

    /**
     * A model name with Markdown in it (a name is letters, digits, '.', '_' and '-': its underscores), a data set
     * path that is Markdown and HTML, and a warning naming a class with backticks.
     */
    private static final String MODEL = "t_i_n_y_", DATA = "c|l[s](u) #1 <i>", CLASS = "class `a` b";

    /** results.json with user text that is Markdown or HTML in a model name, a data set path and a warning. */
    private void writeUserTextThatIsMarkup() throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(
                file,
                Files.readString(file)
                        .replace("\"tiny\"", "\"" + MODEL + "\"")
                        .replace("$DIR/cls", DATA)
                        .replace("\"report_k\": 2,", "\"report_k\": 2,\n  \"warnings\": [\"" + CLASS + "\"],"));
    }

    /**
     * Tester report: summary.md embedded concept and class names and data set paths raw, so `<script>`, `&amp;`,
     * `|` and `*` in them ran as HTML or broke the Markdown. User text is backslash-escaped wherever it appears.
     */
    @Test
    void summaryEscapesUserTextForMarkdown() throws IOException {
        writeUserTextThatIsMarkup();
        String summary = Files.readString(Report.write(dir).summary());
        String model = "t_i_n_y\\_"; // an underscore inside a word opens no emphasis
        assertTrue(summary.contains("- **" + model + " · classification**: best accuracy"), summary);
        assertTrue(summary.contains("| " + model + " | random:tiny |"), "the setup table: " + summary);
        assertTrue(summary.contains("| classification | c\\|l\\[s\\](u) \\#1 \\<i\\> |"), "the task table");
        assertTrue(summary.contains("> class \\`a\\` b\n"), "the warning: " + summary);
        assertTrue(summary.contains("](figures/tokens-t_i_n_y_-classification.png)"), "the figure link: " + summary);
        assertFalse(summary.contains("<b>") || summary.contains("<i>"), "no raw HTML");
    }

    /**
     * Tester report: the HTML report applied Markdown to user text, so a class name with backticks was drawn
     * partly in code font. User text is shown literally; only the report's own code spans are code.
     */
    @Test
    void htmlShowsUserTextLiterally() throws IOException {
        writeUserTextThatIsMarkup();
        String html = Files.readString(Report.write(dir).html());
        assertTrue(html.contains("<div class=\"warning\">class `a` b</div>"), "the warning as written");
        assertTrue(
                html.contains("<li><strong>t_i_n_y_ · classification</strong>: "),
                "the finding names the model as written");
        assertFalse(html.contains("<b>") || html.contains("<i>"), "no raw HTML");
    }

    @Test
    void theSetupNamesAnInputSizeOtherThanTheCheckpointsOwn() throws IOException {
        assertFalse(Files.readString(Report.write(dir).summary()).contains("Input "), "none at the default");
        Path file = dir.resolve("results.json");
        Files.writeString(
                file,
                Files.readString(file)
                        .replace(
                                "\"center\": false",
                                "\"center\": false,\n    \"image_size\": \"280x392\",\n"
                                        + "    \"pos_resample\": \"timm\""));
        assertTrue(Files.readString(Report.write(dir).summary())
                .contains("Input 280x392, position embeddings resampled as timm does."));
    }

    @Test
    void summaryTableListsEveryHeadlineRowWithThreeDecimalsAndTheSpreadOverTrials() throws IOException {
        String summary = Files.readString(Report.write(dir).summary());
        List<ResultRow> rows = headline(Level.ALL);
        assertEquals(12, rows.size(), "2 tasks × 3 token types × (hyperplane + cosine k=2)");
        for (ResultRow r : rows) {
            CellKey c = r.cell();
            List<String> cells = new ArrayList<>(List.of(
                    c.model(),
                    c.task(),
                    c.token(),
                    c.rule(),
                    Objects.toString(c.k(), ""),
                    "" + r.row().concepts()));
            for (String m : Scores.METRICS) {
                Double std = r.std(m);
                cells.add(threeDecimals(r.metric(m)) + (std == null ? "" : " ± " + threeDecimals(std)));
            }
            String line = "| " + String.join(" | ", cells) + " |\n";
            assertTrue(summary.contains(line), line + "not in\n" + summary);
        }
        assertTrue(summary.contains(" ± "), "the cosine rows show their spread over trials");
    }

    /** Tester report: every SVG differed between two runs (clip-path ids taken from the clock). */
    @Test
    void figuresAreTheSameBytesEveryTime() throws IOException {
        List<Path> figures = Report.write(dir).figures();
        List<byte[]> first = new ArrayList<>();
        for (Path f : figures) first.add(Files.readAllBytes(f));
        assertEquals(figures, Report.write(dir).figures());
        for (int i = 0; i < figures.size(); i++)
            assertArrayEquals(
                    first.get(i),
                    Files.readAllBytes(figures.get(i)),
                    figures.get(i).toString());
    }

    @Test
    void htmlEmbedsEveryFigureItWrote() throws IOException {
        Report.Written written = Report.write(dir);
        String html = Files.readString(written.html());
        List<Path> pngs = written.figures().stream()
                .filter(f -> f.toString().endsWith(".png"))
                .toList();
        assertTrue(pngs.size() >= 4, "tokens, categories, k and qualitative figures: " + pngs);
        assertEquals(pngs.size() * 2, written.figures().size(), "an SVG beside every PNG");
        for (Path f : written.figures()) assertTrue(Files.size(f) > 0, f + " is empty");

        Matcher img = Pattern.compile("<figure id=\"fig-([^\"]+)\"><img alt=\"[^\"]*\" src=\"([^\"]*)\"")
                .matcher(html);
        List<String> embedded = new ArrayList<>();
        while (img.find()) {
            String name = img.group(1), src = img.group(2), prefix = "data:image/png;base64,";
            assertTrue(src.startsWith(prefix), name + " is not embedded");
            Path png = dir.resolve("figures").resolve(name + ".png");
            assertArrayEquals(
                    Files.readAllBytes(png), Base64.getDecoder().decode(src.substring(prefix.length())), name);
            embedded.add(name);
        }
        assertEquals(
                pngs.stream()
                        .map(p -> p.getFileName().toString().replace(".png", ""))
                        .sorted()
                        .toList(),
                embedded.stream().sorted().toList());
        assertEquals(embedded.size(), html.split("<img ", -1).length - 1, "no image outside a figure");
        for (String name : embedded) assertTrue(html.contains("href=\"figures/" + name + ".svg\""), name);
    }

    @Test
    void htmlTablesListEveryRowWithThreeDecimals() throws IOException {
        String html = Files.readString(Report.write(dir).html());
        String overall = section(html, "results");
        long allRows = results.rows().stream()
                .filter(r -> r.row().level() == Level.ALL)
                .count();
        assertEquals(18, allRows, "every k of the cosine rule");
        assertEquals(allRows, overall.split("<tr><td", -1).length - 1, overall);
        String categories = section(html, "per-category");
        assertEquals(headline(Level.CATEGORY).size(), categories.split("<tr><td", -1).length - 1, categories);

        Matcher number = Pattern.compile("<td class=\"num\">([^<]*)</td>").matcher(overall + categories);
        int numbers = 0;
        while (number.find()) {
            String cell = number.group(1);
            if (cell.matches("\\d+")) continue; // k and the concept count
            assertTrue(cell.matches("\\d\\.\\d{3}( ± \\d\\.\\d{3})?"), cell);
            numbers++;
        }
        assertEquals((allRows + headline(Level.CATEGORY).size()) * Scores.METRICS.size(), numbers);
    }

    /** The HTML from a heading's id to the next heading. */
    private static String section(String html, String id) {
        int start = html.indexOf("<h2 id=\"" + id + "\">");
        assertTrue(start >= 0, "no section " + id);
        int end = html.indexOf("<h2 ", start + 1);
        return html.substring(start, end < 0 ? html.length() : end);
    }

    @Test
    void aBadResultsFileIsOneErrorNamingItAndWritesNothing() throws IOException {
        Path file = dir.resolve("results.json");
        Files.writeString(file, "{\"format\": \"vitprobe-results/1\", \"rows\": [");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.write(dir));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertFalse(Files.exists(dir.resolve("report.html")) || Files.exists(dir.resolve("summary.md")));
        assertFalse(Files.exists(dir.resolve("figures")), "no figures either");
    }

    /** Tester report: a redraw that failed on a missing qualitative/ folder left an empty figures/ folder behind. */
    @Test
    void aRedrawThatFailsLeavesNoFiguresFolder() throws IOException {
        Path qualitative = dir.resolve("qualitative");
        try (var pictures = Files.list(qualitative)) {
            for (Path p : pictures.toList()) Files.delete(p);
        }
        Files.delete(qualitative);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Report.write(dir));
        assertTrue(e.getMessage().contains("qualitative"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("figures")), "no figures folder");
        assertFalse(Files.exists(dir.resolve("report.html")) || Files.exists(dir.resolve("summary.md")));
    }

    @Test
    void aFolderWithoutResultsIsOneErrorNamingIt() throws IOException {
        Files.delete(dir.resolve("results.json"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.write(dir));
        assertEquals(dir + ": no results.json (run vitprobe experiment first)", e.getMessage());
    }

    /** Tester report: `vitprobe report OUT/results.json` said the existing file was missing. */
    @Test
    void theResultsFileInsteadOfItsFolderIsOneErrorSayingWhatToGive() {
        Path file = dir.resolve("results.json");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Report.write(file));
        assertEquals(file + ": a file; give the experiment's folder, the one holding results.json", e.getMessage());
    }
}
