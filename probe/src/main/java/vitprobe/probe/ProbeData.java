package vitprobe.probe;

import vitprobe.weights.DType;
import vitprobe.io.Json;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Token features with multi-hot concept labels, as stored in a probe file: {@code features} [N,D] F32/F16,
 * {@code labels} [N,C] U8 of 0/1, optional {@code groups} [N] I64 (the image each sample comes from) and
 * {@code categories} [C] I64, concept names as a JSON list in metadata "concepts" and optionally the token type in
 * metadata "tokens" ("cls" or "patch"). Without "tokens" the samples are patches when some image has several.
 * Everything is validated on construction; an error names the file and the offending tensor.
 */
public final class ProbeData {
    private final Path file;
    final float[] features;
    final int size;
    final int dim;
    private final byte[] labels;
    private final int conceptCount;
    private final List<String> concepts;
    private final long[] groups;
    private final long[] categories;
    private final SampleKind tokens;
    /** Samples grouped by image: those of image g are groupSamples[groupStart[g] .. groupStart[g+1]). */
    private final int[] groupOf;
    private final int[] groupStart;
    private final int[] groupSamples;
    /** Per concept, the samples labelled with any concept of its category (shared between concepts); lazy. */
    private volatile BitSet[] categoryLabelled;

    private ProbeData(Path file, float[] features, int dim, byte[] labels, List<String> concepts, long[] groups,
                      long[] categories, SampleKind tokens) {
        this.file = file;
        this.dim = dim;
        if (dim <= 0) throw fail("features", "has no feature dimensions");
        if (features.length % dim != 0) throw fail("features", features.length + " values do not form rows of " + dim);
        this.features = features;
        this.size = features.length / dim;
        this.conceptCount = concepts.size();
        if (conceptCount == 0) throw fail("labels", "has no concept columns");
        this.concepts = List.copyOf(concepts);
        if (labels.length != (long) size * conceptCount) {
            throw fail("labels", "has " + labels.length / conceptCount + " rows but features has " + size);
        }
        this.labels = labels;
        if (groups != null && groups.length != size) throw fail("groups", "has " + groups.length + " entries but features has " + size + " rows");
        if (categories != null && categories.length != conceptCount) {
            throw fail("categories", "has " + categories.length + " entries for " + conceptCount + " concepts");
        }
        this.categories = categories;
        checkFeatures();
        checkLabels();
        this.groups = groups;
        this.groupOf = new int[size];
        int groupCount = numberGroups(groups, groupOf);
        this.groupStart = new int[groupCount + 1];
        this.groupSamples = new int[size];
        for (int g : groupOf) groupStart[g + 1]++;
        for (int g = 0; g < groupCount; g++) groupStart[g + 1] += groupStart[g];
        int[] fill = Arrays.copyOf(groupStart, groupCount);
        for (int i = 0; i < size; i++) groupSamples[fill[groupOf[i]]++] = i;
        this.tokens = tokens != null ? tokens : groupCount < size ? SampleKind.PATCH : SampleKind.CLS;
    }

    /**
     * Builds a data set from arrays: features row-major [N*dim], labels row-major [N*C] of 0/1 with C =
     * concepts.size(); groups, categories and tokens may be null (tokens is then inferred from the groups).
     */
    public static ProbeData of(float[] features, int dim, byte[] labels, List<String> concepts, long[] groups,
                               long[] categories, SampleKind tokens) {
        return new ProbeData(null, features, dim, labels, concepts, groups, categories, tokens);
    }

