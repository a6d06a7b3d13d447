package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.Json;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.CosineTrainer;
import vitprobe.probe.Evaluation;
import vitprobe.probe.Metrics;
import vitprobe.probe.ProbeData;
import vitprobe.weights.SafetensorsWriter;

/**
 * A Broden-format patch set with more label cells (samples × concepts) than one Java array holds: 1.8M training
 * patches × 1,200 concepts = 2.16e9 cells, stored sparsely in shards as extract writes them. It is probed with the
 * cosine rule as {@code vitprobe probe} does, and a few concepts' positives, negatives, templates and metrics are
 * checked against a computation straight from the generated labels and features.
 */
class BrodenSizedLabelsTest {
    static final int CONCEPTS = 1200, CATEGORIES = 5, DIM = 4, PATCHES = 16, SHARD_ROWS = 100_000;
    static final int TRAIN_ROWS = 1_800_000, TEST_ROWS = 100_000;
    static final long SEED = 5;

    @TempDir
    Path dir;

    /** A split generated from its seed: per patch one or two concepts and a feature leaning on the first. */
    record Split(int[][] concepts, float[] features) {
        static Split generate(int rows, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            int[][] concepts = new int[rows][];
            float[] features = new float[rows * DIM];
            for (int i = 0; i < rows; i++) {
                int a = random.nextInt(CONCEPTS), b = random.nextInt(CONCEPTS);
                concepts[i] =
                        a == b || random.nextBoolean() ? new int[] {a} : new int[] {Math.min(a, b), Math.max(a, b)};
                for (int j = 0; j < DIM; j++) features[i * DIM + j] = (float) random.nextGaussian();
                features[i * DIM + a % DIM] += 3;
            }
            return new Split(concepts, features);
        }

        boolean has(int sample, int c) {
            return Arrays.stream(concepts[sample]).anyMatch(x -> x == c);
        }

        /** Labelled with another concept of c's category (categories: c mod CATEGORIES). */
        boolean isNegative(int sample, int c) {
            return !has(sample, c) && Arrays.stream(concepts[sample]).anyMatch(x -> x % CATEGORIES == c % CATEGORIES);
        }

        int[] where(int c, boolean positive) {
            return IntStream.range(0, concepts.length)
                    .filter(i -> positive ? has(i, c) : isNegative(i, c))
                    .toArray();
        }

        /** Writes the split as extract's shards of SHARD_ROWS patches, labels in the sparse form. */
        Path write(Path folder) throws IOException {
            Files.createDirectories(folder);
            List<String> names =
                    IntStream.range(0, CONCEPTS).mapToObj(c -> "concept" + c).toList();
            long[] categories =
                    IntStream.range(0, CONCEPTS).mapToLong(c -> c % CATEGORIES).toArray();
            for (int from = 0, shard = 0; from < concepts.length; from += SHARD_ROWS, shard++) {
                int n = Math.min(SHARD_ROWS, concepts.length - from);
                long[] offsets = new long[n + 1];
                for (int i = 0; i < n; i++) offsets[i + 1] = offsets[i] + concepts[from + i].length;
                int[] present = new int[(int) offsets[n]];
                for (int i = 0; i < n; i++)
                    System.arraycopy(concepts[from + i], 0, present, (int) offsets[i], concepts[from + i].length);
                int start = from;
                new SafetensorsWriter()
                        .addF32(
                                "features",
                                new long[] {n, DIM},
                                Arrays.copyOfRange(features, from * DIM, (from + n) * DIM))
                        .addI64("label_offsets", new long[] {n + 1}, offsets)
                        .addI32("label_concepts", new long[] {present.length}, present)
                        .addI64(
                                "groups",
                                new long[] {n},
                                IntStream.range(0, n)
                                        .mapToLong(i -> (start + i) / PATCHES)
                                        .toArray())
                        .addI64("categories", new long[] {CONCEPTS}, categories)
                        .metadata("concepts", Json.write(names))
                        .metadata("tokens", "patch")
                        .write(folder.resolve(String.format("shard-%05d.safetensors", shard)));
            }
            return folder;
        }
    }

    @Test
    void probesMoreLabelCellsThanOneArrayHolds() throws IOException {
        assertTrue((long) TRAIN_ROWS * CONCEPTS > Integer.MAX_VALUE, "the training labels exceed one Java array");
        Split train = Split.generate(TRAIN_ROWS, 1), test = Split.generate(TEST_ROWS, 2);
        ProbeSplits splits = ProbeSplits.load(train.write(dir.resolve("train")), test.write(dir.resolve("test")));
        ProbeData trainData = splits.train(), testData = splits.test();
        assertEquals(TRAIN_ROWS, trainData.size());
        assertEquals(CONCEPTS, trainData.conceptCount(), "every concept has positives and negatives in both splits");

        CosineTrainer.Options options = new CosineTrainer.Options(5, 1, false, SEED);
        ConceptTemplates templates = CosineTrainer.train(trainData, options).getFirst();
        Evaluation.TestSet[] sets = Evaluation.balanced(testData, SEED);
        Metrics[] metrics = Evaluation.evaluate(templates, testData, sets);

        for (int c : new int[] {0, 601, 1199}) {
            assertArrayEquals(train.where(c, true), trainData.positives(c), "train positives of " + c);
            assertArrayEquals(train.where(c, false), trainData.negatives(c), "train negatives of " + c);
            assertArrayEquals(test.where(c, true), sets[c].positives(), "test positives of " + c);
            int[] negatives = test.where(c, false);
            assertEquals(sets[c].positives().length, sets[c].negatives().length);
            assertTrue(
                    Arrays.stream(sets[c].negatives()).allMatch(i -> Arrays.binarySearch(negatives, i) >= 0),
                    "test negatives of " + c + " lack it and carry a concept of its category");

            // The direction: the mean of the support images' patches that carry c.
            int[] support = CosineTrainer.supportImages(trainData, c, 0, options);
            double[] mean = new double[DIM];
            int count = 0;
            for (int image : support) {
                for (int i = image * PATCHES; i < (image + 1) * PATCHES; i++) {
                    if (!train.has(i, c)) continue;
                    count++;
                    for (int j = 0; j < DIM; j++) mean[j] += train.features[i * DIM + j];
                }
            }
            float[] direction = templates.direction(c);
            for (int j = 0; j < DIM; j++) assertEquals(mean[j] / count, direction[j], 1e-5, "direction of " + c);

            // The metrics: the template's decisions counted on the balanced test set.
            int truePositives = 0, falsePositives = 0;
            for (int i : sets[c].positives()) if (decides(templates, test, i, c)) truePositives++;
            for (int i : sets[c].negatives()) if (decides(templates, test, i, c)) falsePositives++;
            int n = sets[c].negatives().length, p = sets[c].positives().length;
            assertEquals(Metrics.of(truePositives, falsePositives, n - falsePositives, p - truePositives), metrics[c]);
        }
    }

    private static boolean decides(ConceptTemplates templates, Split split, int sample, int c) {
        return templates.decide(Arrays.copyOfRange(split.features, sample * DIM, (sample + 1) * DIM))[c];
    }
}
