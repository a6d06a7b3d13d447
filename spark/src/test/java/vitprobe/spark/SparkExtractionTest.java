package vitprobe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.ExtractOptions;
import vitprobe.engine.extract.Extractor;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.PatchSelection;
import vitprobe.engine.extract.Task;
import vitprobe.io.FolderLock;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.probe.data.PatchLabeling;
import vitprobe.probe.data.Synthetic;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.DType;
import vitprobe.weights.ViTWeights;

/** Extraction on Spark in local mode against the single-machine pipeline, on small synthetic sets. */
class SparkExtractionTest {
    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = LocalSpark.start();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /**
     * Tester report: on Spark the progress moved once, when the whole job had ended. The writer tells of each shard
     * as its task ends, all of them by the time the job is over.
     */
    @Test
    void theWriterTellsOfEachShardAsItsTaskEnds() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 3, 4, 2, 48, 40, 1);
        ExtractionSpec spec = spec(dir.resolve("set"), Task.CLASSIFICATION, PatchSelection.ALL);
        Path out = dir.resolve("spark");
        List<Extractor.Shard> pending = List.of(
                new Extractor.Shard("train", 0, 0, 3),
                new Extractor.Shard("train", 1, 3, 6),
                new Extractor.Shard("test", 0, 0, 3));
        Set<Extractor.Shard> told = ConcurrentHashMap.newKeySet();
        Files.createDirectories(out);
        try (Cluster cluster = Cluster.find(LocalSpark.MASTER, quiet()).orElseThrow()) {
            cluster.extraction(spec).write(pending, out, told::add);
        }
        assertEquals(Set.copyOf(pending), told);
    }

    @Test
    void classificationOnSparkEqualsTheSingleMachineRunByteForByte() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 3, 4, 2, 48, 40, 1);
        ExtractionSpec spec = spec(dir.resolve("set"), Task.CLASSIFICATION, PatchSelection.ALL);
        extractHere(spec, dir.resolve("here"));
        extractOnSpark(spec, dir.resolve("spark"));
        assertSameFiles(dir.resolve("here"), dir.resolve("spark"));
    }

    /**
     * Also with an image skipped for a bad mask: its message names the mask alike whether the data set was named by a
     * relative path (here) or an absolute one (Spark's tasks); it named the mask by the path it was opened by.
     */
    @Test
    void segmentationWithAFailedTaskAttemptStillEqualsTheSingleMachineRun() throws Exception {
        Path broden = dir.resolve("broden");
        Synthetic.writeBroden(broden, 7, 32, 3);
        Files.writeString(broden.resolve("images/synth/img_00002_object.png"), "not a mask");
        Path relative = Path.of("").toAbsolutePath().relativize(broden);
        PatchSelection patches = new PatchSelection(5, 2);
        extractHere(spec(relative, Task.SEGMENTATION, patches), dir.resolve("here"));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.setLocalProperty(ShardTask.FAIL_FIRST_ATTEMPT, "train/1");
        try {
            extractOnSpark(spec(broden, Task.SEGMENTATION, patches), dir.resolve("spark"));
        } finally {
            sc.setLocalProperty(ShardTask.FAIL_FIRST_ATTEMPT, null);
        }
        assertTrue(
                Files.readString(dir.resolve("spark/skipped.tsv")).contains("img_00002_object.png: not a PNG"),
                "the image with the bad mask is skipped");
        assertSameFiles(dir.resolve("here"), dir.resolve("spark"));
        assertFalse(ShardTask.holdsModel(), "the model is closed once the job is done");
    }

    /**
     * A task's failure is the line the same failure gives in this JVM, without Spark's logs of the failed task (its
     * stack traces and a 2,000-character line); the output folder the run made is gone, with its lock.
     */
    @Test
    void aFailingTaskFailsWithItsOwnMessageQuietlyAndLeavesNoOutput() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 2, 2, 1, 48, 40, 1);
        ExtractionSpec good = spec(dir.resolve("set"), Task.CLASSIFICATION, PatchSelection.ALL);
        Path broken = Files.writeString(dir.resolve("broken.safetensors"), "not a checkpoint");
        ExtractionSpec bad = withWeights(good, broken.toString(), good.batch());
        Exception here = assertThrows(Exception.class, bad::loadWeights);
        Path out = dir.resolve("out");
        Exception onSpark;
        List<String> logged;
        try (SparkLog log = new SparkLog();
                Cluster cluster = Cluster.find(LocalSpark.MASTER, quiet()).orElseThrow()) {
            onSpark = assertThrows(Exception.class, () -> run(good, out, cluster.extraction(bad)));
            sleep(); // Spark's executor logs the failure on its own thread
            logged = log.lines();
        }
        assertEquals(here.getClass(), onSpark.getClass());
        assertEquals(here.getMessage(), onSpark.getMessage());
        assertEquals(List.of(), logged);
        assertFalse(Files.exists(out), "no manifest or lock left");
    }

    /**
     * Regression: Ctrl-C or kill during a Spark run reported Spark's shutdown ("Job 0 cancelled because SparkContext
     * was shut down") as the run's failure; a job that fails while the JVM ends says only that it was interrupted.
     */
    @Test
    void aJobFailingWhileTheJvmEndsIsReportedAsInterrupted() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 2, 2, 1, 48, 40, 1);
        ExtractionSpec good = spec(dir.resolve("set"), Task.CLASSIFICATION, PatchSelection.ALL);
        Path broken = Files.writeString(dir.resolve("broken.safetensors"), "not a checkpoint");
        ExtractionSpec bad = withWeights(good, broken.toString(), good.batch());
        try (SparkLog log = new SparkLog();
                SparkCluster cluster = new SparkCluster(LocalSpark.MASTER, quiet(), () -> true)) {
            var e = assertThrows(
                    IllegalStateException.class, () -> run(good, dir.resolve("out"), cluster.extraction(bad)));
            assertEquals("interrupted", e.getMessage());
        }
    }

    /**
     * A task out of memory (a batch whose list alone needs 8 GiB) is one line: Spark's executor stopped the JVM with
     * exit code 52.
     */
    @Test
    void aTaskOutOfMemoryIsOneLineNotTheEndOfTheJvm() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 2, 2, 1, 48, 40, 1);
        ExtractionSpec good = spec(dir.resolve("set"), Task.CLASSIFICATION, PatchSelection.ALL);
        ExtractionSpec huge = withWeights(good, good.weights(), Integer.MAX_VALUE - 8);
        Path out = dir.resolve("out");
        try (SparkLog log = new SparkLog();
                Cluster cluster = Cluster.find(LocalSpark.MASTER, quiet()).orElseThrow()) {
            var e = assertThrows(IllegalStateException.class, () -> run(good, out, cluster.extraction(huge)));
            assertTrue(e.getMessage().startsWith("out of memory in a Spark task (Java heap space"), e.getMessage());
            assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
            sleep();
            assertEquals(List.of(), log.lines());
        }
        assertFalse(ShardTask.holdsModel(), "the model is closed once the job is done");
    }

    @Test
    void aRerunOnSparkKeepsTheCompleteShards() throws Exception {
        Synthetic.writeImageFolder(dir.resolve("set"), 2, 4, 2, 48, 40, 5);
        ExtractionSpec spec = spec(dir.resolve("set"), Task.CLASSIFICATION, PatchSelection.ALL);
        Path out = dir.resolve("spark");
        extractOnSpark(spec, out);
        Path first = out.resolve("y/train/shard-00000.safetensors");
        Files.delete(out.resolve("q/train/shard-00001.safetensors"));
        long written = Files.getLastModifiedTime(first).toMillis();
        Files.setLastModifiedTime(first, java.nio.file.attribute.FileTime.fromMillis(written - 60_000));
        Extractor.Result r = extractOnSpark(spec, out);
        assertEquals(r.shards() - 1, r.resumed());
        assertEquals(written - 60_000, Files.getLastModifiedTime(first).toMillis());
        extractHere(spec, dir.resolve("here"));
        assertSameFiles(dir.resolve("here"), out);
    }

    private static ExtractionSpec withWeights(ExtractionSpec s, String weights, int batch) {
        return new ExtractionSpec(
                s.model(),
                weights,
                s.seed(),
                s.heads(),
                s.eps(),
                s.dataset(),
                s.excludedCategories(),
                s.labeling(),
                s.options(),
                batch,
                s.decodeThreads(),
                s.device(),
                s.precision(),
                s.numerics());
    }

    private static PrintWriter quiet() {
        return new PrintWriter(new StringWriter());
    }

    private static void sleep() throws InterruptedException {
        Thread.sleep(300);
    }

    private static ExtractionSpec spec(Path dataset, Task task, PatchSelection patches) {
        ExtractOptions options = new ExtractOptions(
                task,
                1,
                EnumSet.of(Intermediate.Q, Intermediate.Y),
                DType.F16,
                3,
                patches,
                InputResolution.parse("64", false, null));
        String model = SharedFixtures.resolve(SharedFixtures.TIMM_DINO).toString();
        try (Backend cpu = Backends.create("cpu")) {
            return new ExtractionSpec(
                    model,
                    model,
                    0,
                    null,
                    null,
                    dataset.toString(),
                    Set.of(),
                    PatchLabeling.MAJORITY,
                    options,
                    2,
                    1,
                    "cpu",
                    "fp32",
                    cpu.numerics());
        }
    }

    private static Extractor.Result extractHere(ExtractionSpec spec, Path out) throws IOException {
        return run(spec, out, null);
    }

    private static Extractor.Result extractOnSpark(ExtractionSpec spec, Path out) throws IOException {
        try (Cluster cluster = Cluster.find(LocalSpark.MASTER, quiet()).orElseThrow()) {
            return run(spec, out, cluster.extraction(spec));
        }
    }

    /** The driver's part, as `vitprobe extract` does it: the model opened here too, for the manifest. */
    private static Extractor.Result run(ExtractionSpec spec, Path out, Extractor.ShardWriter writer)
            throws IOException {
        return run(spec, out, writer, null);
    }

    private static Extractor.Result run(
            ExtractionSpec spec, Path out, Extractor.ShardWriter writer, PrintWriter progress) throws IOException {
        try (ViTWeights w = spec.loadWeights();
                Backend backend = Backends.create(spec.device(), spec.precision());
                VisionTransformer vit =
                        new VisionTransformer(w, backend, spec.options().input().posResample(w.config()))) {
            ModelId id = ModelId.of(spec.model(), spec.seed(), w);
            return new Extractor(vit, id, spec.options(), spec.batch(), spec.decodeThreads(), progress)
                    .run(spec.openSource(), out, writer);
        }
    }

    private static void assertSameFiles(Path expected, Path actual) throws IOException {
        List<Path> files = relativeFiles(expected);
        assertEquals(files, relativeFiles(actual));
        assertTrue(files.size() > 4, "files: " + files);
        for (Path f : files) {
            assertArrayEquals(
                    Files.readAllBytes(expected.resolve(f)), Files.readAllBytes(actual.resolve(f)), f.toString());
        }
    }

    private static List<Path> relativeFiles(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .map(root::relativize)
                    .filter(p -> !p.getFileName().toString().equals(FolderLock.FILE))
                    .sorted()
                    .toList();
        }
    }
}
