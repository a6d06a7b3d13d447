package vitprobe.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import vitprobe.engine.extract.ConceptLabels;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.io.Json;
import vitprobe.kernels.cpu.Parallel;
import vitprobe.weights.DType;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;

/**
 * Token features with multi-hot concept labels, as stored in a probe file: {@code features} [N,D] F32/F16, the labels
 * dense as {@code labels} [N,C] U8 of 0/1 or sparse as {@code label_offsets} [N+1] I64 and {@code label_concepts} [L]
 * I32 (per sample its concepts, ascending; see {@link ConceptLabels}: files are written in the smaller form, and
 * held sparsely, so that N × C may exceed one Java array), optional {@code groups} [N] I64 (the image each sample
 * comes from) and {@code categories} [C] I64, concept names as a JSON list in metadata "concepts", optionally the
 * token type in metadata "tokens" ("cls" or "patch") and where the features come from: "token_type" (q, k, y_norm,
 * ...), "block" and "model" ({@link FeatureOrigin}).
 * Without "tokens" the samples are patches when some image has several.
 * Everything is validated on construction; an error names the file and the offending tensor.
 */
public final class ProbeData {
    /** Values per task when features are validated in parallel. */
    private static final int CHECK_BLOCK = 1 << 16;

    private final Path file;
    final float[] features;
    final int size;
    final int dim;
    private final ConceptLabels labels;
    private final int conceptCount;
    private final List<String> concepts;
    private final long[] groups;
    private final long[] categories;
    /** The name of each category number, null when the file names none. */
    private final List<String> categoryNames;

    private final SampleKind tokens;
    private final FeatureOrigin origin;
    /** Samples grouped by image: those of image g are groupSamples[groupStart[g] .. groupStart[g+1]). */
    private final int[] groupOf;

    private final int[] groupStart;
    private final int[] groupSamples;
    /** Per concept its samples, ascending: indexed once, as reading one label column strides through every row. */
    private final int[][] positives;
    /**
     * Per concept the samples that are its negatives when they lack it (see {@link #isNegative}), shared between
     * concepts. Decided on all the concept columns of the file, so that keeping fewer concepts leaves them as they are.
     */
    private final BitSet[] negativePools;
    /** The concepts whose negatives are patches of other categories ({@link #negativesFromOtherCategories}). */
    private final BitSet otherCategoryNegatives;
    /**
     * What concept c's random draws are keyed by: drawOffset + c, so that a block of concepts ({@link #conceptBlock})
     * draws as the whole data set does.
     */
    private final int drawOffset;
    /** The data set a block was cut from ({@link #conceptBlock}); null for a whole one. */
    private final ProbeData whole;

    /** What {@link #withConcepts} carries over instead of indexing the labels again. */
    private record Index(int[][] positives, BitSet[] negativePools, BitSet otherCategoryNegatives) {}

    /** @param index null for new labels: they are then validated and indexed */
    private ProbeData(
            Path file,
            float[] features,
            int dim,
            ConceptLabels labels,
            List<String> concepts,
            long[] groups,
            long[] categories,
            List<String> categoryNames,
            SampleKind tokens,
            FeatureOrigin origin,
            Index index,
            int drawOffset,
            ProbeData whole) {
        this.file = file;
        this.drawOffset = drawOffset;
        this.whole = whole;
        this.dim = dim;
        if (dim <= 0) throw fail("features", "has no feature dimensions");
        if (features.length % dim != 0) throw fail("features", features.length + " values do not form rows of " + dim);
        this.features = features;
        this.size = features.length / dim;
        this.conceptCount = concepts.size();
        if (conceptCount == 0) throw fail("labels", "has no concept columns");
        this.concepts = List.copyOf(concepts);
        if (index == null) requireDistinctNames();
        if (labels.size() != size) throw fail("labels", "has " + labels.size() + " rows but features has " + size);
        if (labels.conceptCount() != conceptCount) {
            throw fail("labels", "has " + labels.conceptCount() + " concept columns for " + conceptCount + " concepts");
        }
        this.labels = labels;
        if (groups != null && groups.length != size)
            throw fail("groups", "has " + groups.length + " entries but features has " + size + " rows");
        if (categories != null && categories.length != conceptCount) {
            throw fail("categories", "has " + categories.length + " entries for " + conceptCount + " concepts");
        }
        this.categories = categories;
        this.categoryNames = categoryNames == null || categoryNames.isEmpty() ? null : List.copyOf(categoryNames);
        if (this.categoryNames != null && categories != null) {
            for (long category : categories) {
                if (category < 0 || category >= this.categoryNames.size()) {
                    throw fail(
                            "categories",
                            "category " + category + " has no name ('categories_names' has " + this.categoryNames.size()
                                    + ")");
                }
            }
        }
        if (index == null) checkFeatures();
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
        this.origin = origin;
        if (index == null) index = indexLabels();
        this.positives = index.positives();
        this.negativePools = index.negativePools();
        this.otherCategoryNegatives = index.otherCategoryNegatives();
    }

