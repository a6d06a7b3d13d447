package vitprobe.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.results.CellKey;
import vitprobe.results.CellRow;
import vitprobe.results.Experiment;
import vitprobe.results.Finding;
import vitprobe.results.Headlines;
import vitprobe.results.LayerNormComparison;
import vitprobe.results.Level;
import vitprobe.results.ResultRow;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;
import vitprobe.results.Scores;
import vitprobe.results.Spread;

/** The findings' sentences and the numbers of the summary in the cases a grid of one cell or of ties makes. */
class FindingsTest {
    @TempDir
    Path dir;

    private ResultsDocument golden;

    @BeforeEach
    void readGolden() throws IOException {
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("results.json"))) {
            Files.write(dir.resolve("results.json"), in.readAllBytes());
        }
        golden = ResultsJson.read(dir.resolve("results.json"));
    }

    private ResultsFile with(List<Finding> findings, List<LayerNormComparison> layernorm, Experiment experiment) {
        return with(findings, layernorm, experiment, golden.reportK(), golden.rows());
    }

    private ResultsFile with(
            List<Finding> findings,
            List<LayerNormComparison> layernorm,
            Experiment experiment,
            Integer reportK,
            List<ResultRow> rows) {
        ResultsDocument d = golden;
        return new ResultsFile(
                dir,
                new ResultsDocument(
                        d.format(),
                        experiment,
                        d.models(),
                        reportK,
                        d.skippedConcepts(),
                        d.warnings(),
                        findings,
                        layernorm,
                        d.qualitative(),
                        rows));
    }

    /** The findings results.json would hold for these rows (as the experiment runner makes them). */
    private ResultsFile grid(List<String> tokens, List<String> rules, Integer reportK, List<ResultRow> rows) {
        Experiment e = golden.experiment();
        Experiment experiment = new Experiment(
                e.config(),
                e.models(),
                tokens,
                rules,
                e.tasks(),
                reportK == null ? List.of() : List.of(reportK),
                1,
                e.block(),
                e.seed(),
                e.dtype(),
                e.precision(),
                e.solver(),
                e.center(),
                e.imageSize(),
                e.posResample());
        return with(Headlines.findings(experiment, rows, reportK), List.of(), experiment, reportK, rows);
    }

    /** A row over all concepts of model tiny with the given task metric (the other metrics 0.5). */
    private static ResultRow row(String task, String token, String rule, Integer k, double value) {
        double accuracy = task.equals("classification") ? value : 0.5, f1 = task.equals("segmentation") ? value : 0.5;
        return new ResultRow(
                new CellKey("tiny", task, token, rule, k),
                new CellRow(Level.ALL, null, null, 4, 40, 40, null, new Scores(accuracy, 0.5, 0.5, f1), Spread.NONE));
    }

    private static List<String> overall(List<String> sentences, String modelAndTask) {
        return sentences.stream()
                .filter(s -> s.startsWith("**" + modelAndTask + "**"))
                .toList();
    }

    /**
     * Tester report: two token types tied at F1 0.053 (tokens y and y_norm, cosine k=1) were reported as "on `y`,
     * the only token type and rule". The tie names both.
     */
    @Test
    void twoTokenTypesThatTieAreNamedAsATieNotAsTheOnlyOne() {
        List<ResultRow> rows = List.of(
                row("segmentation", "y", "cosine", 1, 0.0531), row("segmentation", "y_norm", "cosine", 1, 0.0529));
        List<String> sentences = Findings.sentences(grid(List.of("y", "y_norm"), List.of("cosine"), 1, rows));
        assertEquals(
                List.of("**tiny · segmentation**: `y` and `y_norm` tie at F1 0.053 with cosine k=1."),
                overall(sentences, "tiny · segmentation"));
    }

    /** Tester report: "best accuracy 0.700 with hyperplane on `y`" although `y_norm` reached 0.700 too. */
    @Test
    void tokenTypesTiedAtTheBestAreAllNamed() {
        List<ResultRow> rows = List.of(
                row("classification", "y", "hyperplane", null, 0.7),
                row("classification", "y_norm", "hyperplane", null, 0.7),
                row("classification", "k", "hyperplane", null, 0.6));
        List<String> sentences =
                Findings.sentences(grid(List.of("k", "y", "y_norm"), List.of("hyperplane"), null, rows));
        assertEquals(
                List.of("**tiny · classification**: best accuracy 0.700 with hyperplane on `y` and `y_norm`; "
                        + "worst 0.600 with hyperplane on `k`."),
                overall(sentences, "tiny · classification"));
    }

    /** Tester report: a grid of one cell said "best F1 0.500 with hyperplane on `y`; worst 0.500 … on `y`". */
    @Test
    void aSingleCellIsNamedOnceNotAsBothBestAndWorst() {
        List<ResultRow> rows = List.of(row("segmentation", "y", "hyperplane", null, 0.5));
        List<String> sentences = Findings.sentences(grid(List.of("y"), List.of("hyperplane"), null, rows));
        assertEquals(
                List.of("**tiny · segmentation**: F1 0.500 with hyperplane on `y`, the only token type and rule."),
                overall(sentences, "tiny · segmentation"));
    }

    /** Best and worst of different cells at the same printed value: one tie, not a best and a worst. */
    @Test
    void cellsTiedAtTheBestAndWorstAreOneTie() {
        List<ResultRow> rows = List.of(
                row("segmentation", "y", "hyperplane", null, 0.5), row("segmentation", "k", "cosine", 2, 0.4999));
        List<String> sentences = Findings.sentences(grid(List.of("k", "y"), List.of("hyperplane", "cosine"), 2, rows));
        String sentence = overall(sentences, "tiny · segmentation").getFirst();
        assertTrue(
                sentence.startsWith(
                        "**tiny · segmentation**: hyperplane on `y` and cosine k=2 on `k` tie at F1 0.500."),
                sentence);
    }

    /** Tester report: "hyperplane solver mined" in the setup of an experiment of the cosine rule alone. */
    @Test
    void theHyperplaneSolverIsNamedOnlyWhenTheHyperplaneRan() throws IOException {
        Experiment e = golden.experiment();
        assertTrue(
                Report.settings(with(golden.findings(), golden.layernorm(), e)).contains("hyperplane solver mined"));
        Experiment cosineOnly = new Experiment(
                e.config(),
                e.models(),
                e.tokens(),
                List.of("cosine"),
                e.tasks(),
                e.ks(),
                e.trials(),
                e.block(),
                e.seed(),
                e.dtype(),
                e.precision(),
                e.solver(),
                e.center(),
                e.imageSize(),
                e.posResample());
        assertFalse(Report.settings(with(golden.findings(), golden.layernorm(), cosineOnly))
                .contains("solver"));
    }

    /** Tester report: a difference of −0.0002 (and a negative zero) printed as "-0.000". */
    @Test
    void aNumberThatRoundsToZeroHasNoMinusSign() {
        assertEquals("0.000", ResultsFile.format(-0.0));
        assertEquals("0.000", ResultsFile.format(-0.0004));
        assertEquals("0.000", ResultsFile.signed(-0.0004));
        assertEquals("-0.001", ResultsFile.format(-0.0006));
        assertEquals("+0.001", ResultsFile.signed(0.0006));
        assertEquals("0.00", Decimals.fixed(-0.004, 2), "the image commands' tables");
        Scores y = new Scores(0.5, 0.5, 0.5, 0.5), yNorm = new Scores(0.4998, 0.5, 0.5, 0.5 - 1e-9);
        LayerNormComparison tiny =
                new LayerNormComparison("tiny", "segmentation", "hyperplane", null, y, yNorm, yNorm.minus(y));
        List<String> sentences = Findings.sentences(with(List.of(), List.of(tiny), golden.experiment()));
        assertEquals(
                List.of("**LayerNorm, tiny · segmentation · hyperplane**: `y_norm` against `y` changes accuracy "
                        + "by 0.000 and F1 by 0.000."),
                sentences);
    }
}