    /** Reads and validates a probe file. */
    public static ProbeData load(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            Tensor f = st.tensor("features");
            if (f.rank() != 2) throw new SafetensorsException(file, "features", "has shape " + f.shapeString() + ", expected [N,D]");
            if (f.dtype() != DType.F32 && f.dtype() != DType.F16) {
                throw new SafetensorsException(file, "features", "has dtype " + f.dtype() + ", expected F32 or F16");
            }
            if (f.elementCount() > Integer.MAX_VALUE - 8) {
                throw new SafetensorsException(file, "features", "has " + f.elementCount() + " values, more than one Java array holds (2^31)");
            }
            Tensor l = st.tensor("labels");
            if (l.rank() != 2 || l.dtype() != DType.U8) {
                throw new SafetensorsException(file, "labels", "has " + l.dtype() + " " + l.shapeString() + ", expected U8 [N,C]");
            }
            if (l.dim(0) != f.dim(0)) throw new SafetensorsException(file, "labels", "has " + l.dim(0) + " rows but features has " + f.dim(0));
            int c = Math.toIntExact(l.dim(1));
            long[] groups = st.has("groups") ? vector(file, st.tensor("groups")) : null;
            long[] categories = st.has("categories") ? vector(file, st.tensor("categories")) : null;
            Map<String, String> meta = st.metadata();
            List<String> names = meta.containsKey("concepts") ? conceptNames(file, meta.get("concepts"), c) : defaultNames(c);
            SampleKind tokens = null;
            if (meta.containsKey("tokens")) {
                try {
                    tokens = SampleKind.byKey(meta.get("tokens"));
                } catch (IllegalArgumentException e) {
                    throw new SafetensorsException(file, null, "metadata 'tokens': " + e.getMessage());
                }
            }
            return new ProbeData(file, f.toFloatArray(), Math.toIntExact(f.dim(1)), l.toByteArray(), names, groups, categories, tokens);
        }
    }

    /** Writes this data set in the probe file format (features as F32). */
    public void save(Path out) {
        SafetensorsWriter w = new SafetensorsWriter()
                .addF32("features", new long[]{size, dim}, features)
                .addU8("labels", new long[]{size, conceptCount}, labels)
                .metadata("concepts", Json.write(concepts))
                .metadata("tokens", tokens.key());
        if (groups != null) w.addI64("groups", new long[]{size}, groups);
        if (categories != null) w.addI64("categories", new long[]{conceptCount}, categories);
        try {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private static long[] vector(Path file, Tensor t) {
        if (t.rank() != 1 || t.dtype() != DType.I64) {
            throw new SafetensorsException(file, t.name(), "has " + t.dtype() + " " + t.shapeString() + ", expected I64 of rank 1");
        }
        return t.toLongArray();
    }

    private static List<String> conceptNames(Path file, String json, int count) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, null, "metadata 'concepts' is not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new SafetensorsException(file, null, "metadata 'concepts' must be a JSON list of strings");
        }
        if (list.size() != count) {
            throw new SafetensorsException(file, null, "metadata 'concepts' names " + list.size() + " concepts but labels has " + count + " columns");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static List<String> defaultNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int c = 0; c < count; c++) names.add("concept" + c);
        return names;
    }

    private RuntimeException fail(String tensor, String rule) {
        return file != null ? new SafetensorsException(file, tensor, rule) : new IllegalArgumentException(tensor + ": " + rule);
    }

    private void checkFeatures() {
        for (int i = 0; i < features.length; i++) {
            if (!Float.isFinite(features[i])) {
                throw fail("features", "value at [" + i / dim + ", " + i % dim + "] is " + features[i] + "; features must be finite");
            }
        }
    }

    private void checkLabels() {
        for (int i = 0; i < labels.length; i++) {
            if ((labels[i] & 0xfe) != 0) {
                throw fail("labels", "value at [" + i / conceptCount + ", " + i % conceptCount + "] is " + (labels[i] & 0xff) + "; labels must be 0 or 1");
            }
        }
    }

    /** Numbers the distinct groups 0.. in order of first appearance; without groups every sample is its own. */
    private static int numberGroups(long[] groups, int[] groupOf) {
        if (groups == null) {
            Arrays.setAll(groupOf, i -> i);
            return groupOf.length;
        }
        Map<Long, Integer> ids = new HashMap<>();
        for (int i = 0; i < groups.length; i++) groupOf[i] = ids.computeIfAbsent(groups[i], g -> ids.size());
        return ids.size();
    }

    /** The same samples with only the given concept columns, in the given order (features are shared, not copied). */
    public ProbeData withConcepts(int[] columns) {
        byte[] kept = new byte[size * columns.length];
        for (int i = 0; i < size; i++) {
            for (int k = 0; k < columns.length; k++) kept[i * columns.length + k] = labels[i * conceptCount + columns[k]];
        }
        List<String> names = Arrays.stream(columns).mapToObj(concepts::get).toList();
        long[] keptCategories = categories == null ? null : Arrays.stream(columns).mapToLong(c -> categories[c]).toArray();
        return new ProbeData(file, features, dim, kept, names, groups, keptCategories, tokens);
    }

    /**
     * The concept columns a template can be trained and tested for: those with positives and negatives in both
     * splits (a rare concept may miss from one split). Fails when there is none.
     */
    public static int[] usableConcepts(ProbeData train, ProbeData test) {
        int[] usable = IntStream.range(0, train.conceptCount()).filter(c -> train.positives(c).length > 0 && train.negatives(c).length > 0
                && test.positives(c).length > 0 && test.negatives(c).length > 0).toArray();
        if (usable.length == 0) {
            throw new IllegalArgumentException(train.source() + ", " + test.source() + ": no concept has positives and negatives in both");
        }
        return usable;
    }

    /** The names of the concepts not in {@code usable}, in column order. */
    public List<String> conceptsOutside(int[] usable) {
        return IntStream.range(0, conceptCount).filter(c -> Arrays.stream(usable).noneMatch(u -> u == c)).mapToObj(concepts::get).toList();
    }

    public Path file() {
        return file;
    }

    /** The file for messages, or "in-memory data". */
    public String source() {
        return file == null ? "in-memory data" : file.toString();
    }

    /** Number of samples N. */
    public int size() {
        return size;
    }

    /** Feature dimension D. */
    public int dim() {
        return dim;
    }

    public int conceptCount() {
        return conceptCount;
    }

    public List<String> concepts() {
        return concepts;
    }

    public SampleKind tokens() {
        return tokens;
    }

    public boolean hasCategories() {
        return categories != null;
    }

    /** The category of concept c, or null when the data has none. */
    public Long category(int c) {
        return categories == null ? null : categories[c];
    }

    /** A copy of sample i's features. */
    public float[] feature(int i) {
        return Arrays.copyOfRange(features, i * dim, (i + 1) * dim);
    }

    public boolean label(int sample, int concept) {
        return labels[sample * conceptCount + concept] != 0;
    }

    /** Samples labelled with concept c, ascending. */
    public int[] positives(int c) {
        int count = 0;
        for (int i = 0; i < size; i++) count += labels[i * conceptCount + c];
        int[] out = new int[count];
        for (int i = 0, k = 0; i < size; i++) if (labels[i * conceptCount + c] != 0) out[k++] = i;
        return out;
    }

    /**
     * Whether sample i counts as a negative of concept c: it lacks c and, for patch tokens with categories, carries
     * another concept of c's category (an unlabelled patch may well show c).
     */
    public boolean isNegative(int sample, int c) {
        if (labels[sample * conceptCount + c] != 0) return false;
        return tokens != SampleKind.PATCH || categories == null || labelledInCategory(sample, c);
    }

    /** The samples that count as negatives of concept c ({@link #isNegative}), ascending. */
    public int[] negatives(int c) {
        int[] out = new int[size];
        int count = 0;
        for (int i = 0; i < size; i++) if (isNegative(i, c)) out[count++] = i;
        return Arrays.copyOf(out, count);
    }

    /** Whether sample i carries any label of concept c's category; one bit per sample and category, built once. */
    private boolean labelledInCategory(int sample, int c) {
        BitSet[] byCategory = categoryLabelled;
        if (byCategory == null) {
            Map<Long, BitSet> sets = new HashMap<>();
            for (int i = 0; i < size; i++) {
                for (int o = 0; o < conceptCount; o++) {
                    if (labels[i * conceptCount + o] != 0) sets.computeIfAbsent(categories[o], k -> new BitSet(size)).set(i);
                }
            }
            byCategory = new BitSet[conceptCount];
            for (int o = 0; o < conceptCount; o++) byCategory[o] = sets.getOrDefault(categories[o], new BitSet());
            categoryLabelled = byCategory;
        }
        return byCategory[c].get(sample);
    }

    /** Number of distinct images (groups). */
    public int imageCount() {
        return groupStart.length - 1;
    }

    /** The image (dense index in [0, imageCount())) that sample i comes from. */
    public int imageOf(int sample) {
        return groupOf[sample];
    }

    /** The images holding at least one positive of concept c, ascending. */
    public int[] imagesWith(int c) {
        return Arrays.stream(positives(c)).map(i -> groupOf[i]).sorted().distinct().toArray();
    }

    /** The samples of image g, ascending. */
    public int[] samplesOf(int image) {
        return Arrays.copyOfRange(groupSamples, groupStart[image], groupStart[image + 1]);
    }

    /** Per-dimension mean of all features, accumulated in double. */
    public double[] featureMean() {
        double[] mean = new double[dim];
        for (int i = 0; i < size; i++) {
            for (int j = 0; j < dim; j++) mean[j] += features[i * dim + j];
        }
        for (int j = 0; j < dim; j++) mean[j] /= size;
        return mean;
    }
}
