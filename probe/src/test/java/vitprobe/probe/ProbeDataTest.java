package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;

class ProbeDataTest {
    @TempDir
    Path dir;

    /** Three samples of two dimensions with concepts a, b (category 7) and c (category 8). */
    private static SafetensorsWriter valid() {
        return new SafetensorsWriter()
                .addF32("features", new long[] {3, 2}, new float[] {1, 2, 3, 4, 5, 6})
                .addU8("labels", new long[] {3, 3}, new byte[] {1, 0, 0, 0, 1, 0, 0, 0, 1})
                .addI64("groups", new long[] {3}, new long[] {40, 40, 41})
                .addI64("categories", new long[] {3}, new long[] {7, 7, 8})
                .metadata("concepts", "[\"a\",\"b\",\"c\"]");
    }

    private Path write(SafetensorsWriter w) throws IOException {
        Path file = dir.resolve("data.safetensors");
        w.write(file);
        return file;
    }

    private void assertRejected(SafetensorsWriter w, String... fragments) throws IOException {
        Path file = write(w);
        var e = assertThrows(SafetensorsException.class, () -> ProbeData.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line");
        for (String f : fragments) assertTrue(e.getMessage().contains(f), e.getMessage() + " lacks " + f);
    }

    @Test
    void loadsWhatItSaves() throws IOException {
        ProbeData d = ProbeData.load(write(valid()));
        assertEquals(3, d.size());
        assertEquals(2, d.dim());
        assertEquals(List.of("a", "b", "c"), d.concepts());
        assertEquals(SampleKind.PATCH, d.tokens(), "two samples of image 40: patches");
        assertEquals(8L, d.category(2));
        Path copy = dir.resolve("copy.safetensors");
        d.save(copy);
        ProbeData again = ProbeData.load(copy);
        assertArrayEquals(d.feature(2), again.feature(2));
        assertEquals(d.concepts(), again.concepts());
        assertEquals(d.tokens(), again.tokens());
        assertArrayEquals(d.samplesOf(0), again.samplesOf(0));
        assertEquals(7L, again.category(1));
    }

    @Test
    void readsHalfPrecisionFeatures() throws IOException {
        ProbeData d = ProbeData.load(write(new SafetensorsWriter()
                .addF16("features", new long[] {2, 2}, new float[] {0.5f, -2, 1024, 3.140625f})
                .addU8("labels", new long[] {2, 1}, new byte[] {1, 0})));
        assertArrayEquals(new float[] {1024, 3.140625f}, d.feature(1));
        assertEquals(List.of("concept0"), d.concepts());
        assertEquals(SampleKind.CLS, d.tokens());
    }

    @Test
    void rejectsBadInputWithOneLineNamingFileAndTensor() throws IOException {
        assertRejected(
                valid().addU8("extra", new long[] {1}, new byte[1]).metadata("concepts", "[\"a\",\"b\"]"),
                "concepts",
                "2",
                "3");
        assertRejected(
                new SafetensorsWriter()
                        .addF32("features", new long[] {3, 2}, new float[6])
                        .addU8("labels", new long[] {2, 1}, new byte[2]),
                "labels",
                "2 rows",
                "3");
        assertRejected(
                new SafetensorsWriter()
                        .addF32("features", new long[] {2, 1}, new float[] {0, 1})
                        .addU8("labels", new long[] {2, 1}, new byte[] {1, 2}),
                "labels",
                "[1, 0]",
                "0 or 1");
        assertRejected(
                new SafetensorsWriter()
                        .addF32("features", new long[] {2, 1}, new float[] {0, Float.NaN})
                        .addU8("labels", new long[] {2, 1}, new byte[] {1, 0}),
                "features",
                "[1, 0]",
                "NaN");
        assertRejected(
                new SafetensorsWriter()
                        .addI64("features", new long[] {1, 1}, new long[1])
                        .addU8("labels", new long[] {1, 1}, new byte[1]),
                "features",
                "I64");
        assertRejected(
                new SafetensorsWriter().addF32("features", new long[] {2, 1}, new float[2]),
                "labels",
                "no such tensor");
        assertRejected(
                valid().addI64("groups2", new long[] {1}, new long[1]).metadata("tokens", "pixels"),
                "tokens",
                "pixels");
        Path file = dir.resolve("short-groups.safetensors");
        new SafetensorsWriter()
                .addF32("features", new long[] {2, 1}, new float[2])
                .addU8("labels", new long[] {2, 1}, new byte[] {1, 0})
                .addI64("groups", new long[] {3}, new long[3])
                .write(file);
        var e = assertThrows(SafetensorsException.class, () -> ProbeData.load(file));
        assertTrue(e.getMessage().contains("groups"), e.getMessage());
    }

    /** Tester report: ["a","A","a"] was accepted and the results held two concepts named "a". */
    @Test
    void refusesConceptNamesThatRepeatIgnoringCase() throws IOException {
        assertRejected(
                valid().metadata("concepts", "[\"a\",\"A\",\"a\"]"),
                "metadata 'concepts'",
                "'A' at 1 repeats 'a' at 0");
        assertRejected(valid().metadata("concepts", "[\"a\",\"b\",\"a\"]"), "'a' at 2 repeats at 0");
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> ProbeData.of(new float[2], 1, new byte[] {1, 0, 0, 1}, List.of("Sky", "sky"), null, null, null));
        assertTrue(e.getMessage().contains("'sky' at 1 repeats 'Sky' at 0"), e.getMessage());
    }

