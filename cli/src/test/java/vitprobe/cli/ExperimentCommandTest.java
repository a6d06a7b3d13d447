package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.FolderLock;
import vitprobe.io.Json;
import vitprobe.io.OwnedNames;
import vitprobe.probe.data.Synthetic;
import vitprobe.probe.experiment.ExperimentConfig;
import vitprobe.probe.experiment.ExperimentRunner;
import vitprobe.report.Report;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

class ExperimentCommandTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void datasets() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("cls"), 3, 4, 3, 80, 64, 2);
        Synthetic.writeBroden(dir.resolve("broden"), 16, 64, 2);
    }

    private static void assertConfigError(String name, String config, String expected) throws IOException {
        Path file = Files.writeString(dir.resolve(name), config);
        Path out = dir.resolve("out-" + name);
        CliRunner r = CliRunner.run("experiment", file.toString(), "--out", out.toString());
        assertEquals(1, r.status(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("vitprobe: " + file + ": "), lines.getFirst());
        assertTrue(lines.getFirst().contains(expected), lines.getFirst() + " lacks " + expected);
        assertFalse(Files.exists(out), "no work before the config is checked");
    }

    @Test
    void configMistakesAreOneLineBeforeAnyWork() throws IOException {
        String tasks = "tasks: {classification: {dataset: cls}, segmentation: {dataset: broden}}\n";
        assertConfigError(
                "token.yaml",
                "models: [random:vits8]\n" + tasks + "tokens: [q, y_nrom]\n",
                "tokens: unknown token type 'y_nrom'");
        assertConfigError(
                "dataset.yaml",
                "models: [random:vits8]\ntasks: {segmentation: {dataset: nowhere}}\n",
                "tasks.segmentation.dataset: no such folder " + dir.resolve("nowhere"));
        assertConfigError(
                "k.json",
                "{\"models\": [\"random:vits8\"], \"tasks\": {\"classification\": {\"dataset\": \"cls\"}}, \"k\": [3, -1]}",
                "k: values must be positive integers, got -1");
        assertConfigError(
                "model.yaml",
                "models: {mine: weights/missing.safetensors}\n" + tasks,
                "models.mine: " + dir.resolve("weights/missing.safetensors") + ": no such file or folder");
        assertConfigError(
                "random.yaml",
                "models: [random:vitl14]\n" + tasks,
                "models.random-vitl14: unknown random model 'random:vitl14'");
        assertConfigError("format.toml", "models = []", "unknown config format");
    }

    /** Tester reports: a one-class data set failed after extraction naming no file; a huge seed was wrapped. */
    @Test
    void dataSetsAndNumbersThatCannotWorkAreOneLineBeforeAnyWork() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("one"), 1, 2, 1, 64, 64, 2);
        String name;
        try (var classes = Files.list(dir.resolve("one/train"))) {
            name = classes.findFirst().orElseThrow().getFileName().toString();
        }
        assertConfigError(
                "one.yaml",
                "models: [random:vits8]\ntasks: {classification: {dataset: one}}\n",
                "tasks.classification: " + dir.resolve("one") + " has only 1 class (" + name
                        + "); a concept needs negatives");
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertConfigError("seed.yaml", ok + "seed: 99999999999999999999999\n", "seed: must be a 64-bit integer");
        assertConfigError("inside.yaml", ok + "output: cls/train\n", "output: " + dir.resolve("cls/train") + " lies");
    }

    /** Tester reports: --out in or around the data set scattered outputs among its classes; a file said only its name. */
    @Test
    void anOutFlagThatIsAFileOrOverlapsADataSetIsABadFlag() throws IOException {
        Path file = Files.writeString(
                dir.resolve("apart.yaml"), "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n");
        Path data = dir.resolve("cls");
        Path afile = Files.writeString(dir.resolve("afile"), "x");
        Path link = dir.resolve("cls-link");
        if (!Files.exists(link)) Files.createSymbolicLink(link, data);
        record Case(Path out, String problem) {}
        for (Case c : List.of(
                new Case(data, data + " is the data set folder of tasks.classification"),
                new Case(data.resolve("train"), data.resolve("train") + " lies inside the data set folder"),
                new Case(link.resolve("out"), link.resolve("out") + " lies inside the data set folder"),
                new Case(afile, afile + " exists and is not a folder"))) {
            List<String> before = listing(data);
            CliRunner r = CliRunner.run(
                    "experiment", file.toString(), "--out", c.out().toString());
            assertEquals(Main.EXIT_USAGE, r.status(), r.err());
            String first = r.err().lines().findFirst().orElse("");
            assertTrue(first.startsWith("vitprobe: --out: " + c.problem()), first);
            assertEquals(
                    "Try 'vitprobe experiment --help'.",
                    r.err().lines().toList().get(1));
            assertEquals(before, listing(data), "nothing written into the data set");
        }
        assertEquals("x", Files.readString(afile));
        // An output that holds the data set where the experiment writes (its features/)
        Path wrap = dir.resolve("wrap");
        Synthetic.writeImageFolder(wrap.resolve("features"), 2, 1, 1, 64, 64, 2);
        Path wrapped = Files.writeString(
                dir.resolve("wrapped.yaml"),
                "models: [random:vits8]\ntasks: {classification: {dataset: wrap/features}}\n");
        CliRunner r = CliRunner.run("experiment", wrapped.toString(), "--out", wrap.toString());
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertTrue(
                r.err()
                        .startsWith("vitprobe: --out: " + wrap + " holds the data set folder of tasks.classification ("
                                + wrap.resolve("features") + ") in features, which the experiment writes"),
                r.err());
        assertFalse(Files.exists(wrap.resolve(".vitprobe.lock")));
    }

    private static List<String> listing(Path folder) throws IOException {
        try (var s = Files.walk(folder)) {
            return s.map(Path::toString).sorted().toList();
        }
    }

    /**
     * Tester report: report redrew the figures of a folder while an experiment was writing it, and before that
     * experiment's results.json it said there was none.
     */
    @Test
    void reportIsRefusedWhileAnExperimentWritesTheFolder() throws IOException {
        String json = Files.readString(tinyExperiment().output().resolve("results.json"));
        Path first = Files.createDirectories(dir.resolve("first-run")),
                rerun = Files.createDirectories(dir.resolve("rerun"));
        Files.writeString(rerun.resolve("results.json"), json);
        for (Path folder : List.of(first, rerun)) {
            try (FolderLock experiment = FolderLock.acquire(folder)) {
                CliRunner r = CliRunner.run("report", folder.toString());
                assertEquals(1, r.status(), r.err());
                assertTrue(r.err().startsWith("vitprobe: " + folder + " is being written by process "), r.err());
                assertEquals(1, r.err().lines().count(), r.err());
            }
            assertFalse(Files.exists(folder.resolve("figures")), "nothing written");
        }
        assertEquals(0, CliRunner.run("report", rerun.toString()).status(), "once the experiment is done");
        assertTrue(Files.isDirectory(rerun.resolve("figures")));
    }

    /** Tester report: accuracy 7.5 and F1 -1 in results.json were drawn. */
    @Test
    void impossibleMetricsInAResultsFileAreRefused() throws IOException {
        String json = Files.readString(tinyExperiment().output().resolve("results.json"));
        Path folder = Files.createDirectories(dir.resolve("impossible-results"));
        Path file = Files.writeString(
                folder.resolve("results.json"), json.replaceFirst("\"accuracy\": [-0-9.E]+", "\"accuracy\": 7.5"));
        CliRunner r = CliRunner.run("report", folder.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals("vitprobe: " + file + ": rows[0].accuracy: 7.5 is outside [0, 1]\n", r.err());
        assertFalse(
                Files.exists(folder.resolve("figures")) || Files.exists(folder.resolve("report.html")),
                "nothing written");
    }

    @Test
    void anImageSizeThatDoesNotFitAModelIsOneLineBeforeAnyWork() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertConfigError(
                "size.yaml",
                ok + "image_size: 450\n",
                "image_size: image size 450x450 is not a multiple of the model's patch size 8 (e.g. 448) (model"
                        + " random-vits8)");
        Path file = Files.writeString(dir.resolve("flag.yaml"), ok);
        Path out = dir.resolve("out-flag");
        CliRunner r = CliRunner.run("experiment", file.toString(), "--out", out.toString(), "--image-size", "452");
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --image-size: image size 452x452 is not a multiple of the model's patch size 8 (e.g. 456)\n"
                        + "Try 'vitprobe experiment --help'.\n",
                r.err());
        assertFalse(Files.exists(out), "no work before the size is checked");
    }

    @Test
    void aSparkBlockRunsOnSparkLikeTheFlagWhichWins() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        String missing = " needs Apache Spark and the vitprobe-spark module on the class path: run ./vitprobe (it adds"
                + " them), or spark-submit";
        // The tests' class path has no Spark, so the block's master is asked for and refused, naming the config.
        assertConfigError("spark.yaml", ok + "spark: {master: 'local[2]'}\n", "spark" + missing);
        assertConfigError("spark-key.yaml", ok + "spark: {master: 'local[2]', tasks: 2}\n", "spark.tasks: unknown");
        Path file = dir.resolve("spark.yaml"), out = dir.resolve("out-spark-flag");
        CliRunner r = CliRunner.run("experiment", file.toString(), "--out", out.toString(), "--spark", "local[1]");
        assertEquals(1, r.status(), r.err());
        assertEquals("vitprobe: --spark" + missing, r.err().strip(), "the flag names the master");
        assertFalse(Files.exists(out));
    }

    @Test
    void aBadSparkMasterIsABadFlagOrABadConfigBeforeAnyWork() throws IOException {
        String ok = "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n";
        assertConfigError(
                "bad-master.yaml",
                ok + "spark: {master: 'local[0]'}\n",
                "spark: master: 'local[0]' is no Spark master: N (threads) must be at least 1");
        Path file = dir.resolve("bad-master.yaml"), out = dir.resolve("out-bad-master-flag");
        CliRunner r = CliRunner.run("experiment", file.toString(), "--out", out.toString(), "--spark", "foo://x");
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --spark: 'foo://x' is no Spark master: expected local, local[N], local[*], local[N,F], "
                        + "local[*,F], spark://HOST:PORT[,HOST:PORT...] or submit\n"
                        + "Try 'vitprobe experiment --help'.\n",
                r.err());
        assertFalse(Files.exists(out));
    }

    /** A cluster that cannot start is one line and leaves no output folder (it left a locked one, refused later). */
    @Test
    void aClusterThatCannotStartIsOneLineAndWritesNothing() throws Exception {
        Path file = Files.writeString(
                dir.resolve("yarn.yaml"), "models: [random:vits8]\ntasks: {classification: {dataset: cls}}\n");
        Path out = dir.resolve("out-yarn");
        CliRunner r = FailingCluster.installed(
                dir.resolve("failing-cluster"),
                () -> CliRunner.run(
                        "experiment", file.toString(), "--out", out.toString(), "--spark", FailingCluster.MASTER));
        assertEquals(1, r.status(), r.err());
        assertEquals("vitprobe: " + FailingCluster.WHY + "\n", r.err());
        assertFalse(Files.exists(out));
    }

    /** A tiny classification grid on random weights, run once for the tests that need its output. */
    private static synchronized ExperimentConfig tinyExperiment() throws IOException {
        Path file = dir.resolve("tiny.yaml");
        if (Files.exists(file)) return ExperimentConfig.load(file);
        Files.writeString(file, """
                models: {tiny: "random:tiny"}
                tasks: {classification: {dataset: cls}}
                tokens: [v, y]
                k: 2
                trials: 2
                """);
        ViTConfig tiny = new ViTConfig(
                CheckpointFormat.TIMM,
                32,
                2,
                2,
                16,
                64,
                3,
                64,
                1e-6,
                ViTConfig.imagenetMean(),
                ViTConfig.imagenetStd(),
                "bicubic");
        ExperimentConfig config = ExperimentConfig.load(file);
        new ExperimentRunner(
                        config, (reference, seed) -> ViTWeights.random(tiny, seed), new PrintWriter(new StringWriter()))
                .run();
        return config;
    }

    @Test
    void randomWeightsAreFlaggedInTheReport() throws IOException {
        ExperimentConfig config = tinyExperiment();
        Report.Written written = Report.write(config.output());
        String html = Files.readString(written.html()), summary = Files.readString(written.summary());
        assertTrue(html.contains("<div class=\"warning\"><strong>The weights of tiny are RANDOM</strong>"), html);
        assertTrue(summary.contains("> **The weights of tiny are RANDOM**"), summary);
        // Classification only, without y_norm: no category, LayerNorm or qualitative figures and sections.
        assertEquals(
                List.of(
                        "k-sweep-tiny-classification.png",
                        "k-sweep-tiny-classification.svg",
                        "tokens-tiny-classification.png",
                        "tokens-tiny-classification.svg"),
                written.figures().stream()
                        .map(p -> p.getFileName().toString())
                        .sorted()
                        .toList());
        assertFalse(html.contains("id=\"layernorm\"") || html.contains("id=\"qualitative\""));
        DemoCommandTest.assertOnlyResultNumbers(
                DemoCommandTest.visibleText(html),
                DemoCommandTest.numbersOf(
                        Json.parse(Files.readString(config.output().resolve("results.json")))),
                "report.html");
    }

    /**
     * The testers' case: on a full disk, "experiment done" was printed before the report's write failed. Here the
     * last write, report.html, fails (a folder stands at its place): nothing says done, and the error is the last line.
     */
    @Test
    void doneIsSaidOnlyOnceEveryOutputIsWritten() throws Exception {
        Path file = Files.writeString(
                dir.resolve("small.yaml"),
                "models: {small: " + ImageViews.model() + "}\ntasks: {classification: {dataset: cls}}\n"
                        + "tokens: [y]\nrules: [cosine]\nk: 2\ntrials: 2\n");
        Path out = dir.resolve("out-small"), page = out.resolve("report.html");
        Files.writeString(Files.createDirectories(page).resolve("in the way"), "x");
        CliRunner r = CliRunner.run("experiment", file.toString(), "--out", out.toString());
        assertEquals(1, r.status(), r.err());
        assertFalse(r.err().contains("done") || r.out().contains("report:"), r.out() + r.err());
        assertEquals(
                "vitprobe: " + page + ": cannot write: Is a directory",
                r.err().lines().toList().getLast());

        OwnedNames.deleteTree(page);
        r = CliRunner.run("experiment", file.toString(), "--out", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().lines().toList().getLast().startsWith("experiment done in "), r.err());
        assertTrue(r.out().contains("report:  " + page), r.out());
    }

    @Test
    void aBadResultsFileIsOneLineNamingTheFileAndThePlace() throws IOException {
        String json = Files.readString(tinyExperiment().output().resolve("results.json"));
        Path folder = Files.createDirectories(dir.resolve("bad-results"));
        String badF1 = json.replaceFirst("\"f1\": ([-0-9.E]+)", "\"f1\": \"$1\"");
        Path file = Files.writeString(folder.resolve("results.json"), badF1);
        CliRunner r = CliRunner.run("report", folder.toString());
        assertEquals(1, r.status(), r.err());
        assertEquals("vitprobe: " + file + ": rows[0].f1: expected a number, found a string\n", r.err());
        assertFalse(
                Files.exists(folder.resolve("figures")) || Files.exists(folder.resolve("report.html")),
                "nothing written");
    }
}
