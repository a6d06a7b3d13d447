package vitprobe.probe.experiment;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.InputResolution;
import vitprobe.engine.extract.Extractor;
import vitprobe.io.FolderLock;
import vitprobe.io.Json;
import vitprobe.probe.data.Synthetic;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** The grid on a tiny random ViT (dim 32, 2 blocks, patch 16, 64 px input) and tiny synthetic sets. */
class ExperimentRunnerTest {
    @TempDir
    Path dir;

    static final ViTConfig TINY = new ViTConfig(
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
    static final ExperimentRunner.ModelLoader LOADER = (reference, seed) -> ViTWeights.random(TINY, seed);

    private ExperimentConfig config(int trials) throws IOException {
        if (!Files.exists(dir.resolve("cls"))) {
            Synthetic.writeImageFolder(dir.resolve("cls"), 3, 4, 3, 80, 64, 1);
            Synthetic.writeBroden(dir.resolve("broden"), 16, 64, 1);
        }
        return ExperimentConfig.load(Files.writeString(dir.resolve("grid.json"), """
                {"models": {"tiny": "random:tiny"},
                 "tasks": {"classification": {"dataset": "cls"}, "segmentation": {"dataset": "broden"}},
                 "tokens": ["k", "y", "y_norm"], "k": [1, 2], "trials": %d, "batch": 4,
                 "qualitative": {"images": 2, "candidates": 4}}
                """.formatted(trials)));
    }

    /** A run's summary and its log. */
    private record Run(ExperimentRunner.Summary summary, String log) {}

    private static Run run(ExperimentConfig c) throws IOException {
        StringWriter log = new StringWriter();
        ExperimentRunner.Summary summary = new ExperimentRunner(c, LOADER, new PrintWriter(log, true)).run();
        return new Run(summary, log.toString());
    }

    private static long count(String log, String fragment) {
        return log.lines().filter(l -> l.contains(fragment)).count();
    }

    @Test
    void aSecondRunnerIntoTheSameOutputIsRefusedBeforeAnyWork() throws IOException {
        ExperimentConfig c = config(1);
        try (FolderLock first = FolderLock.acquire(c.output())) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(c));
            assertTrue(e.getMessage().startsWith(c.output() + " is being written by process "), e.getMessage());
        }
        assertFalse(Files.exists(c.output().resolve("features")), "the refused run extracted nothing");
    }

    @Test
    void anInputSizeThatIsNotAMultipleOfThePatchStopsTheRunBeforeAnyWork() throws IOException {
        ExperimentConfig c = config(1).withInput(InputResolution.parse("72,64", false, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(c));
        assertEquals(
                c.file() + ": image_size: image size 72x64 is not a multiple of the model's patch size 16 (e.g. 80,64)"
                        + " (model tiny)",
                e.getMessage());
        assertFalse(Files.exists(c.output()), "the refused run wrote nothing");
    }

    @Test
    void runsTheGridThenReusesFeaturesAndFinishedCells() throws IOException {
        ExperimentConfig c = config(3);
        ExperimentRunner.Summary first = run(c).summary();
        // 2 tasks × 3 token types × (hyperplane + cosine at 2 values of k)
        assertEquals(new ExperimentRunner.Summary(c.output().resolve("results.json"), 18, 0, false), first);
        Path results = c.output().resolve("results.json");
        Map<String, Object> json = Json.parseObject(Files.readString(results));
        List<?> rows = (List<?>) json.get("rows");
        assertEquals(
                18,
                rows.stream()
                        .filter(r -> ((Map<?, ?>) r).get("level").equals("all"))
                        .count());
        assertEquals(2L, json.get("report_k"));
        assertEquals(
                List.of(
                        "classification all null",
                        "segmentation all null",
                        "segmentation category object",
                        "segmentation category part",
                        "segmentation category texture"),
                ((List<?>) json.get("findings"))
                        .stream()
                                .map(f -> (Map<?, ?>) f)
                                .map(f -> f.get("task") + " " + f.get("scope") + " " + f.get("category"))
                                .toList());
        assertEquals(4, ((List<?>) json.get("layernorm")).size(), "2 tasks × 2 rules");
        assertFalse(((List<?>) json.get("qualitative")).isEmpty());
        String csv = Files.readString(c.output().resolve("results.csv"));
        assertEquals(rows.size() + 1, csv.lines().count());
        byte[] shard =
                Files.readAllBytes(c.output().resolve("features/tiny/segmentation/k/train/shard-00000.safetensors"));
        long modified = Files.getLastModifiedTime(
                        c.output().resolve("features/tiny/segmentation/k/train/shard-00000.safetensors"))
                .toMillis();

        assertEquals(new ExperimentRunner.Summary(results, 0, 18, true), run(c).summary());
        assertEquals(Files.readString(results), Json.writePretty(json), "a resumed run gives the same results");
        assertEquals(
                modified,
                Files.getLastModifiedTime(
                                c.output().resolve("features/tiny/segmentation/k/train/shard-00000.safetensors"))
                        .toMillis());
        assertEquals(
                shard.length,
                Files.size(c.output().resolve("features/tiny/segmentation/k/train/shard-00000.safetensors")));

        // Other trials change only the cosine cells: the hyperplane's are kept.
        Run third = run(config(2));
        assertEquals(new ExperimentRunner.Summary(results, 12, 6, false), third.summary());
        assertEquals(12, count(third.log(), "cosine k="), third.log());
    }

    /** A tester's truncated templates file of a finished cell was reused, as only the cell's .json was read. */
    @Test
    void aCellWithDamagedTemplatesIsComputedAgainWithANote() throws IOException {
        ExperimentConfig c = config(1);
        run(c);
        Path templates = c.output().resolve("cells/tiny/classification/k/cosine-k2.safetensors");
        byte[] whole = Files.readAllBytes(templates);
        Files.write(templates, java.util.Arrays.copyOf(whole, whole.length / 2));

        Run again = run(c);
        assertEquals(new ExperimentRunner.Summary(c.output().resolve("results.json"), 1, 17, true), again.summary());
        assertEquals(1, count(again.log(), "damaged cell, computing it again: " + templates), again.log());
        assertEquals(whole.length, Files.size(templates));
        vitprobe.probe.ConceptTemplates.load(templates);
    }

    /** A tester's cell file edited to an accuracy of 7.5 was reused, and every later run failed on results.json. */
    @Test
    void aCellWithMetricsTheResultsReaderRefusesIsComputedAgainWithANote() throws IOException {
        ExperimentConfig c = config(1);
        run(c);
        Path cell = c.output().resolve("cells/tiny/classification/k/hyperplane.json");
        String whole = Files.readString(cell);
        Files.writeString(cell, whole.replaceFirst("\"accuracy\": [0-9.]+", "\"accuracy\": 7.5"));

        Run again = run(c);
        assertEquals(new ExperimentRunner.Summary(c.output().resolve("results.json"), 1, 17, true), again.summary());
        assertEquals(
                1,
                count(again.log(), "damaged cell, computing it again: " + cell + ": rows[0].accuracy: 7.5 is outside"),
                again.log());
        vitprobe.results.ResultsJson.read(c.output().resolve("results.json"));
    }

    /** Another valid templates file in a cell's place (another token type's, another task's) was reused silently. */
    @Test
    void aCellWithTheTemplatesOfAnotherCellIsComputedAgainWithANote() throws IOException {
        ExperimentConfig c = config(1);
        run(c);
        Path cells = c.output().resolve("cells/tiny");
        Path otherToken = cells.resolve("classification/k/hyperplane.safetensors");
        Files.copy(cells.resolve("classification/y/hyperplane.safetensors"), otherToken, REPLACE_EXISTING);
        Path otherTask = cells.resolve("classification/k/cosine-k1.safetensors");
        Files.copy(cells.resolve("segmentation/k/cosine-k1.safetensors"), otherTask, REPLACE_EXISTING);
        Path otherRule = cells.resolve("segmentation/y/cosine-k2.safetensors");
        Files.copy(cells.resolve("segmentation/y/hyperplane.safetensors"), otherRule, REPLACE_EXISTING);

        Run again = run(c);
        assertEquals(new ExperimentRunner.Summary(c.output().resolve("results.json"), 3, 15, true), again.summary());
        String note = "damaged cell, computing it again: ";
        assertEquals(1, count(again.log(), note + otherToken + ": templates of token type y, not k"), again.log());
        assertEquals(1, count(again.log(), note + otherTask + ": templates of patch samples, not cls"), again.log());
        assertEquals(
                1,
                count(again.log(), note + otherRule + ": templates of the hyperplane rule, not cosine"),
                again.log());
        assertEquals(
                "k", vitprobe.probe.ConceptTemplates.load(otherToken).origin().tokenType());
    }

    /** patches_per_image: all keeps each image's 16 patches (64 px, patch 16), as extract's flag does. */
    @Test
    void patchesPerImageAllExtractsEveryPatch() throws IOException {
        Synthetic.writeBroden(dir.resolve("broden"), 16, 64, 1);
        ExperimentConfig c = ExperimentConfig.load(Files.writeString(dir.resolve("all.yaml"), """
                models: {tiny: random:tiny}
                tasks: {segmentation: {dataset: broden, patches_per_image: all}}
                tokens: [y]
                rules: [hyperplane]
                qualitative: {images: 1, candidates: 2}
                """));
        assertEquals(1, run(c).summary().computed());
        Path shard = c.output().resolve("features/tiny/segmentation/y/train/shard-00000.safetensors");
        try (vitprobe.weights.SafeTensors st = vitprobe.weights.SafeTensors.open(shard)) {
            long[] groups = st.tensor("groups").toLongArray();
            long images = java.util.Arrays.stream(groups).distinct().count();
            assertEquals(16 * images, groups.length, "every patch of every image");
        }
    }

    /**
     * results.json and results.csv byte for byte against copies kept in src/test/resources (the temporary folder
     * written as $DIR): how they are written may change, what they hold may not. After an intended change of the
     * numbers, the files this test leaves in target/golden-actual are the new copies.
     */
    @Test
    void resultsFilesKeepTheirBytes() throws IOException {
        ExperimentConfig c = config(3);
        run(c);
        List<String> changed = new ArrayList<>();
        for (String name : List.of("results.json", "results.csv")) {
            String actual = Files.readString(c.output().resolve(name))
                    .replace(dir.toAbsolutePath().toString(), "$DIR");
            String expected;
            try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("golden-" + name), name)) {
                expected = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (actual.equals(expected)) continue;
            Path copy =
                    Files.createDirectories(Path.of("target", "golden-actual")).resolve("golden-" + name);
            Files.writeString(copy, actual);
            changed.add(name + " (this run's copy: " + copy.toAbsolutePath() + ")");
        }
        assertEquals(List.of(), changed, "changed bytes");
    }

    /**
     * A segmentation set so small that concepts miss from one split: before, a concept whose category mates were
     * left out lost its negatives ('plain' here) and the first hyperplane cell stopped the whole grid.
     */
    @Test
    void conceptsLeftOutOfASmallSegmentationSetDoNotStopTheGrid() throws IOException {
        Synthetic.writeBroden(dir.resolve("small"), 8, 64, 3);
        for (String solver : List.of("mined", "lbfgs")) {
            ExperimentConfig c =
                    ExperimentConfig.load(Files.writeString(dir.resolve(solver + ".json"), """
                    {"models": {"tiny": "random:tiny"},
                     "tasks": {"segmentation": {"dataset": "small", "patches_per_image": 2}},
                     "tokens": ["k", "y"], "k": [1], "trials": 2, "batch": 4, "solver": "%s",
                     "qualitative": {"images": 1, "candidates": 2}}
                    """.formatted(solver)));
            assertEquals(4, run(c).summary().computed());
            Map<String, Object> json =
                    Json.parseObject(Files.readString(c.output().resolve("results.json")));
            Map<?, ?> skippedHere = (Map<?, ?>) ((List<?>) json.get("skipped_concepts")).getFirst();
            List<?> skipped = (List<?>) skippedHere.get("concepts");
            assertFalse(skipped.contains("plain"), skipped.toString());
        }
    }

    /** Tester report: a k above the smallest class's training images was recorded as that k without a word. */
    @Test
    void aKAboveTheSmallestClassIsWarnedOfBeforeAnyWorkAndRecorded() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("few"), 2, 3, 1, 64, 64, 1);
        ExperimentConfig c = ExperimentConfig.load(Files.writeString(dir.resolve("big-k.json"), """
                {"models": {"tiny": "random:tiny"}, "tasks": {"classification": {"dataset": "few"}},
                 "tokens": ["y"], "rules": ["cosine"], "k": [1, 5], "trials": 1, "batch": 4}
                """));
        Run r = run(c);
        List<String> lines = r.log().lines().toList();
        String warning = "warning: " + c.file() + ": tasks.classification: k 5 exceeds the 3 training images of the"
                + " smallest class (";
        assertTrue(lines.getFirst().startsWith(warning), r.log());
        assertEquals(1, count(r.log(), "exceeds"), "once per task");
        Map<String, Object> json = Json.parseObject(Files.readString(c.output().resolve("results.json")));
        List<?> warnings = (List<?>) json.get("warnings");
        assertEquals(2, warnings.size(), json.toString());
        assertTrue(((String) warnings.getFirst()).startsWith("tasks.classification: k 5 exceeds"), warnings.toString());
        // At k=1 every class's support is its one shot: its threshold is placed against the other class's shot.
        String oneShot =
                "tasks.classification, model tiny: k=1: the support set of 2 concept(s) held a single positive";
        assertTrue(((String) warnings.getLast()).startsWith(oneShot), warnings.toString());
        assertEquals(1, count(r.log(), "warning: " + oneShot), r.log());
    }

    /**
     * Left from the k warning of classification: a segmentation concept in fewer training images than k was
     * probed with all of them, and neither the log, nor results.json, nor its row said so.
     */
    @Test
    void segmentationConceptsInFewerImagesThanKAreWarnedOfOnceAndRecordedPerRow() throws IOException {
        Synthetic.writeBroden(dir.resolve("small"), 8, 64, 3);
        ExperimentConfig c = ExperimentConfig.load(Files.writeString(dir.resolve("few.json"), """
                {"models": {"tiny": "random:tiny"},
                 "tasks": {"segmentation": {"dataset": "small", "patches_per_image": 2}},
                 "tokens": ["k", "y"], "rules": ["cosine"], "k": [1, 50], "trials": 2, "batch": 4,
                 "qualitative": {"images": 1, "candidates": 2}}
                """));
        Run r = run(c);
        String warning = "warning: tasks.segmentation, model tiny: k=50 exceeds the training images of ";
        assertEquals(1, count(r.log(), warning), r.log());
        assertEquals(0, count(r.log(), "k=1 exceeds"), r.log());
        Map<String, Object> json = Json.parseObject(Files.readString(c.output().resolve("results.json")));
        List<?> warnings = (List<?>) json.get("warnings");
        assertEquals(
                r.log()
                        .lines()
                        .filter(l -> l.startsWith("warning: tasks."))
                        .map(l -> l.substring("warning: ".length()))
                        .toList(),
                warnings);
        assertTrue(
                warnings.contains("tasks.segmentation, model tiny: k=1: the support set of 3 concept(s) held a single"
                        + " positive, which places no cosine threshold; it was placed at the highest of the other"
                        + " concepts' support samples' scores below the positive's: circle, square, rim"),
                warnings.toString());
        List<Map<?, ?>> rows = ((List<?>) json.get("rows"))
                .stream().<Map<?, ?>>map(x -> (Map<?, ?>) x).toList();
        List<Map<?, ?>> k50 = rows.stream()
                .filter(x -> x.get("level").equals("concept") && x.get("k") instanceof Number k && k.intValue() == 50)
                .toList();
        assertFalse(k50.isEmpty());
        for (Map<?, ?> row : k50) {
            int support = ((Number) row.get("support")).intValue();
            assertTrue(support >= 1 && support < 50, row.toString());
        }
        assertTrue(rows.stream()
                .filter(x -> x.get("k") instanceof Number k && k.intValue() == 1)
                .noneMatch(x -> x.containsKey("support")));
        assertTrue(Files.readString(c.output().resolve("results.csv"))
                .lines()
                .findFirst()
                .orElseThrow()
                .contains(",support,"));

        assertEquals(0, run(c).summary().computed(), "resumed");
        Map<String, Object> again = Json.parseObject(Files.readString(c.output().resolve("results.json")));
        assertEquals(warnings, again.get("warnings"), "kept from the stored cells");
    }

    /** Tester report: the warnings of a grid of two models did not say which model's cells they came from. */
    @Test
    void aWarningOfOneModelsCellsNamesTheModel() throws IOException {
        Synthetic.writeBroden(dir.resolve("small"), 8, 64, 3);
        ExperimentConfig c = ExperimentConfig.load(Files.writeString(dir.resolve("two.json"), """
                {"models": {"tiny": "random:tiny", "other": "random:other"},
                 "tasks": {"segmentation": {"dataset": "small", "patches_per_image": 2}},
                 "tokens": ["y"], "rules": ["cosine"], "k": [1], "trials": 2, "batch": 4,
                 "qualitative": {"images": 1, "candidates": 2}}
                """));
        Run r = run(c);
        List<?> warnings =
                (List<?>) Json.parseObject(Files.readString(c.output().resolve("results.json")))
                        .get("warnings");
        for (String model : List.of("tiny", "other")) {
            String prefix = "tasks.segmentation, model " + model + ": k=1: the support set of ";
            assertEquals(
                    1,
                    warnings.stream()
                            .filter(w -> ((String) w).startsWith(prefix))
                            .count(),
                    warnings.toString());
            assertEquals(1, count(r.log(), "warning: " + prefix), r.log());
        }
    }

    /** Tester report: an output folder inside the data set scattered the outputs among its classes. */
    @Test
    void anOutputInsideADataSetIsRefusedBeforeAnyWork() throws IOException {
        ExperimentConfig c = config(1);
        Path inside = dir.resolve("cls/train/out");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(c.withOutput(inside)));
        assertEquals(
                c.file() + ": output: " + inside + " lies inside the data set folder of tasks.classification ("
                        + dir.resolve("cls") + "); write the output elsewhere",
                e.getMessage());
        assertFalse(Files.exists(inside));
    }

    /**
     * Tester report: a Spark extraction failing before its first shard left the experiment's lock file and empty
     * features/MODEL/ folders behind.
     */
    @Test
    void aRunFailingBeforeItsFirstShardLeavesNoOutputFolder() throws IOException {
        ExperimentConfig c = config(1);
        Cluster failing = new Cluster() {
            @Override
            public Extractor.ShardWriter extraction(ExtractionSpec spec) {
                return (pending, out, written) -> {
                    throw new IOException("the task failed");
                };
            }

            @Override
            public ExperimentRunner.CellRunner probing(int conceptsPerTask) {
                throw new AssertionError("nothing to probe");
            }

            @Override
            public void close() {}
        };
        ExperimentRunner runner = new ExperimentRunner(c, LOADER, new PrintWriter(new StringWriter()), failing);
        IOException e = assertThrows(IOException.class, runner::run);
        assertEquals("the task failed", e.getMessage());
        assertFalse(Files.exists(c.output()), "the failed first run left " + c.output());

        Path mine = Files.createDirectories(c.output());
        assertThrows(IOException.class, runner::run);
        try (var left = Files.list(mine)) {
            assertEquals(
                    List.of(mine.resolve(FolderLock.FILE)),
                    left.toList(),
                    "a folder the user made stays, with only the lock file");
        }
    }
}
