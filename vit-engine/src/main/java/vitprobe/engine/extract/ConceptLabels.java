package vitprobe.engine.extract;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import vitprobe.weights.DType;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;

/**
 * The multi-hot concept labels of N samples over C concepts, held sparsely: per sample the concepts it carries,
 * ascending. Memory grows with the labels present, not with N × C, so a set of more label cells than one Java
 * array holds (a Broden split of every patch) fits. A probe file stores them in one of two forms, whichever takes
 * fewer bytes (readers accept both):
 * <ul>
 *   <li>dense: {@code labels} [N,C] U8 of 0/1;
 *   <li>sparse: {@code label_offsets} [N+1] I64 and {@code label_concepts} [L] I32: sample i carries the concepts
 *       {@code label_concepts[label_offsets[i] .. label_offsets[i+1])}, ascending; C is the length of the file's
 *       metadata "concepts", which the sparse form requires.
 * </ul>
 */
public final class ConceptLabels {
    public static final String DENSE = "labels", OFFSETS = "label_offsets", CONCEPTS = "label_concepts";

    private final int conceptCount;
    /** Sample i's concepts are present[offsets[i] .. offsets[i+1]). */
    private final int[] offsets;

    private final int[] present;

    private ConceptLabels(int conceptCount, int[] offsets, int[] present) {
        this.conceptCount = conceptCount;
        this.offsets = offsets;
        this.present = present;
    }

    /**
     * Labels from a dense row-major [rows × conceptCount] array of 0/1.
     *
     * @param file named in the error of a value other than 0 or 1; null for data held in memory
     */
    public static ConceptLabels ofDense(byte[] cells, int rows, int conceptCount, Path file) {
        return ofDense(MemorySegment.ofArray(cells), rows, conceptCount, file);
    }

    private static ConceptLabels ofDense(MemorySegment cells, long n, int conceptCount, Path file) {
        if (cells.byteSize() != n * conceptCount) {
            throw invalid(
                    file, DENSE, "has " + cells.byteSize() / Math.max(1, conceptCount) + " rows but features has " + n);
        }
        int[] offsets = new int[arrayLength(n + 1, file)];
        int[] present = new int[Math.toIntExact(Math.min(n, 1 << 20))];
        byte[] row = new byte[conceptCount];
        int at = 0;
        for (int i = 0; i < n; i++) {
            MemorySegment.copy(cells, ValueLayout.JAVA_BYTE, (long) i * conceptCount, row, 0, conceptCount);
            for (int c = 0; c < conceptCount; c++) {
                if (row[c] == 0) continue;
                if (row[c] != 1) {
                    throw invalid(
                            file,
                            DENSE,
                            "value at [" + i + ", " + c + "] is " + (row[c] & 0xff) + "; labels must be 0 or 1");
                }
                if (at == present.length) present = Arrays.copyOf(present, arrayLength(2L * at + 1, file));
                present[at++] = c;
            }
            offsets[i + 1] = at;
        }
        return new ConceptLabels(conceptCount, offsets, Arrays.copyOf(present, at));
    }

    /** Labels from each concept's samples, ascending (as {@link #positives()} gives them), of {@code size} samples. */
    public static ConceptLabels ofPositives(int size, int[][] positives) {
        int[] offsets = new int[size + 1];
        for (int[] samples : positives) for (int i : samples) offsets[i + 1]++;
        for (int i = 0; i < size; i++) offsets[i + 1] += offsets[i];
        int[] next = Arrays.copyOf(offsets, size);
        int[] present = new int[offsets[size]];
        // Concepts in ascending order, so that each sample's list comes out ascending.
        for (int c = 0; c < positives.length; c++) for (int i : positives[c]) present[next[i]++] = c;
        return new ConceptLabels(positives.length, offsets, present);
    }

    /** The labels of several sets of samples of the same concepts, one after the other. */
    public static ConceptLabels concat(List<ConceptLabels> parts) {
        long samples = 0, labels = 0;
        for (ConceptLabels p : parts) {
            samples += p.size();
            labels += p.present.length;
        }
        int[] offsets = new int[arrayLength(samples + 1, null)];
        int[] present = new int[arrayLength(labels, null)];
        int row = 0, at = 0;
        for (ConceptLabels p : parts) {
            for (int i = 0; i < p.size(); i++) offsets[row + i + 1] = at + p.offsets[i + 1];
            System.arraycopy(p.present, 0, present, at, p.present.length);
            row += p.size();
            at += p.present.length;
        }
        return new ConceptLabels(parts.getFirst().conceptCount, offsets, present);
    }

