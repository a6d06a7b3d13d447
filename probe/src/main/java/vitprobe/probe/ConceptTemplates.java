package vitprobe.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.io.Json;
import vitprobe.kernels.cpu.DenseMath;
import vitprobe.kernels.cpu.Parallel;
import vitprobe.weights.DType;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;

/**
 * One binary classifier per concept: concept c fires on feature f when p(f, d_c) &gt; t_c, with p the dot product
 * (hyperplane) or the cosine (optionally of f minus a centre; 0 when f or d_c is the zero vector).
 * Stored as safetensors: {@code directions} [C,D] F32,
 * {@code thresholds} [C] F32, optional {@code center} [D] F32; metadata "rule", "tokens" and "concepts" (JSON list),
 * and where the training features came from ({@link FeatureOrigin}: "token_type", "block", "model") when known.
 */
public final class ConceptTemplates implements java.io.Serializable {
    /** Rows scored per block in {@link #scoreBatch}: the centred copy of a block stays in cache. */
    private static final int ROW_BLOCK = 256;

    private final Rule rule;
    private final SampleKind tokens;
    private final FeatureOrigin origin;
    private final List<String> concepts;
    private final int dim;
    private final float[] directions;
    private final float[] thresholds;
    private final float[] center;
    /** Directions transposed to [D, C padded to whole vectors], as the batch product wants them. */
    private final float[] directionsT;

    private final int paddedCount;
    /** 1/|d_c| for the cosine rule (0 for a zero direction), 1 for the hyperplane. */
    private final float[] inverseNorms;

    /**
     * directions is row-major [C*dim] with C = concepts.size(); center (cosine only) may be null; origin says
     * which features the templates were trained on ({@link FeatureOrigin#UNKNOWN} when that is not known).
     * The arrays are copied.
     */
    public ConceptTemplates(
            Rule rule,
            SampleKind tokens,
            List<String> concepts,
            int dim,
            float[] directions,
            float[] thresholds,
            float[] center,
            FeatureOrigin origin) {
        int count = concepts.size();
        if (directions.length != (long) count * dim)
            throw new IllegalArgumentException(
                    "directions has " + directions.length + " values, expected " + count + "x" + dim);
        if (thresholds.length != count)
            throw new IllegalArgumentException(
                    "thresholds has " + thresholds.length + " values for " + count + " concepts");
        if (center != null && (rule != Rule.COSINE || center.length != dim))
            throw new IllegalArgumentException("a centre needs the cosine rule and " + dim + " values");
        this.rule = rule;
        this.tokens = tokens;
        this.origin = Objects.requireNonNull(origin, "origin");
        this.concepts = List.copyOf(concepts);
        this.dim = dim;
        this.directions = directions.clone();
        this.thresholds = thresholds.clone();
        this.center = center == null ? null : center.clone();
        this.paddedCount = roundUp(count, DenseMath.L);
        this.directionsT = new float[dim * paddedCount];
        this.inverseNorms = new float[count];
        for (int c = 0; c < count; c++) {
            for (int j = 0; j < dim; j++) directionsT[j * paddedCount + c] = directions[c * dim + j];
            inverseNorms[c] = rule == Rule.COSINE ? inverse(norm(directions, c * dim, dim)) : 1f;
        }
    }

    static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    static float norm(float[] v, int off, int n) {
        return (float) Math.sqrt(DenseMath.dot(v, off, v, off, n));
    }

