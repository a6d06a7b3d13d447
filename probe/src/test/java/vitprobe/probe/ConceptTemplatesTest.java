package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;

class ConceptTemplatesTest {
    @TempDir
    Path dir;

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static final int DIM = 37, CONCEPTS = 19;

    private static ConceptTemplates templates(Rule rule, boolean center) {
        List<String> names = java.util.stream.IntStream.range(0, CONCEPTS)
                .mapToObj(c -> "c" + c)
                .toList();
        return new ConceptTemplates(
                rule,
                SampleKind.PATCH,
                names,
                DIM,
                random(CONCEPTS * DIM, 1),
                random(CONCEPTS, 2),
                center ? random(DIM, 3) : null,
                new FeatureOrigin("k", 11, "hf:facebook/dino-vits8"));
    }

    /** p(f, d) in double, from the definition. */
    private static double expected(ConceptTemplates t, int c, float[] f) {
        float[] d = t.direction(c), m = t.center();
        double dot = 0, ff = 0, dd = 0;
        for (int j = 0; j < f.length; j++) {
            double x = f[j] - (m == null ? 0 : m[j]);
            dot += x * d[j];
            ff += x * x;
            dd += (double) d[j] * d[j];
        }
        return t.rule() == Rule.HYPERPLANE ? dot : dot / Math.sqrt(ff * dd);
    }

    @Test
    void scoresFollowTheDefinitionsAndBatchesAgree() {
        int n = 300;
        float[] features = random(n * DIM, 4);
        for (ConceptTemplates t : List.of(
                templates(Rule.HYPERPLANE, false), templates(Rule.COSINE, false), templates(Rule.COSINE, true))) {
            float[] batch = t.scoreBatch(features, n);
            for (int i = 0; i < n; i++) {
                float[] f = java.util.Arrays.copyOfRange(features, i * DIM, (i + 1) * DIM);
                float[] single = t.score(f);
                boolean[] fires = t.decide(f);
                for (int c = 0; c < CONCEPTS; c++) {
                    assertEquals(expected(t, c, f), single[c], 1e-5 * Math.max(1, Math.abs(expected(t, c, f))));
                    assertEquals(single[c], batch[i * CONCEPTS + c], "batch and single agree exactly");
                    assertEquals(single[c] > t.threshold(c), fires[c]);
                }
            }
            int[] rows = {299, 3, 150, 3};
            for (int c = 0; c < CONCEPTS; c++) {
                float[] some = t.scoreRows(c, features, rows);
                for (int k = 0; k < rows.length; k++)
                    assertEquals(batch[rows[k] * CONCEPTS + c], some[k], "rows and batch agree exactly");
            }
        }
    }

    @Test
    void theCosineWithAZeroVectorIsZero() {
        // concept 0 has a zero direction; feature row 1 is a zero vector, and row 2 is one after centring
        float[] directions = {0, 0, 0, 1, 2, 3};
        float[] features = {1, -1, 4, 0, 0, 0, 1, 1, 1};
        for (float[] center : new float[][] {null, {1, 1, 1}}) {
            var t = new ConceptTemplates(
                    Rule.COSINE,
                    SampleKind.CLS,
                    List.of("a", "b"),
                    3,
                    directions,
                    new float[2],
                    center,
                    FeatureOrigin.UNKNOWN);
            float[] batch = t.scoreBatch(features, 3);
            float[] zeroDirection = t.scoreRows(0, features, new int[] {0, 1, 2});
            for (int i = 0; i < 3; i++) {
                assertEquals(0f, batch[i * 2], "zero direction, row " + i);
                assertEquals(0f, zeroDirection[i], "zero direction, row " + i);
            }
            int zeroRow = center == null ? 1 : 2;
            assertEquals(0f, batch[zeroRow * 2 + 1], "zero feature");
            assertEquals(0f, t.score(java.util.Arrays.copyOfRange(features, zeroRow * 3, zeroRow * 3 + 3))[1]);
            assertEquals(0f, t.scoreRows(1, features, new int[] {zeroRow})[0]);
        }
    }

    @Test
    void survivesSaveAndLoad() {
        for (ConceptTemplates t : List.of(templates(Rule.HYPERPLANE, false), templates(Rule.COSINE, true))) {
            Path file = dir.resolve(t.rule().key() + ".safetensors");
            t.save(file);
            ConceptTemplates back = ConceptTemplates.load(file);
            assertEquals(t.rule(), back.rule());
            assertEquals(t.tokens(), back.tokens());
            assertEquals(t.concepts(), back.concepts());
            assertEquals(new FeatureOrigin("k", 11, "hf:facebook/dino-vits8"), back.origin());
            for (int c = 0; c < CONCEPTS; c++) {
                assertArrayEquals(t.direction(c), back.direction(c));
                assertEquals(t.threshold(c), back.threshold(c));
            }
            if (t.center() == null) assertNull(back.center());
            else assertArrayEquals(t.center(), back.center());
        }
    }

    /** Files saved before templates recorded their features' origin still load, with an unknown origin. */
    @Test
    void loadsFilesWithoutTheFeaturesOrigin() throws IOException {
        Path file = dir.resolve("old.safetensors");
        new SafetensorsWriter()
                .addF32("directions", new long[] {1, 3}, new float[] {1, 2, 3})
                .addF32("thresholds", new long[] {1}, new float[] {0.5f})
                .metadata("rule", "hyperplane")
                .metadata("tokens", "patch")
                .metadata("concepts", "[\"a\"]")
                .write(file);
        ConceptTemplates old = ConceptTemplates.load(file);
        assertEquals(FeatureOrigin.UNKNOWN, old.origin());
        assertEquals(List.of("a"), old.concepts());
        new SafetensorsWriter()
                .addF32("directions", new long[] {1, 3}, new float[] {1, 2, 3})
                .addF32("thresholds", new long[] {1}, new float[] {0.5f})
                .metadata("rule", "hyperplane")
                .metadata("tokens", "patch")
                .metadata("concepts", "[\"a\"]")
                .metadata("block", "last")
                .write(file);
        var e = assertThrows(SafetensorsException.class, () -> ConceptTemplates.load(file));
        assertTrue(e.getMessage().startsWith(file + ": metadata 'block'"), e.getMessage());
    }

