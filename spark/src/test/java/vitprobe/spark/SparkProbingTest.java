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
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.probe.data.Synthetic;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.experiment.ExperimentConfig;
import vitprobe.probe.experiment.ExperimentRunner;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** The experiment grid with its cells probed as Spark tasks against the same grid probed in one JVM. */
class SparkProbingTest {
    /** A tiny random ViT (dim 32, 2 blocks, patch 16, 64 px input), whatever the config names. */
    private static final ExperimentRunner.ModelLoader TINY = (reference, seed) -> ViTWeights.random(
            new ViTConfig(
                    CheckpointFormat.TIMM,
                    32,
                    2,
                    2,
                    16,
                    64,
                    3,
                    64,
                    1e-6,
                    ViTConfig.IMAGENET_MEAN,
                    ViTConfig.IMAGENET_STD,
                    "bicubic"),
            seed);

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
    void cellsProbedOnSparkGiveTheSingleMachineResults() throws IOException {
        Synthetic.writeImageFolder(dir.resolve("cls"), 3, 4, 3, 80, 64, 1);
        Synthetic.writeBroden(dir.resolve("broden"), 12, 64, 1);
        ExperimentRunner.Summary here = new ExperimentRunner(config("here"), TINY, quiet()).run();
        ExperimentRunner.Summary onSpark;
        try (Cluster cluster = Cluster.find(LocalSpark.MASTER, quiet()).orElseThrow()) {
            onSpark = new ExperimentRunner(config("spark"), TINY, quiet(), cluster.probing()).run();
        }
        assertEquals(12, here.computed());
        assertEquals(12, onSpark.computed());
        assertEquals(
                Files.readString(here.results()).replace(dir.resolve("here").toString(), "OUT"),
                Files.readString(onSpark.results()).replace(dir.resolve("spark").toString(), "OUT"));
        List<Path> cells = files(dir.resolve("here/cells"));
        assertEquals(cells, files(dir.resolve("spark/cells")));
        assertTrue(cells.size() >= 2 * here.computed(), "cells: " + cells);
        for (Path f : cells) {
            assertArrayEquals(
                    Files.readAllBytes(dir.resolve("here/cells").resolve(f)),
                    Files.readAllBytes(dir.resolve("spark/cells").resolve(f)),
                    f.toString());
        }
    }

    private ExperimentConfig config(String output) throws IOException {
        return ExperimentConfig.load(Files.writeString(dir.resolve(output + ".json"), """
                {"models": {"tiny": "random:tiny"},
                 "tasks": {"classification": {"dataset": "cls"}, "segmentation": {"dataset": "broden"}},
                 "tokens": ["k", "y"], "k": [1, 2], "trials": 2, "batch": 4, "output": "%s",
                 "qualitative": {"images": 1, "candidates": 2}}
                """.formatted(output)));
    }

    private static PrintWriter quiet() {
        return new PrintWriter(new StringWriter());
    }

    private static List<Path> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(root::relativize).sorted().toList();
        }
    }
}