    /**
     * Builds a data set from arrays: features row-major [N*dim], labels row-major [N*C] of 0/1 with C =
     * concepts.size(); groups, categories and tokens may be null (tokens is then inferred from the groups).
     */
    public static ProbeData of(
            float[] features,
            int dim,
            byte[] labels,
            List<String> concepts,
            long[] groups,
            long[] categories,
            SampleKind tokens) {
        return of(features, dim, labels, concepts, groups, categories, tokens, FeatureOrigin.UNKNOWN);
    }

    /** {@link #of(float[], int, byte[], List, long[], long[], SampleKind)} with where the features come from. */
    public static ProbeData of(
            float[] features,
            int dim,
            byte[] labels,
            List<String> concepts,
            long[] groups,
            long[] categories,
            SampleKind tokens,
            FeatureOrigin origin) {
        if (dim <= 0) throw new IllegalArgumentException("features: has no feature dimensions");
        if (concepts.isEmpty()) throw new IllegalArgumentException("labels: has no concept columns");
        ConceptLabels sparse = ConceptLabels.ofDense(labels, features.length / dim, concepts.size(), null);
        return of(features, dim, sparse, concepts, groups, categories, tokens, origin);
    }

    /** {@link #of(float[], int, byte[], List, long[], long[], SampleKind, FeatureOrigin)} with labels held sparsely. */
    public static ProbeData of(
            float[] features,
            int dim,
            ConceptLabels labels,
            List<String> concepts,
            long[] groups,
            long[] categories,
            SampleKind tokens,
            FeatureOrigin origin) {
        return new ProbeData(
                null, features, dim, labels, concepts, groups, categories, null, tokens, origin, null, 0, null);
    }