    @Test
    void aProbeFileIsNotTakenForTemplates() throws IOException {
        Path file = dir.resolve("features.safetensors");
        new SafetensorsWriter()
                .addF32("features", new long[] {1, 3}, new float[3])
                .addU8("labels", new long[] {1, 1}, new byte[1])
                .metadata("concepts", "[\"a\"]")
                .write(file);
        var e = assertThrows(SafetensorsException.class, () -> ConceptTemplates.load(file));
        assertEquals(
                file + ": not a concept templates file (no 'directions' and 'thresholds' tensors; "
                        + "'vitprobe probe --save-templates' writes them)",
                e.getMessage());
    }

    @Test
    void rejectsFilesThatAreNotTemplates() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        new SafetensorsWriter()
                .addF32("directions", new long[] {2, 3}, new float[6])
                .addF32("thresholds", new long[] {3}, new float[3])
                .metadata("rule", "hyperplane")
                .metadata("tokens", "cls")
                .metadata("concepts", "[\"a\",\"b\"]")
                .write(file);
        var e = assertThrows(SafetensorsException.class, () -> ConceptTemplates.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains("thresholds"), e.getMessage());
        new SafetensorsWriter()
                .addF32("directions", new long[] {1, 3}, new float[3])
                .addF32("thresholds", new long[] {1}, new float[1])
                .metadata("rule", "svm")
                .metadata("tokens", "cls")
                .metadata("concepts", "[\"a\"]")
                .write(file);
        e = assertThrows(SafetensorsException.class, () -> ConceptTemplates.load(file));
        assertTrue(e.getMessage().contains("'rule'"), e.getMessage());
    }

    /**
     * The testers' cases: a NaN threshold and an infinite direction were taken silently (segment then wrote null
     * scores, "fires"), and concept names that are not JSON were reported without the file.
     */
    @Test
    void nonFiniteValuesAndConceptsThatAreNotJsonAreRefusedNamingTheFile() throws IOException {
        Path file = dir.resolve("bad.safetensors");
        float[] direction = {1, 2, Float.POSITIVE_INFINITY};
        for (boolean badThreshold : new boolean[] {true, false}) {
            new SafetensorsWriter()
                    .addF32("directions", new long[] {1, 3}, badThreshold ? new float[3] : direction)
                    .addF32("thresholds", new long[] {1}, new float[] {badThreshold ? Float.NaN : 0})
                    .metadata("rule", "hyperplane")
                    .metadata("tokens", "cls")
                    .metadata("concepts", "[\"a\"]")
                    .write(file);
            var e = assertThrows(SafetensorsException.class, () -> ConceptTemplates.load(file));
            assertEquals(
                    badThreshold
                            ? file + ": tensor 'thresholds': non-finite value NaN at element 0"
                            : file + ": tensor 'directions': non-finite value Infinity at element 2",
                    e.getMessage());
        }
        new SafetensorsWriter()
                .addF32("directions", new long[] {2, 3}, new float[6])
                .addF32("thresholds", new long[] {2}, new float[2])
                .metadata("rule", "hyperplane")
                .metadata("tokens", "cls")
                .metadata("concepts", "circle,square")
                .write(file);
        var e = assertThrows(SafetensorsException.class, () -> ConceptTemplates.load(file));
        assertEquals(file + ": metadata 'concepts' must be a JSON list of 2 names", e.getMessage());
    }

    @Test
    void aSubsetOfConceptsScoresExactlyAsTheWholeSet() {
        int n = 300;
        float[] features = random(n * DIM, 5);
        for (ConceptTemplates t : List.of(templates(Rule.HYPERPLANE, false), templates(Rule.COSINE, true))) {
            ConceptTemplates some = t.withConcepts(List.of("c7", "c0", "c18"));
            assertEquals(List.of("c7", "c0", "c18"), some.concepts());
            assertEquals(t.origin(), some.origin());
            float[] all = t.scoreBatch(features, n), picked = some.scoreBatch(features, n);
            int[] columns = {7, 0, 18};
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < columns.length; k++) {
                    assertEquals(all[i * CONCEPTS + columns[k]], picked[i * columns.length + k]);
                    assertEquals(t.threshold(columns[k]), some.threshold(k));
                }
            }
        }
        var unknown = assertThrows(IllegalArgumentException.class, () -> templates(Rule.COSINE, false)
                .withConcepts(List.of("dog")));
        assertTrue(
                unknown.getMessage().startsWith("unknown concept 'dog' (the templates hold c0, c1"),
                unknown.getMessage());
        assertTrue(unknown.getMessage().endsWith("19 in all)"), unknown.getMessage());
        var twice = assertThrows(IllegalArgumentException.class, () -> templates(Rule.COSINE, false)
                .withConcepts(List.of("c1", "c1")));
        assertTrue(twice.getMessage().contains("'c1' is named twice"), twice.getMessage());
    }

    @Test
    void refusesFeaturesOfTheWrongWidth() {
        var e = assertThrows(IllegalArgumentException.class, () -> templates(Rule.HYPERPLANE, false)
                .score(new float[DIM + 1]));
        assertTrue(e.getMessage().contains("38") && e.getMessage().contains("37"), e.getMessage());
    }
}
