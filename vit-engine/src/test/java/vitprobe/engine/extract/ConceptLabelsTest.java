package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;

class ConceptLabelsTest {
    @TempDir
    Path dir;

    private Path write(ConceptLabels labels) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        labels.write(w);
        Path file = dir.resolve("labels.safetensors");
        w.write(file);
        return file;
    }

    private static ConceptLabels read(Path file, int rows, int concepts) {
        try (SafeTensors st = SafeTensors.open(file)) {
            return ConceptLabels.read(file, st, rows, concepts);
        }
    }

    private static boolean holds(Path file, String tensor) {
        try (SafeTensors st = SafeTensors.open(file)) {
            return st.has(tensor);
        }
    }

    @Test
    void writesTheSmallerFormAndReadsBoth() throws IOException {
        // 4 samples of 100 concepts with one label each: 400 dense bytes, 8·5 + 4·4 = 56 sparse ones.
        byte[] rare = new byte[400];
        rare[7] = rare[100 + 99] = rare[200] = rare[300 + 7] = 1;
        ConceptLabels sparse = ConceptLabels.ofDense(rare, 4, 100, null);
        Path file = write(sparse);
        assertTrue(holds(file, ConceptLabels.OFFSETS) && !holds(file, ConceptLabels.DENSE));
        ConceptLabels back = read(file, 4, 100);
        for (int i = 0; i < 4; i++) assertArrayEquals(sparse.row(i), back.row(i));
        assertArrayEquals(new int[][] {{2}, {}, {}}, copyOf(back.positives(), 3));
        assertArrayEquals(new int[] {0, 3}, back.positives()[7]);
        assertTrue(back.has(1, 99) && !back.has(1, 98));

        // 2 samples of 3 concepts: 6 dense bytes against 8·3 + 4·k sparse ones.
        ConceptLabels dense = ConceptLabels.ofDense(new byte[] {1, 1, 0, 0, 0, 1}, 2, 3, null);
        file = write(dense);
        assertTrue(holds(file, ConceptLabels.DENSE) && !holds(file, ConceptLabels.OFFSETS));
        assertArrayEquals(new byte[] {0, 0, 1}, read(file, 2, -1).row(1));
        assertEquals(3, read(file, 2, -1).conceptCount(), "the dense form gives the count without names");
    }

    @Test
    void labelsFromPositivesEqualTheDenseOnes() {
        ConceptLabels dense = ConceptLabels.ofDense(new byte[] {0, 1, 1, 1, 0, 0, 0, 0, 1}, 3, 3, null);
        ConceptLabels again = ConceptLabels.ofPositives(3, dense.positives());
        for (int i = 0; i < 3; i++) assertArrayEquals(dense.row(i), again.row(i));
        ConceptLabels both = ConceptLabels.concat(List.of(dense, again));
        assertEquals(6, both.size());
        assertArrayEquals(new int[] {0, 2, 3, 5}, both.positives()[2]);
    }

    private static int[][] copyOf(int[][] a, int n) {
        return java.util.Arrays.copyOf(a, n);
    }

    /** Two samples of 3 concepts in the sparse form: sample 0 has concepts 0 and 2, sample 1 none. */
    private static SafetensorsWriter sparse(long[] offsets, int[] concepts) {
        return new SafetensorsWriter()
                .addI64(ConceptLabels.OFFSETS, new long[] {offsets.length}, offsets)
                .addI32(ConceptLabels.CONCEPTS, new long[] {concepts.length}, concepts);
    }

    private void assertRejected(SafetensorsWriter w, int concepts, String tensor, String... fragments)
            throws IOException {
        Path file = dir.resolve("bad.safetensors");
        w.write(file);
        var e = assertThrows(SafetensorsException.class, () -> read(file, 2, concepts));
        assertTrue(e.getMessage().startsWith(file + ": tensor '" + tensor + "'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        for (String f : fragments) assertTrue(e.getMessage().contains(f), e.getMessage() + " lacks " + f);
    }

    @Test
    void refusesBrokenSparseLabelsNamingFileAndTensor() throws IOException {
        Path valid = dir.resolve("valid.safetensors");
        sparse(new long[] {0, 2, 2}, new int[] {0, 2}).write(valid);
        assertArrayEquals(new byte[] {1, 0, 1}, read(valid, 2, 3).row(0));
        assertRejected(sparse(new long[] {0, 2, 2}, new int[] {0, 3}), 3, "label_concepts", "[1]", "is 3");
        assertRejected(sparse(new long[] {0, 2, 2}, new int[] {2, 0}), 3, "label_concepts", "ascending");
        assertRejected(sparse(new long[] {0, 3, 2}, new int[] {0, 2}), 3, "label_offsets", "[1] is 3");
        assertRejected(sparse(new long[] {1, 2, 2}, new int[] {0, 2}), 3, "label_offsets", "[0] is 1");
        assertRejected(sparse(new long[] {0, 2}, new int[] {0, 2}), 3, "label_offsets", "expected I64 [3]");
        assertRejected(sparse(new long[] {0, 2, 2}, new int[] {0, 2}), -1, "label_offsets", "metadata 'concepts'");
        assertRejected(
                sparse(new long[] {0, 2, 2}, new int[] {0, 2}).addU8("labels", new long[] {2, 3}, new byte[6]),
                3,
                "labels",
                "one form");
        assertRejected(
                new SafetensorsWriter().addU8("labels", new long[] {2, 1}, new byte[] {1, 2}),
                1,
                "labels",
                "[1, 0] is 2",
                "0 or 1");
    }
}