    /** Reads and validates a probe file. */
    public static ProbeData load(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            Tensor f = st.tensor("features");
            if (f.rank() != 2)
                throw new SafetensorsException(file, "features", "has shape " + f.shapeString() + ", expected [N,D]");
            if (f.dtype() != DType.F32 && f.dtype() != DType.F16) {
                throw new SafetensorsException(file, "features", "has dtype " + f.dtype() + ", expected F32 or F16");
            }
            if (f.elementCount() > Integer.MAX_VALUE - 8) {
                throw new SafetensorsException(
                        file, "features", "has " + f.elementCount() + " values, more than one Java array holds (2^31)");
            }
            Map<String, String> meta = st.metadata();
            List<String> named =
                    meta.containsKey("concepts") ? stringList(file, meta.get("concepts"), "concepts") : null;
            ConceptLabels labels = ConceptLabels.read(file, st, f.dim(0), named == null ? -1 : named.size());
            List<String> names = named != null ? named : defaultNames(labels.conceptCount());
            long[] groups = st.has("groups") ? vector(file, st.tensor("groups")) : null;
            long[] categories = st.has("categories") ? vector(file, st.tensor("categories")) : null;
            SampleKind tokens = null;
            if (meta.containsKey("tokens")) {
                try {
                    tokens = SampleKind.byKey(meta.get("tokens"));
                } catch (IllegalArgumentException e) {
                    throw new SafetensorsException(file, null, "metadata 'tokens': " + e.getMessage());
                }
            }
            return new ProbeData(
                    file,
                    f.toFloatArray(),
                    Math.toIntExact(f.dim(1)),
                    labels,
                    names,
                    groups,
                    categories,
                    meta.containsKey("categories_names")
                            ? stringList(file, meta.get("categories_names"), "categories_names")
                            : null,
                    tokens,
                    FeatureOrigin.fromMetadata(file, meta),
                    null,
                    0,
                    null);
        }
    }

    /** Writes this data set in the probe file format (features as F32, labels in the smaller form). */
    public void save(Path out) {
        SafetensorsWriter w = new SafetensorsWriter().addF32("features", new long[] {size, dim}, features);
        labels.write(w);
        w.metadata("concepts", Json.write(concepts)).metadata("tokens", tokens.key());
        if (groups != null) w.addI64("groups", new long[] {size}, groups);
        if (categories != null) w.addI64("categories", new long[] {conceptCount}, categories);
        origin.metadata().forEach(w::metadata);
        try {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    private static long[] vector(Path file, Tensor t) {
        if (t.rank() != 1 || t.dtype() != DType.I64) {
            throw new SafetensorsException(
                    file, t.name(), "has " + t.dtype() + " " + t.shapeString() + ", expected I64 of rank 1");
        }
        return t.toLongArray();
    }

    private static List<String> stringList(Path file, String json, String key) {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, null, "metadata '" + key + "' is not JSON: " + e.getMessage());
        }
        if (!(parsed instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
            throw new SafetensorsException(file, null, "metadata '" + key + "' must be a JSON list of strings");
        }
        return list.stream().map(String.class::cast).toList();
    }

    private static List<String> defaultNames(int count) {
        List<String> names = new ArrayList<>(count);
        for (int c = 0; c < count; c++) names.add("concept" + c);
        return names;
    }

    private RuntimeException fail(String tensor, String rule) {
        return file != null
                ? new SafetensorsException(file, tensor, rule)
                : new IllegalArgumentException(tensor + ": " + rule);
    }

    /**
     * Refuses concept names that repeat, ignoring case: results and templates are keyed by name, and names that
     * differ only in case collide on case-insensitive file systems and in the eyes of a reader.
     */
    private void requireDistinctNames() {
        Map<String, Integer> seen = new HashMap<>();
        for (int c = 0; c < concepts.size(); c++) {
            String name = concepts.get(c);
            Integer first = seen.putIfAbsent(name.toLowerCase(Locale.ROOT), c);
            if (first == null) continue;
            String other = concepts.get(first);
            String rule = "concept names must differ (ignoring case): '" + name + "' at " + c
                    + (other.equals(name) ? " repeats" : " repeats '" + other + "'") + " at " + first;
            throw file != null
                    ? new SafetensorsException(file, null, "metadata 'concepts': " + rule)
                    : new IllegalArgumentException("concepts: " + rule);
        }
    }

    private void checkFeatures() {
        int i = firstWhere(features.length, k -> !Float.isFinite(features[k]));
        if (i >= 0) {
            throw fail(
                    "features",
                    "value at [" + i / dim + ", " + i % dim + "] is " + features[i] + "; features must be finite");
        }
    }

    /** The first index in [0, n) where the test holds, or -1; blocks are searched in parallel. */
    private static int firstWhere(int n, IntPredicate holds) {
        int[] first = new int[(n + CHECK_BLOCK - 1) / CHECK_BLOCK];
        Parallel.forEach(first.length, b -> {
            first[b] = -1;
            for (int i = b * CHECK_BLOCK, end = Math.min(n, i + CHECK_BLOCK); i < end && first[b] < 0; i++) {
                if (holds.test(i)) first[b] = i;
            }
        });
        return Arrays.stream(first).filter(i -> i >= 0).findFirst().orElse(-1);
    }

    private Index indexLabels() {
        int[][] positives = labels.positives();
        BitSet[] pools = new BitSet[conceptCount];
        BitSet otherCategories = new BitSet(conceptCount);
        if (tokens != SampleKind.PATCH || categories == null) {
            BitSet all = new BitSet(size);
            all.set(0, size);
            Arrays.fill(pools, all);
            return new Index(positives, pools, otherCategories);
        }
        // An unlabelled patch may well show the concept: negatives are patches labelled with another concept of its
        // category, or, where every labelled patch of the category carries it, with a concept of another category.
        Map<Long, BitSet> byCategory = new HashMap<>();
        for (int c = 0; c < conceptCount; c++) {
            BitSet category = byCategory.computeIfAbsent(categories[c], k -> new BitSet(size));
            for (int i : positives[c]) category.set(i);
        }
        BitSet labelled = new BitSet(size);
        byCategory.values().forEach(labelled::or);
        for (int c = 0; c < conceptCount; c++) {
            BitSet category = byCategory.get(categories[c]);
            boolean alone = category.cardinality() == positives[c].length;
            pools[c] = alone ? labelled : category;
            otherCategories.set(c, alone);
        }
        return new Index(positives, pools, otherCategories);
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

    /**
     * The same samples with only the given concept columns, in the given order (features are shared, not copied).
     * Its concepts are numbered anew, for their random draws too.
     */
    public ProbeData withConcepts(int[] columns) {
        return withConcepts(columns, 0, null);
    }

    /**
     * Concepts [from, to) of this data set, whose random draws are those of the whole (see {@link #drawKey}), so that
     * training and testing concepts in blocks gives what training and testing them together gives.
     */
    public ProbeData conceptBlock(int from, int to) {
        if (from == 0 && to == conceptCount) return this;
        return withConcepts(IntStream.range(from, to).toArray(), drawOffset + from, whole());
    }

    /** The data set this block was cut from, or this one when it is whole (see {@link #conceptBlock}). */
    ProbeData whole() {
        return whole == null ? this : whole;
    }

    private ProbeData withConcepts(int[] columns, int drawOffset, ProbeData whole) {
        List<String> names = Arrays.stream(columns).mapToObj(concepts::get).toList();
        long[] keptCategories = categories == null
                ? null
                : Arrays.stream(columns).mapToLong(c -> categories[c]).toArray();
        BitSet otherCategories = new BitSet(columns.length);
        for (int k = 0; k < columns.length; k++) otherCategories.set(k, otherCategoryNegatives.get(columns[k]));
        int[][] keptPositives =
                Arrays.stream(columns).mapToObj(c -> positives[c]).toArray(int[][]::new);
        Index index = new Index(
                keptPositives,
                Arrays.stream(columns).mapToObj(c -> negativePools[c]).toArray(BitSet[]::new),
                otherCategories);
        ConceptLabels kept = ConceptLabels.ofPositives(size, keptPositives);
        return new ProbeData(
                file,
                features,
                dim,
                kept,
                names,
                groups,
                keptCategories,
                categoryNames,
                tokens,
                origin,
                index,
                drawOffset,
                whole);
    }

    /** The same data with its categories named (by category number); features and labels are shared. */
    public ProbeData withCategoryNames(List<String> names) {
        return new ProbeData(
                file,
                features,
                dim,
                labels,
                concepts,
                groups,
                categories,
                names,
                tokens,
                origin,
                new Index(positives, negativePools, otherCategoryNegatives),
                drawOffset,
                whole);
    }

    /**
     * The concept columns a template can be trained and tested for: those with positives and negatives in both
     * splits (a rare concept may miss from one split). Fails when there is none.
     */
    public static int[] usableConcepts(ProbeData train, ProbeData test) {
        int[] usable = IntStream.range(0, train.conceptCount())
                .filter(c -> train.positives[c].length > 0
                        && train.negativeCount(c) > 0
                        && test.positives[c].length > 0
                        && test.negativeCount(c) > 0)
                .toArray();
        if (usable.length == 0) {
            throw new IllegalArgumentException(
                    train.source() + ", " + test.source() + ": no concept has positives and negatives in both");
        }
        return usable;
    }

    /** The names of the concepts not in {@code usable}, in column order. */
    public List<String> conceptsOutside(int[] usable) {
        return IntStream.range(0, conceptCount)
                .filter(c -> Arrays.stream(usable).noneMatch(u -> u == c))
                .mapToObj(concepts::get)
                .toList();
    }

    /** What the random draws of concept c are keyed by: c, or for a block its column in the whole data set. */
    int drawKey(int c) {
        return drawOffset + c;
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

    /** The intermediate, block and model the features come from, as far as the file says. */
    public FeatureOrigin origin() {
        return origin;
    }

    public boolean hasCategories() {
        return categories != null;
    }

    /** The category of concept c, or null when the data has none. */
    public Long category(int c) {
        return categories == null ? null : categories[c];
    }

    /** The name of concept c's category (its number when the file names none), or null without categories. */
    public String categoryName(int c) {
        if (categories == null) return null;
        return categoryNames == null ? Long.toString(categories[c]) : categoryNames.get((int) categories[c]);
    }

    /** A copy of sample i's features. */
    public float[] feature(int i) {
        return Arrays.copyOfRange(features, i * dim, (i + 1) * dim);
    }

    public boolean label(int sample, int concept) {
        return labels.has(sample, concept);
    }

    /** Samples labelled with concept c, ascending. */
    public int[] positives(int c) {
        return positives[c].clone();
    }

    /**
     * Whether sample i counts as a negative of concept c: it lacks c and, for patch tokens with categories, carries
     * another concept of c's category (an unlabelled patch may well show c) or, when every labelled patch of c's
     * category carries c, a concept of another category.
     */
    public boolean isNegative(int sample, int c) {
        return !labels.has(sample, c) && negativePools[c].get(sample);
    }

    /** The samples that count as negatives of concept c ({@link #isNegative}), ascending. */
    public int[] negatives(int c) {
        int[] own = positives[c], out = new int[negativeCount(c)];
        BitSet pool = negativePools[c];
        // c's positives are part of its pool and come up in order, so one pointer into them leaves them out.
        for (int i = pool.nextSetBit(0), p = 0, k = 0; i >= 0; i = pool.nextSetBit(i + 1)) {
            if (p < own.length && own[p] == i) p++;
            else out[k++] = i;
        }
        return out;
    }

    private int negativeCount(int c) {
        return negativePools[c].cardinality() - positives[c].length;
    }

    /** Whether the negatives of concept c are patches of other categories: every labelled patch of its own has c. */
    public boolean negativesFromOtherCategories(int c) {
        return otherCategoryNegatives.get(c);
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
        return Arrays.stream(positives[c])
                .map(i -> groupOf[i])
                .sorted()
                .distinct()
                .toArray();
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
