package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.Json;

/**
 * The demo end to end with the bundled small DINO-format model (dim 64, 2 blocks, patch 8): the report holds every
 * figure and table, every number it shows is a value of results.json, and a second run reuses everything.
 */
class DemoCommandTest {
    @TempDir
    Path dir;

    /** A number standing alone: not part of a word ("vits8"), a file name or a longer number. */
    static final Pattern NUMBER = Pattern.compile("(?<![\\w.])-?\\d+(?:\\.\\d+)?(?![\\w.])");
    /** References to the study's figures and tables are the only numbers of the report's own text. */
    static final Pattern STUDY_REFERENCE = Pattern.compile("the study's (?:Fig\\.|Table) [\\d, ]+");

    @Test
    void writesTheReportWithEveryFigureFromResultsAndResumes() throws Exception {
        Path out = dir.resolve("demo");
        String model = ExtractCommandTest.model();
        CliRunner first = CliRunner.run("demo", "--model", model, "--out", out.toString());
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("report:  " + out.resolve("report.html")), first.out());
        assertFalse(first.out().contains("RANDOM"), "a checkpoint is not flagged as random: " + first.out());
        // the command a user can paste: the launcher is ./vitprobe
        assertTrue(
                first.out().contains("(rerun with: ./vitprobe experiment " + out.resolve("experiment.json") + ")"),
                first.out());
        assertTrue(first.err().contains("[48/48]"), "progress of the 48 cells: " + first.err());
        // The bytes the map-based writer gave, so that earlier demo folders keep their experiment.json.
        assertEquals("""
                {
                  "models": {
                    "hf-vit-dino-format-small": "MODEL"
                  },
                  "tasks": {
                    "classification": {
                      "dataset": "data/classification"
                    },
                    "segmentation": {
                      "dataset": "data/broden",
                      "patches_per_image": 16
                    }
                  },
                  "tokens": ["q", "k", "v", "x", "y", "y_norm"],
                  "rules": ["hyperplane", "cosine"],
                  "k": [1, 3, 5],
                  "trials": 5,
                  "device": "auto",
                  "precision": "fp32",
                  "qualitative": {
                    "images": 2,
                    "candidates": 6
                  },
                  "output": "."
                }
                """, Files.readString(out.resolve("experiment.json")).replace(model, "MODEL"));

        Map<String, Object> results = Json.parseObject(Files.readString(out.resolve("results.json")));
        String html = Files.readString(out.resolve("report.html")),
                summary = Files.readString(out.resolve("summary.md"));
        String name = "hf-vit-dino-format-small";
        List<String> figures = new ArrayList<>();
        for (String task : List.of("classification", "segmentation"))
            figures.addAll(List.of("tokens-" + name + "-" + task, "k-sweep-" + name + "-" + task));
        for (String rule : List.of("hyperplane", "cosine")) figures.add("categories-" + name + "-" + rule);
        figures.addAll(List.of("qualitative-best", "qualitative-worst"));
        for (String figure : figures) {
            byte[] png = Files.readAllBytes(out.resolve("figures/" + figure + ".png"));
            BufferedImage image =
                    ImageIO.read(out.resolve("figures/" + figure + ".png").toFile());
            assertNotNull(image, figure);
            assertTrue(
                    image.getWidth() >= 600 && image.getHeight() >= 300,
                    figure + " is " + image.getWidth() + "x" + image.getHeight());
            String svg = Files.readString(out.resolve("figures/" + figure + ".svg"));
            assertTrue(svg.contains("<svg") && svg.contains("</svg>"), figure + ".svg");
            assertTrue(html.contains("<figure id=\"fig-" + figure + "\"><img"), figure + " in report.html");
            assertTrue(
                    html.contains(
                            "src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\""),
                    figure + " embedded");
            assertTrue(summary.contains("(figures/" + figure + ".png)"), figure + " linked from summary.md");
        }
        try (var files = Files.list(out.resolve("figures"))) {
            assertEquals(2L * figures.size(), files.count(), "no other figures");
        }
        for (String section : List.of("findings", "setup", "layernorm", "results", "per-category", "per-concept")) {
            assertTrue(html.contains("<h2 id=\"" + section + "\">"), section);
        }
        assertEquals(4, count(html, "<table class=\"sortable\">"), "LayerNorm, all results, per category, per concept");
        assertTrue(html.contains("<script>") && html.contains("table.sortable th"), "tables sort by a click");
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http"), "self-contained");
        assertTrue(
                summary.contains("## Findings")
                        && summary.contains("| model | task | rule | metric | y | y_norm | y_norm − y |"),
                summary);
        // The findings name a winner per model and task and per segmentation category (object, part, texture).
        assertEquals(5, count(summary, "- **" + name + " · "), summary);