    public static ConceptTemplates load(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            if (!st.has("directions") || !st.has("thresholds")) {
                throw new SafetensorsException(
                        file,
                        null,
                        "not a concept templates file (no 'directions' and 'thresholds' tensors; "
                                + "'vitprobe probe --save-templates' writes them)");
            }
            Map<String, String> meta = st.metadata();
            Rule rule = metadata(file, meta, "rule", Rule::byKey);
            SampleKind tokens = metadata(file, meta, "tokens", SampleKind::byKey);
            Tensor d = st.tensor("directions");
            if (d.rank() != 2 || d.dtype() != DType.F32)
                throw new SafetensorsException(
                        file, "directions", "expected F32 [C,D], found " + d.dtype() + " " + d.shapeString());
            Tensor t = st.tensor("thresholds");
            if (t.rank() != 1 || t.dtype() != DType.F32 || t.dim(0) != d.dim(0)) {
                throw new SafetensorsException(
                        file,
                        "thresholds",
                        "expected F32 [" + d.dim(0) + "], found " + t.dtype() + " " + t.shapeString());
            }
            float[] center = null;
            if (st.has("center")) {
                Tensor m = st.tensor("center");
                if (m.rank() != 1 || m.dtype() != DType.F32 || m.dim(0) != d.dim(1)) {
                    throw new SafetensorsException(
                            file,
                            "center",
                            "expected F32 [" + d.dim(1) + "], found " + m.dtype() + " " + m.shapeString());
                }
                center = m.toFloatArray();
            }
            for (String name : List.of("directions", "thresholds", "center")) {
                // A NaN threshold or an infinite direction came out as "fires" or null scores without a word.
                long at = st.has(name) ? st.tensor(name).indexOfNonFinite() : -1;
                if (at >= 0) {
                    throw new SafetensorsException(
                            file, name, "non-finite value " + st.tensor(name).getFloat(at) + " at element " + at);
                }
            }
            Object names;
            try {
                names = Json.parse(meta.getOrDefault("concepts", "null"));
            } catch (IllegalArgumentException e) {
                names = null; // said below, with the key's name
            }
            if (!(names instanceof List<?> list)
                    || list.size() != d.dim(0)
                    || !list.stream().allMatch(String.class::isInstance)) {
                throw new SafetensorsException(
                        file, null, "metadata 'concepts' must be a JSON list of " + d.dim(0) + " names");
            }
            List<String> concepts = list.stream().map(String.class::cast).toList();
            try {
                return new ConceptTemplates(
                        rule,
                        tokens,
                        concepts,
                        Math.toIntExact(d.dim(1)),
                        d.toFloatArray(),
                        t.toFloatArray(),
                        center,
                        FeatureOrigin.fromMetadata(file, meta));
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, null, e.getMessage());
            }
        }
    }

    public void save(Path file) {
        SafetensorsWriter w = new SafetensorsWriter()
                .addF32("directions", new long[] {concepts.size(), dim}, directions)
                .addF32("thresholds", new long[] {concepts.size()}, thresholds)
                .metadata("rule", rule.key())
                .metadata("tokens", tokens.key())
                .metadata("concepts", Json.write(concepts));
        if (center != null) w.addF32("center", new long[] {dim}, center);
        origin.metadata().forEach(w::metadata);
        try {
            w.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write templates (" + e.getMessage() + ")", e);
        }
    }

    public Rule rule() {
        return rule;
    }

    public SampleKind tokens() {
        return tokens;
    }

    /** The intermediate, block and model of the features the templates were trained on, as far as known. */
    public FeatureOrigin origin() {
        return origin;
    }

    public List<String> concepts() {
        return concepts;
    }

    public int conceptCount() {
        return concepts.size();
    }

    public int dim() {
        return dim;
    }

    /**
     * The templates of the named concepts alone, in the given order. Their scores are bit for bit those of the full
     * set: every output of the product is the same chain of multiply-adds whatever is computed alongside.
     */
    public ConceptTemplates withConcepts(List<String> names) {
        int[] picked = new int[names.size()];
        for (int k = 0; k < picked.length; k++) {
            String name = names.get(k);
            picked[k] = concepts.indexOf(name);
            if (picked[k] < 0) {
                String known = String.join(", ", concepts.subList(0, Math.min(concepts.size(), 10)));
                throw new IllegalArgumentException("unknown concept '" + name + "' (the templates hold " + known
                        + (concepts.size() > 10 ? ", ... " + concepts.size() + " in all" : "") + ")");
            }
            if (names.subList(0, k).contains(name))
                throw new IllegalArgumentException("concept '" + name + "' is named twice");
        }
        float[] d = new float[picked.length * dim], t = new float[picked.length];
        for (int k = 0; k < picked.length; k++) {
            System.arraycopy(directions, picked[k] * dim, d, k * dim, dim);
            t[k] = thresholds[picked[k]];
        }
        return new ConceptTemplates(rule, tokens, names, dim, d, t, center, origin);
    }

    /**
     * The templates of several sets of concepts trained on the same features (one rule, token kind, width, centre
     * and origin), one set after the other: a cell probed in blocks of concepts, put back together.
     */
    public static ConceptTemplates concat(List<ConceptTemplates> parts) {
        ConceptTemplates first = parts.getFirst();
        List<String> names = new ArrayList<>();
        int count = parts.stream().mapToInt(ConceptTemplates::conceptCount).sum();
        float[] d = new float[count * first.dim], t = new float[count];
        int at = 0;
        for (ConceptTemplates p : parts) {
            if (p.rule != first.rule
                    || p.tokens != first.tokens
                    || p.dim != first.dim
                    || !Arrays.equals(p.center, first.center)
                    || !p.origin.equals(first.origin)) {
                throw new IllegalArgumentException("templates of other features or another rule cannot be joined");
            }
            names.addAll(p.concepts);
            System.arraycopy(p.directions, 0, d, at * first.dim, p.directions.length);
            System.arraycopy(p.thresholds, 0, t, at, p.thresholds.length);
            at += p.conceptCount();
        }
        return new ConceptTemplates(first.rule, first.tokens, names, first.dim, d, t, first.center, first.origin);
    }

    /** Direction of concept c (a copy). */
    public float[] direction(int c) {
        return Arrays.copyOfRange(directions, c * dim, (c + 1) * dim);
    }

    public float threshold(int c) {
        return thresholds[c];
    }

    /** The centre subtracted before the cosine (a copy), or null. */
    public float[] center() {
        return center == null ? null : center.clone();
    }

    /** The factor that turns d·f into p(f, d): 1 for the hyperplane, 1/|f| for the cosine. */
    private float rowScale(float[] features, int offset) {
        return rule == Rule.COSINE ? inverse(norm(features, offset, dim)) : 1f;
    }

    /**
     * 1/norm, and 0 for a zero norm: the cosine with a zero vector is 0 (it has no direction), where the quotient
     * would be NaN and no threshold could be placed.
     */
    private static float inverse(float norm) {
        return norm > 0 ? 1f / norm : 0f;
    }

    /** Copies feature row `from` into row `to` of block, minus the centre if there is one. */
    private void copyRow(float[] features, int from, float[] block, int to) {
        if (center == null) {
            System.arraycopy(features, from * dim, block, to * dim, dim);
        } else {
            for (int j = 0; j < dim; j++) block[to * dim + j] = features[from * dim + j] - center[j];
        }
    }

    /** Scores of all concepts for one feature vector of length D. */
    public float[] score(float[] feature) {
        requireDim(feature.length);
        return scoreBatch(feature, 1);
    }

    /** Scores [n, C] row-major of n feature vectors given row-major [n*D]; one matrix product for all concepts. */
    public float[] scoreBatch(float[] features, int n) {
        requireDim(features.length / Math.max(1, n));
        if (features.length != (long) n * dim)
            throw new IllegalArgumentException(features.length + " values are not " + n + " rows of " + dim);
        int count = concepts.size();
        float[] scores = new float[n * count];
        int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        Parallel.forEach(blocks, b -> {
            int from = b * ROW_BLOCK, rows = Math.min(n, from + ROW_BLOCK) - from;
            float[] block = new float[rows * dim];
            for (int r = 0; r < rows; r++) copyRow(features, from + r, block, r);
            float[] products = new float[rows * paddedCount];
            DenseMath.gemm(block, dim, 1, directionsT, paddedCount, products, paddedCount, 0, rows, dim, paddedCount);
            for (int r = 0; r < rows; r++) {
                float rowScale = rowScale(block, r * dim);
                for (int c = 0; c < count; c++)
                    scores[(from + r) * count + c] = products[r * paddedCount + c] * inverseNorms[c] * rowScale;
            }
        });
        return scores;
    }

    /**
     * Scores of concept c alone for some rows of a row-major [N*D] feature matrix. Bit for bit what
     * {@link #scoreBatch} gives: the product runs through the same kernel, whose every output is the same chain of
     * fused multiply-adds over the feature dimension whatever else it computes alongside. So thresholds placed on
     * training scores replay exactly at test time.
     */
    float[] scoreRows(int c, float[] features, int[] rows) {
        float[] column = new float[dim * DenseMath.L];
        for (int j = 0; j < dim; j++) column[j * DenseMath.L] = directions[c * dim + j];
        float[] scores = new float[rows.length];
        float[] block = new float[Math.min(rows.length, ROW_BLOCK) * dim];
        float[] products = new float[Math.min(rows.length, ROW_BLOCK) * DenseMath.L];
        for (int from = 0; from < rows.length; from += ROW_BLOCK) {
            int n = Math.min(rows.length, from + ROW_BLOCK) - from;
            for (int r = 0; r < n; r++) copyRow(features, rows[from + r], block, r);
            Arrays.fill(products, 0);
            DenseMath.gemm(block, dim, 1, column, DenseMath.L, products, DenseMath.L, 0, n, dim, DenseMath.L);
            for (int r = 0; r < n; r++) {
                scores[from + r] = products[r * DenseMath.L] * inverseNorms[c] * rowScale(block, r * dim);
            }
        }
        return scores;
    }

    /** Per concept, whether it fires on the feature vector. */
    public boolean[] decide(float[] feature) {
        float[] s = score(feature);
        boolean[] fires = new boolean[s.length];
        for (int c = 0; c < s.length; c++) fires[c] = s[c] > thresholds[c];
        return fires;
    }

    private void requireDim(int d) {
        if (d != dim) throw new IllegalArgumentException("features have " + d + " dimensions, the templates " + dim);
    }

    /** A metadata value read by {@code byKey}; a missing or unknown one is an error naming the file and the key. */
    private static <T> T metadata(Path file, Map<String, String> meta, String key, Function<String, T> byKey) {
        try {
            return byKey.apply(meta.getOrDefault(key, ""));
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, null, "metadata '" + key + "': " + e.getMessage());
        }
    }
}