    /**
     * Reads the labels of a probe file in either form, checked against its {@code rows} samples.
     *
     * @param namedConcepts the number of names in the file's metadata "concepts", or -1 without them (the dense form
     *     then gives the count; the sparse form needs them)
     */
    public static ConceptLabels read(Path file, SafeTensors st, long rows, int namedConcepts) {
        if (!st.has(OFFSETS) && !st.has(CONCEPTS)) {
            Tensor dense = st.tensor(DENSE);
            if (dense.rank() != 2 || dense.dtype() != DType.U8) {
                throw invalid(file, DENSE, "has " + dense.dtype() + " " + dense.shapeString() + ", expected U8 [N,C]");
            }
            if (namedConcepts >= 0 && dense.dim(1) != namedConcepts) {
                throw invalid(
                        file,
                        null,
                        "metadata 'concepts' names " + namedConcepts + " concepts but labels has " + dense.dim(1)
                                + " columns");
            }
            return ofDense(dense.data(), rows, Math.toIntExact(dense.dim(1)), file);
        }
        if (st.has(DENSE)) throw invalid(file, DENSE, "given with " + OFFSETS + "; a file holds one form of labels");
        if (namedConcepts < 0) throw invalid(file, OFFSETS, "sparse labels need the metadata 'concepts'");
        Tensor offsets = st.tensor(OFFSETS), concepts = st.tensor(CONCEPTS);
        if (offsets.rank() != 1 || offsets.dtype() != DType.I64 || offsets.dim(0) != rows + 1) {
            throw invalid(
                    file,
                    OFFSETS,
                    "has " + offsets.dtype() + " " + offsets.shapeString() + ", expected I64 [" + (rows + 1) + "]");
        }
        if (concepts.rank() != 1 || concepts.dtype() != DType.I32) {
            throw invalid(
                    file, CONCEPTS, "has " + concepts.dtype() + " " + concepts.shapeString() + ", expected I32 [L]");
        }
        arrayLength(concepts.dim(0), file);
        int[] present = concepts.toIntArray();
        int[] starts = new int[(int) rows + 1];
        for (int i = 0; i <= rows; i++) {
            long at = offsets.getLong(i);
            long previous = i == 0 ? 0 : starts[i - 1];
            if (at < previous || at > present.length || (i == 0 && at != 0) || (i == rows && at != present.length)) {
                throw invalid(
                        file,
                        OFFSETS,
                        "value at [" + i + "] is " + at + "; offsets must rise from 0 to " + present.length
                                + " (the length of " + CONCEPTS + ")");
            }
            starts[i] = (int) at;
        }
        for (int i = 0; i < rows; i++) {
            for (int k = starts[i]; k < starts[i + 1]; k++) {
                int c = present[k];
                if (c < 0 || c >= namedConcepts || (k > starts[i] && c <= present[k - 1])) {
                    throw invalid(
                            file,
                            CONCEPTS,
                            "value at [" + k + "] (sample " + i + ") is " + c + "; a sample's concepts must be in [0, "
                                    + namedConcepts + ") and ascending");
                }
            }
        }
        return new ConceptLabels(namedConcepts, starts, present);
    }

    /** Adds the labels to a probe file in the form that takes fewer bytes (dense on a tie). */
    public void write(SafetensorsWriter w) {
        long n = size();
        long denseBytes = n * conceptCount, sparseBytes = 8 * (n + 1) + 4L * present.length;
        if (denseBytes <= sparseBytes) {
            w.addU8(DENSE, new long[] {n, conceptCount}, dense());
        } else {
            w.addI64(
                    OFFSETS,
                    new long[] {n + 1},
                    Arrays.stream(offsets).asLongStream().toArray());
            w.addI32(CONCEPTS, new long[] {present.length}, present);
        }
    }

    /** The labels as a dense row-major [N × C] array of 0/1 (fails when that is more than one array holds). */
    private byte[] dense() {
        byte[] cells = new byte[arrayLength((long) size() * conceptCount, null)];
        for (int i = 0; i < size(); i++) {
            for (int k = offsets[i]; k < offsets[i + 1]; k++) cells[i * conceptCount + present[k]] = 1;
        }
        return cells;
    }

    /** Number of samples N. */
    public int size() {
        return offsets.length - 1;
    }

    /** Number of concepts C. */
    public int conceptCount() {
        return conceptCount;
    }

    /** Whether the sample carries the concept. */
    public boolean has(int sample, int concept) {
        return Arrays.binarySearch(present, offsets[sample], offsets[sample + 1], concept) >= 0;
    }

    /** A sample's labels as one dense row: per concept 0 or 1. */
    public byte[] row(int sample) {
        byte[] row = new byte[conceptCount];
        for (int k = offsets[sample]; k < offsets[sample + 1]; k++) row[present[k]] = 1;
        return row;
    }

    /** Per concept its samples, ascending. */
    public int[][] positives() {
        int[] counts = new int[conceptCount];
        for (int c : present) counts[c]++;
        int[][] positives = new int[conceptCount][];
        for (int c = 0; c < conceptCount; c++) positives[c] = new int[counts[c]];
        Arrays.fill(counts, 0);
        for (int i = 0; i < size(); i++) {
            for (int k = offsets[i]; k < offsets[i + 1]; k++) positives[present[k]][counts[present[k]]++] = i;
        }
        return positives;
    }

    private static int arrayLength(long length, Path file) {
        if (length > Integer.MAX_VALUE - 8) {
            throw invalid(file, null, length + " labels, more than one Java array holds (2^31); probe fewer samples");
        }
        return (int) length;
    }

    private static RuntimeException invalid(Path file, String tensor, String rule) {
        if (file != null) return new SafetensorsException(file, tensor, rule);
        return new IllegalArgumentException(tensor == null ? rule : tensor + ": " + rule);
    }
}
