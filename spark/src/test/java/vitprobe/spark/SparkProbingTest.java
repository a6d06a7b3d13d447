package vitprobe.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.extract.ModelId;
import vitprobe.io.FolderLock;
import vitprobe.probe.data.Synthetic;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.experiment.ExperimentConfig;
import vitprobe.probe.experiment.ExperimentRunner;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.CheckpointLoader;

/**
 * The experiment grid extracted and probed as Spark tasks (shards, and blocks of two concepts per cell) against the
 * same grid run in one JVM, on the shared fixtures' two-block DINO ViT-S/8 at 64 pixels, a checkpoint every executor
 * opens from its path.
 */
class SparkProbingTest {
    private static final ExperimentRunner.ModelLoader CHECKPOINT =
            (reference, seed) -> ModelId.load(reference, Path.of(reference), seed, CheckpointLoader.Overrides.NONE);

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

    @Test
    void theGridOnSparkGivesTheSingleMachineFilesByteForByte() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("cls"), 3, 4, 3, 80, 64, 1);
        Synthetic.writeBroden(dir.resolve("broden"), 12, 64, 1);
        ExperimentRunner.Summary here = new ExperimentRunner(config("here", ""), CHECKPOINT, quiet()).run();
        ExperimentConfig split = config("spark", ", \"spark\": {\"concepts_per_task\": 2}");
        // The first attempt of one shard's task fails after writing its files: the features are Spark's tasks'.
        AtomicInteger failedTasks = new AtomicInteger();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) failedTasks.incrementAndGet();
            }
        });
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        sc.setLocalProperty(ShardTask.FAIL_FIRST_ATTEMPT, "train/0");
        ExperimentRunner.Summary onSpark;
        try (Cluster cluster = Cluster.find(LocalSpark.MASTER, quiet()).orElseThrow()) {
            onSpark = new ExperimentRunner(split, CHECKPOINT, quiet(), cluster).run();
        } finally {
            sc.setLocalProperty(ShardTask.FAIL_FIRST_ATTEMPT, null);
        }
        for (int wait = 0; wait < 100 && failedTasks.get() < 2; wait++) sleep(); // listeners hear of tasks later
        assertEquals(2, failedTasks.get(), "train/0 of each task's extraction failed once");
        assertEquals(12, here.computed());
        assertEquals(12, onSpark.computed());
        assertEquals(
                Files.readString(here.results()).replace(dir.resolve("here").toString(), "OUT"),
                Files.readString(onSpark.results()).replace(dir.resolve("spark").toString(), "OUT"));
        List<Path> cells = assertSameFiles("cells");
        assertTrue(cells.size() >= 2 * here.computed(), "cells: " + cells);
        String cosine = Files.readString(dir.resolve("here/cells/dino/segmentation/k/cosine-k2.json"));
        assertTrue(
                cosine.split("\"level\": \"concept\"", -1).length - 1 > 2,
                "a cell of more than two concepts, probed in several blocks: " + cosine);
        List<Path> features = assertSameFiles("features");
        assertTrue(features.stream().anyMatch(f -> f.toString().endsWith("shard-00000.safetensors")), "shards");
    }

    /** The files under OUT/folder of both runs, equal byte for byte; returns their paths. */
    private List<Path> assertSameFiles(String folder) throws IOException {
        Path here = dir.resolve("here").resolve(folder),
                spark = dir.resolve("spark").resolve(folder);
        List<Path> files = files(here);
        assertEquals(files, files(spark));
        for (Path f : files) {
            assertArrayEquals(
                    Files.readAllBytes(here.resolve(f)), Files.readAllBytes(spark.resolve(f)), folder + "/" + f);
        }
        return files;
    }

    private ExperimentConfig config(String output, String more) throws IOException {
        String model = SharedFixtures.resolve(SharedFixtures.TIMM_DINO).toString();
        return ExperimentConfig.load(
                Files.writeString(dir.resolve(output + ".json"), """
                {"models": {"dino": "%s"}, "image_size": 64,
                 "tasks": {"classification": {"dataset": "cls"}, "segmentation": {"dataset": "broden"}},
                 "tokens": ["k", "y"], "k": [1, 2], "trials": 2, "batch": 4, "output": "%s",
                 "qualitative": {"images": 1, "candidates": 2}%s}
                """.formatted(model, output, more)));
    }

    private static void sleep() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PrintWriter quiet() {
        return new PrintWriter(new StringWriter());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile)
                    .map(root::relativize)
                    .filter(p -> !p.getFileName().toString().equals(FolderLock.FILE))
                    .sorted()
                    .toList();
        }
    }
}
