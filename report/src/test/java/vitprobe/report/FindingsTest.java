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
import vitprobe.results.Experiment;
import vitprobe.results.Finding;
import vitprobe.results.LayerNormComparison;
import vitprobe.results.Level;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;
import vitprobe.results.Scores;

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
        ResultsDocument d = golden;
        return new ResultsFile(
                dir,
                new ResultsDocument(
                        d.format(),
                        experiment,
                        d.models(),
                        d.reportK(),
                        d.skippedConcepts(),
                        d.warnings(),
                        findings,
                        layernorm,
                        d.qualitative(),
                        d.rows()));
    }

    private static Finding finding(Level scope, Finding.Choice best, Finding.Choice worst) {
        return new Finding(
                "tiny",
                "segmentation",
                "f1",
                scope,
                scope == Level.ALL ? null : "colour",
                best,
                worst,
                List.of(best),
                null);
    }

    /** Tester report: a grid of one cell said "best F1 0.500 with hyperplane on `y`; worst 0.500 … on `y`". */
    @Test
    void aSingleCellIsNamedOnceNotAsBothBestAndWorst() {
        Finding.Choice only = new Finding.Choice("y", "hyperplane", null, 0.5);
        List<String> sentences =
                Findings.sentences(with(List.of(finding(Level.ALL, only, only)), List.of(), golden.experiment()));
        assertEquals(
                List.of("**tiny · segmentation**: F1 0.500 with hyperplane on `y`, the only token type and rule."),
                sentences);
    }

    /** Best and worst of different cells at the same printed value: one tie, not a best and a worst. */
    @Test
    void cellsTiedAtTheBestAndWorstAreOneTie() {
        Finding.Choice best = new Finding.Choice("y", "hyperplane", null, 0.5);
        Finding.Choice worst = new Finding.Choice("k", "cosine", 2, 0.4999);
        List<String> sentences =
                Findings.sentences(with(List.of(finding(Level.CATEGORY, best, worst)), List.of(), golden.experiment()));
        assertEquals(
                List.of("**tiny · segmentation · colour**: every token type and rule reaches F1 0.500 (a tie)."),
                sentences);
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