        Set<String> allowed = numbersOf(results);
        assertOnlyResultNumbers(visibleText(html), allowed, "report.html");
        assertOnlyResultNumbers(summary.replaceAll("\\]\\([^)]*\\)", "]"), allowed, "summary.md");

        String before = Files.readString(out.resolve("results.json"));
        CliRunner second = CliRunner.run("demo", "--model", model, "--out", out.toString());
        assertEquals(0, second.status(), second.err());
        assertTrue(
                second.out()
                        .contains("cells:   0 computed, 48 reused from an earlier run; qualitative panels reused\n"),
                second.out());
        assertEquals(before, Files.readString(out.resolve("results.json")));
    }

    /**
     * Tester reports: two models whose folders share a name (a/model, b/model) were both named "model" and only the
     * second was probed; the "rerun with" line of an output folder with a space and a quote could not be pasted.
     */
    @Test
    void modelsOfTheSameNameAreBothProbedUnderDistinctNames() throws Exception {
        Path a = copyModel(dir.resolve("a/model")), b = copyModel(dir.resolve("b/model"));
        Path out = dir.resolve("it's a demo");
        CliRunner r = CliRunner.run("demo", "--model", a.toString(), "--model", b.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("models: a-model = " + a + ", b-model = " + b + "\n"), r.out());
        Map<String, Object> config = Json.parseObject(Files.readString(out.resolve("experiment.json")));
        assertEquals(Map.of("a-model", a.toString(), "b-model", b.toString()), config.get("models"));
        Map<String, Object> results = Json.parseObject(Files.readString(out.resolve("results.json")));
        Set<String> probed = new HashSet<>();
        for (Object row : (List<?>) results.get("rows")) probed.add((String) ((Map<?, ?>) row).get("model"));
        assertEquals(Set.of("a-model", "b-model"), probed);
        String quoted = "'" + out.resolve("experiment.json").toString().replace("'", "'\\''") + "'";
        assertTrue(r.out().contains("(rerun with: ./vitprobe experiment " + quoted + ")"), r.out());
        assertEquals(
                List.of(
                        "./vitprobe",
                        "experiment",
                        out.resolve("experiment.json").toString()),
                shellWords(quoted));
    }

    private static Path copyModel(Path to) throws Exception {
        Path from = Path.of(ExtractCommandTest.model());
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
        return to;
    }

    /** The words /bin/sh makes of "./vitprobe experiment ARGUMENT": what a pasted line runs. */
    private static List<String> shellWords(String argument) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "printf '%s\\n' ./vitprobe experiment " + argument).start();
        List<String> words =
                new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor());
        return words;
    }

    private static long count(String text, String fragment) {
        return Pattern.compile(Pattern.quote(fragment)).matcher(text).results().count();
    }

    /** The text a browser shows: no scripts, styles, tags or attributes (where the base64 figures are). */
    static String visibleText(String html) {
        String s = html.replaceAll("(?s)<script>.*?</script>", " ")
                .replaceAll("(?s)<style>.*?</style>", " ")
                .replaceAll("(?s)<[^>]*>", " ");
        return s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&amp;", "&");
    }

    /** Every value of results.json as the report may print it: integers as they are, numbers to 3 decimals. */
    static Set<String> numbersOf(Object json) {
        Set<String> out = new HashSet<>();
        collect(json, out);
        return out;
    }

    private static void collect(Object v, Set<String> out) {
        switch (v) {
            case Map<?, ?> m -> m.values().forEach(x -> collect(x, out));
            case List<?> l -> l.forEach(x -> collect(x, out));
            case Long n -> { // JSON writes 1.0 as 1: a metric of 1 reads back as an integer
                out.add(n.toString());
                out.add(String.format(Locale.ROOT, "%.3f", n.doubleValue()));
            }
            case Double d -> out.add(String.format(Locale.ROOT, "%.3f", d));
            case String s -> NUMBER.matcher(s).results().forEach(r -> out.add(r.group()));
            case null, default -> {}
        }
    }

    static void assertOnlyResultNumbers(String text, Set<String> allowed, String what) {
        String shown = STUDY_REFERENCE.matcher(text).replaceAll(" ");
        Matcher m = NUMBER.matcher(shown);
        int checked = 0;
        while (m.find()) {
            assertTrue(
                    allowed.contains(m.group()),
                    what + " shows " + m.group() + ", which is no value of results.json, in: "
                            + shown.substring(Math.max(0, m.start() - 80), Math.min(shown.length(), m.end() + 40))
                                    .replaceAll("\\s+", " "));
            checked++;
        }
        assertTrue(checked > 100, what + " shows only " + checked + " numbers");
    }
}
