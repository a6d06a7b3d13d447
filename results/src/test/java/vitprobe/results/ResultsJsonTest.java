package vitprobe.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsJsonTest {
    @TempDir
    Path dir;

    private static final CellKey HYPERPLANE = new CellKey("tiny", "segmentation", "y", "hyperplane", null);
    private static final CellKey COSINE = new CellKey("tiny", "segmentation", "y", "cosine", 5);

    static final List<ResultRow> ROWS = List.of(
            new ResultRow(
                    HYPERPLANE,
                    new CellRow(
                            Level.CONCEPT,
                            "sky, blue",
                            "scene",
                            1,
                            4,
                            4,
                            null,
                            new Scores(1.0, 0.5, 0.25, 1.0 / 3),
                            Spread.NONE)),
            new ResultRow(
                    COSINE,
                    new CellRow(
                            Level.ALL,
                            null,
                            null,
                            2,
                            null,
                            null,
                            null,
                            new Scores(0.75, 1e-7, 0, 0.5),
                            Spread.of(new Scores(0.125, 0, 0.5, 0.0625)))));

    static ResultsDocument document() {
        var segmentation = new Experiment.TaskSetup("/data/broden", "train", "val", 16);
        Experiment experiment = new Experiment(
                "/data/grid.json",
                Map.of("tiny", "random:tiny"),
                List.of("y"),
                List.of("hyperplane", "cosine"),
                Map.of("segmentation", segmentation),
                List.of(5),
                3,
                -1,
                0,
                "f16",
                "fp32",
                "mined",
                false,
                null,
                null);
        Finding.Choice best = new Finding.Choice("y", "cosine", 5, 0.5);
        Finding finding = new Finding(
                "tiny",
                "segmentation",
                "f1",
                Level.ALL,
                null,
                best,
                best,
                List.of(best),
                new Finding.RuleWins(0, 1, 0, 1));
        QualitativePanel panel = new QualitativePanel(
                QualitativePanel.Kind.WORST,
                "sky",
                0.5,
                List.of(new QualitativePanel.Column("tiny", "cosine", "y", 5, 0.5)),
                List.of(new QualitativePanel.Image(
                        "synth/a.jpg",
                        "qualitative/test-0.png",
                        2,
                        null,
                        "0110",
                        0.5,
                        List.of(new QualitativePanel.Prediction("tiny", "cosine", 2, null, "0100", 0.5)))));
        Scores y = new Scores(0.5, 0.5, 0.5, 0.5), yNorm = new Scores(0.75, 0.5, 0.25, 0.5);
        return new ResultsDocument(
                ResultsDocument.FORMAT,
                experiment,
                List.of(new ModelDescription("tiny", "random:tiny", true, "format timm", 1)),
                5,
                List.of(new SkippedConcepts("tiny", "segmentation", List.of("striped"))),
                null,
                List.of(finding),
                List.of(new LayerNormComparison("tiny", "segmentation", "cosine", 5, y, yNorm, yNorm.minus(y))),
                List.of(panel),
                ROWS);
    }

    @Test
    void readsBackWhatItWrites() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, document());
        assertEquals(document(), ResultsJson.read(file));
        String text = Files.readString(file);
        assertTrue(text.startsWith("{\n  \"format\": \"vitprobe-results/1\",\n  \"experiment\": {\n"), text);
        assertTrue(text.contains("\"k\": [5],"), text);
        assertTrue(text.contains("\"level\": \"concept\""), text);
        assertTrue(text.contains("\"kind\": \"worst\""), text);
        assertTrue(text.contains("\"y_norm\": {"), text);
        assertTrue(text.contains("\"accuracy_std\": null,"), text);
    }

    /** Square grids and the default input size write no new keys, so that older files read back the same. */
    @Test
    void nonSquareGridsAndOtherInputSizesAddTheirKeysOnly() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, document());
        String square = Files.readString(file);
        assertTrue(!square.contains("grid_columns") && !square.contains("image_size"), square);
        ResultsDocument d = document();
        Experiment e = d.experiment();
        Experiment wide = new Experiment(
                e.config(),
                e.models(),
                e.tokens(),
                e.rules(),
                e.tasks(),
                e.ks(),
                e.trials(),
                e.block(),
                e.seed(),
                e.dtype(),
                e.precision(),
                e.solver(),
                e.center(),
                "280x392",
                "timm");
        QualitativePanel p = d.qualitative().getFirst();
        QualitativePanel.Image image = new QualitativePanel.Image(
                "synth/a.jpg",
                "qualitative/test-0.png",
                1,
                4,
                "0110",
                0.5,
                List.of(new QualitativePanel.Prediction("tiny", "cosine", 1, 4, "0100", 0.5)));
        QualitativePanel panel = new QualitativePanel(p.kind(), p.concept(), p.f1(), p.columns(), List.of(image));
        ResultsDocument other = new ResultsDocument(
                d.format(),
                wide,
                d.models(),
                d.reportK(),
                d.skippedConcepts(),
                d.warnings(),
                d.findings(),
                d.layernorm(),
                List.of(panel),
                d.rows());
        ResultsJson.write(file, other);
        assertEquals(other, ResultsJson.read(file));
        String text = Files.readString(file);
        assertTrue(text.contains("\"image_size\": \"280x392\",\n    \"pos_resample\": \"timm\""), text);
        assertTrue(text.contains("\"grid\": 1,\n          \"grid_columns\": 4,"), text);
        assertEquals(
                4,
                ResultsJson.read(file)
                        .qualitative()
                        .getFirst()
                        .images()
                        .getFirst()
                        .columns());
    }

    @Test
    void aBadValueIsOneMessageNamingTheFileAndThePlace() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, document());
        Files.writeString(file, Files.readString(file).replace("\"concept\": \"sky, blue\"", "\"concept\": 7"));
        var e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(file));
        assertEquals(file + ": rows[0].concept: expected a string, found a number", e.getMessage());

        Files.writeString(file, "{\"format\": \"vitprobe-results/0\"}");
        e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(file));
        assertEquals(
                file + ": not a vitprobe results file (format vitprobe-results/0, expected vitprobe-results/1)",
                e.getMessage());

        Files.writeString(file, "{\"format\": \"vitprobe-results/1\",");
        e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(file));
        assertEquals(file + ": invalid JSON at character 32: unexpected end of input", e.getMessage());
    }

    /**
     * A name that ends up in a file name (tester report: a model renamed "dino/v1" by hand drew its figures into a
     * subfolder on redraw) is refused naming its place.
     */
    @Test
    void namesThatCannotBeFileNamesAreRefused() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, document());
        String written = Files.readString(file);
        Files.writeString(file, written.replace("\"name\": \"tiny\"", "\"name\": \"dino/v1\""));
        var e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(file));
        assertEquals(
                file + ": models[0].name: 'dino/v1' must be ASCII letters, digits, '.', '_' or '-' (it names folders)",
                e.getMessage());

        Files.writeString(file, written.replace("\"rules\": [\"", "\"rules\": [\"../x\", \""));
        e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(file));
        assertTrue(e.getMessage().startsWith(file + ": experiment.rules: '../x' must be"), e.getMessage());
    }

    /** An impossible metric (tester report: accuracy 7.5 and F1 -1 were drawn) is refused naming its place. */
    @Test
    void metricsOutsideZeroToOneAreRefused() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, document());
        String good = Files.readString(file);
        assertTrue(good.contains("\"accuracy\": 1,"), good);
        record Case(String from, String to, String message) {}
        for (Case c : List.of(
                new Case("\"accuracy\": 1,", "\"accuracy\": 7.5,", "rows[0].accuracy: 7.5 is outside [0, 1]"),
                new Case("\"f1\": 0.5,", "\"f1\": -1,", "rows[1].f1: -1.0 is outside [0, 1]"),
                new Case(
                        "\"recall_std\": 0.5,",
                        "\"recall_std\": 1e999,",
                        "rows[1].recall_std: Infinity is outside [0, 1] (not a finite number)"),
                new Case("\"iou\": 0.5,", "\"iou\": 1.5,", "qualitative[0].images[0].iou: 1.5 is outside [0, 1]"),
                new Case("\"value\": 0.5", "\"value\": 2", "findings[0].best.value: 2.0 is outside [0, 1]"))) {
            assertTrue(good.contains(c.from()), c.from());
            int at = c.message().startsWith("rows") ? good.lastIndexOf(c.from()) : good.indexOf(c.from());
            Files.writeString(
                    file,
                    good.substring(0, at)
                            + c.to()
                            + good.substring(at + c.from().length()));
            var e = assertThrows(IllegalArgumentException.class, () -> ResultsJson.read(file), c.to());
            assertEquals(file + ": " + c.message(), e.getMessage());
        }
    }

    @Test
    void warningsAreKeptAndAbsentWhenNone() throws IOException {
        Path file = dir.resolve("results.json");
        ResultsJson.write(file, document());
        assertTrue(!Files.readString(file).contains("\"warnings\""), "no warnings: no key, as in older files");
        ResultsDocument d = document();
        ResultsDocument warned = new ResultsDocument(
                d.format(),
                d.experiment(),
                d.models(),
                d.reportK(),
                d.skippedConcepts(),
                List.of("tasks.classification: k 50 exceeds the 4 training images of the smallest class (a)"),
                d.findings(),
                d.layernorm(),
                d.qualitative(),
                d.rows());
        ResultsJson.write(file, warned);
        assertEquals(warned, ResultsJson.read(file));
    }

    @Test
    void csvHasTheRowsColumnsAndNumbersAsTheJsonWritesThem() throws IOException {
        Path file = dir.resolve("results.csv");
        ResultsCsv.write(file, ROWS);
        assertEquals("""
                model,task,token,rule,k,level,concept,category,concepts,positives,negatives,support,\
                accuracy,precision,recall,f1,accuracy_std,precision_std,recall_std,f1_std
                tiny,segmentation,y,hyperplane,,concept,"sky, blue",scene,1,4,4,,1,0.5,0.25,0.3333333333333333,,,,
                tiny,segmentation,y,cosine,5,all,,,2,,,,0.75,1.0E-7,0,0.5,0.125,0,0.5,0.0625
                """, Files.readString(file));
    }
}