    @Test
    void usableConceptsHavePositivesAndNegativesInBothSplits() throws IOException {
        // sky: positives and negatives in both; tree: no positive in test; cloud: no negative in train.
        ProbeData train = ProbeData.load(write(new SafetensorsWriter()
                .addF32("features", new long[] {2, 1}, new float[2])
                .addU8("labels", new long[] {2, 3}, new byte[] {1, 1, 1, 0, 0, 1})
                .metadata("concepts", "[\"sky\",\"tree\",\"cloud\"]")));
        ProbeData test = ProbeData.of(
                new float[2], 1, new byte[] {1, 0, 1, 0, 0, 0}, List.of("sky", "tree", "cloud"), null, null, null);
        int[] usable = ProbeData.usableConcepts(train, test);
        assertArrayEquals(new int[] {0}, usable);
        assertEquals(List.of("tree", "cloud"), train.conceptsOutside(usable));
        ProbeData allSky = ProbeData.of(new float[2], 1, new byte[] {1, 1}, List.of("sky"), null, null, null);
        var e = assertThrows(IllegalArgumentException.class, () -> ProbeData.usableConcepts(allSky, allSky));
        assertTrue(e.getMessage().contains("no concept has positives and negatives"), e.getMessage());
    }

    @Test
    void patchNegativesCarryAnotherConceptOfTheSameCategory() {
        // concepts: a, b in category 0; c in category 1. Sample 3 is unlabelled.
        byte[] labels = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
        Consumer<SampleKind> check = tokens -> {
            ProbeData d = ProbeData.of(
                    new float[4],
                    1,
                    labels,
                    List.of("a", "b", "c"),
                    new long[] {0, 0, 1, 1},
                    new long[] {0, 0, 1},
                    tokens);
            if (tokens == SampleKind.PATCH) {
                assertArrayEquals(
                        new int[] {1}, d.negatives(0), "only the b patch: c is another category, 3 unlabelled");
                assertArrayEquals(new int[] {0}, d.negatives(1));
                assertArrayEquals(
                        new int[] {0, 1}, d.negatives(2), "c is alone in its category: patches of the others");
                assertTrue(d.negativesFromOtherCategories(2) && !d.negativesFromOtherCategories(0));
            } else {
                assertArrayEquals(
                        new int[] {1, 2, 3}, d.negatives(0), "for [CLS] tokens every sample without the concept");
            }
        };
        check.accept(SampleKind.PATCH);
        check.accept(SampleKind.CLS);
        ProbeData noCategories =
                ProbeData.of(new float[4], 1, labels, List.of("a", "b", "c"), new long[] {0, 0, 1, 1}, null, null);
        assertEquals(SampleKind.PATCH, noCategories.tokens());
        assertArrayEquals(
                new int[] {1, 2, 3}, noCategories.negatives(0), "without categories every sample without the concept");
    }

    @Test
    void keepingFewerConceptsLeavesTheNegativesOfTheRestAsTheyWere() {
        // a, b, c in category 0 and d in category 1, one sample each, then an unlabelled one and one with a and b
        byte[] labels = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0};
        ProbeData all = ProbeData.of(
                new float[6],
                1,
                labels,
                List.of("a", "b", "c", "d"),
                new long[] {0, 0, 1, 1, 2, 2},
                new long[] {0, 0, 0, 1},
                null);
        ProbeData kept = all.withConcepts(new int[] {0, 3});
        assertArrayEquals(new int[] {1, 2}, all.negatives(0));
        assertArrayEquals(new int[] {1, 2}, kept.negatives(0), "b and c stay negatives of a without their columns");
        assertArrayEquals(
                new int[] {0, 1, 2, 5}, kept.negatives(1), "d, alone in its category: other labelled patches");
        assertTrue(kept.negativesFromOtherCategories(1) && !kept.negativesFromOtherCategories(0));
        assertTrue(kept.isNegative(2, 0) && !kept.isNegative(4, 0) && !kept.isNegative(5, 0));
    }

    @Test
    void aConceptOnEveryLabelledPatchHasNoNegativesAndIsLeftOut() {
        // a labels every labelled patch, b (another category) only some of them; sample 2 is unlabelled
        byte[] labels = {1, 1, 1, 0, 0, 0};
        ProbeData d =
                ProbeData.of(new float[3], 1, labels, List.of("a", "b"), new long[] {0, 0, 1}, new long[] {0, 1}, null);
        assertArrayEquals(new int[0], d.negatives(0));
        assertArrayEquals(new int[] {1}, d.negatives(1));
        int[] usable = ProbeData.usableConcepts(d, d);
        assertArrayEquals(new int[] {1}, usable);
        assertEquals(List.of("a"), d.conceptsOutside(usable));
    }

    @Test
    void groupsBecomeImages() {
        byte[] labels = {0, 1, 1, 0, 1};
        ProbeData d = ProbeData.of(new float[5], 1, labels, List.of("a"), new long[] {9, 5, 9, 5, 2}, null, null);
        assertEquals(3, d.imageCount());
        assertArrayEquals(new int[] {0, 2}, d.samplesOf(d.imageOf(0)));
        assertArrayEquals(new int[] {0, 1, 2}, d.imagesWith(0), "images 9, 5 and 2 all show a");
        assertArrayEquals(new int[] {1, 2, 4}, d.positives(0));
    }
}
