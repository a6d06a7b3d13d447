package vitprobe.probe;

import vitprobe.weights.DType;
import vitprobe.weights.Json;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsException;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One binary classifier per concept: concept c fires on feature f when p(f, d_c) &gt; t_c, with p the dot product
 * (hyperplane) or the cosine (optionally of f minus a centre). Stored as safetensors: {@code directions} [C,D] F32,
 * {@code thresholds} [C] F32, optional {@code center} [D] F32; metadata "rule", "tokens" and "concepts" (JSON list).
 */
public final class ConceptTemplates {
    /** Rows scored per block in {@link #scoreBatch}: the centred copy of a block stays in cache. */
    private static final int ROW_BLOCK = 256;

    private final Rule rule;
    private final TokenType tokens;
    private final List<String> concepts;
    private final int dim;
    private final float[] directions;
    private final float[] thresholds;
    private final float[] center;
    /** Directions transposed to [D, C padded to whole vectors], as the batch product wants them. */
    private final float[] directionsT;
    private final int paddedCount;
    /** 1/|d_c| for the cosine rule, 1 for the hyperplane. */
    private final float[] inverseNorms;

    /**
     * directions is row-major [C*dim] with C = concepts.size(); center (cosine only) may be null.
     * The arrays are copied.
     */
    public ConceptTemplates(Rule rule, TokenType tokens, List<String> concepts, int dim, float[] directions,
                            float[] thresholds, float[] center) {
        int count = concepts.size();
        if (directions.length != (long) count * dim) throw new IllegalArgumentException("directions has " + directions.length + " values, expected " + count + "x" + dim);
        if (thresholds.length != count) throw new IllegalArgumentException("thresholds has " + thresholds.length + " values for " + count + " concepts");
        if (center != null && (rule != Rule.COSINE || center.length != dim)) throw new IllegalArgumentException("a centre needs the cosine rule and " + dim + " values");
        this.rule = rule;
        this.tokens = tokens;
        this.concepts = List.copyOf(concepts);
        this.dim = dim;
        this.directions = directions.clone();
        this.thresholds = thresholds.clone();
        this.center = center == null ? null : center.clone();
        this.paddedCount = roundUp(count, Simd.L);
        this.directionsT = new float[dim * paddedCount];
        this.inverseNorms = new float[count];
        for (int c = 0; c < count; c++) {
            for (int j = 0; j < dim; j++) directionsT[j * paddedCount + c] = directions[c * dim + j];
            inverseNorms[c] = rule == Rule.COSINE ? 1f / norm(directions, c * dim, dim) : 1f;
        }
    }

    static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    static float norm(float[] v, int off, int n) {
        return (float) Math.sqrt(Simd.dot(v, off, v, off, n));
    }

    public static ConceptTemplates load(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            Map<String, String> meta = st.metadata();
            Rule rule = Rule.byKey(meta.getOrDefault("rule", ""));
            if (rule == null) throw new SafetensorsException(file, null, "metadata 'rule' must be 'hyperplane' or 'cosine'");
            TokenType tokens = TokenType.byKey(meta.getOrDefault("tokens", ""));
            if (tokens == null) throw new SafetensorsException(file, null, "metadata 'tokens' must be 'cls' or 'patch'");
            Tensor d = st.tensor("directions");
            if (d.rank() != 2 || d.dtype() != DType.F32) throw new SafetensorsException(file, "directions", "expected F32 [C,D], found " + d.dtype() + " " + d.shapeString());
            Tensor t = st.tensor("thresholds");
            if (t.rank() != 1 || t.dtype() != DType.F32 || t.dim(0) != d.dim(0)) {
                throw new SafetensorsException(file, "thresholds", "expected F32 [" + d.dim(0) + "], found " + t.dtype() + " " + t.shapeString());
            }
            float[] center = null;
            if (st.has("center")) {
                Tensor m = st.tensor("center");
                if (m.rank() != 1 || m.dtype() != DType.F32 || m.dim(0) != d.dim(1)) {
                    throw new SafetensorsException(file, "center", "expected F32 [" + d.dim(1) + "], found " + m.dtype() + " " + m.shapeString());
                }
                center = m.toFloatArray();
            }
            Object names = Json.parse(meta.getOrDefault("concepts", "null"));
            if (!(names instanceof List<?> list) || list.size() != d.dim(0) || !list.stream().allMatch(String.class::isInstance)) {
                throw new SafetensorsException(file, null, "metadata 'concepts' must be a JSON list of " + d.dim(0) + " names");
            }
            List<String> concepts = list.stream().map(String.class::cast).toList();
            try {
                return new ConceptTemplates(rule, tokens, concepts, Math.toIntExact(d.dim(1)), d.toFloatArray(), t.toFloatArray(), center);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsException(file, null, e.getMessage());
            }
        }
    }

    public void save(Path file) {
        SafetensorsWriter w = new SafetensorsWriter()
                .addF32("directions", new long[]{concepts.size(), dim}, directions)
                .addF32("thresholds", new long[]{concepts.size()}, thresholds)
                .metadata("rule", rule.key())
                .metadata("tokens", tokens.key())
                .metadata("concepts", Json.write(concepts));
        if (center != null) w.addF32("center", new long[]{dim}, center);
        try {
            w.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write templates (" + e.getMessage() + ")", e);
        }
    }

    public Rule rule() {
        return rule;
    }

    public TokenType tokens() {
        return tokens;
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

    /** Direction of concept c (a copy). */
    public float[] direction(int c) {
        return java.util.Arrays.copyOfRange(directions, c * dim, (c + 1) * dim);
    }

    public float threshold(int c) {
        return thresholds[c];
    }

    /** The centre subtracted before the cosine (a copy), or null. */
    public float[] center() {
        return center == null ? null : center.clone();
    }

    /** p(f, d_c) for the feature starting at features[offset]. */
    public float score(int c, float[] features, int offset) {
        if (center == null) return Simd.dot(directions, c * dim, features, offset, dim) * inverseNorms[c] / featureNorm(features, offset);
        float[] centred = new float[dim];
        centre(features, offset, centred, 0);
        return Simd.dot(directions, c * dim, centred, 0, dim) * inverseNorms[c] / norm(centred, 0, dim);
    }

    /** The scale that turns d·f into p(f, d): 1 for the hyperplane, |f| for the cosine. */
    private float featureNorm(float[] features, int offset) {
        return rule == Rule.COSINE ? norm(features, offset, dim) : 1f;
    }

    private void centre(float[] features, int offset, float[] out, int outOffset) {
        for (int j = 0; j < dim; j++) out[outOffset + j] = features[offset + j] - center[j];
    }

    /** Scores of all concepts for one feature vector of length D. */
    public float[] score(float[] feature) {
        requireDim(feature.length);
        return scoreBatch(feature, 1);
    }

    /** Scores [n, C] row-major of n feature vectors given row-major [n*D]; one matrix product for all concepts. */
    public float[] scoreBatch(float[] features, int n) {
        requireDim(features.length / Math.max(1, n));
        if (features.length != (long) n * dim) throw new IllegalArgumentException(features.length + " values are not " + n + " rows of " + dim);
        int count = concepts.size();
        float[] scores = new float[n * count];
        int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        Parallel.forEach(blocks, b -> {
            int from = b * ROW_BLOCK, rows = Math.min(n, from + ROW_BLOCK) - from;
            float[] block = new float[rows * dim];
            for (int r = 0; r < rows; r++) {
                if (center != null) centre(features, (from + r) * dim, block, r * dim);
                else System.arraycopy(features, (from + r) * dim, block, r * dim, dim);
            }
            float[] out = new float[rows * paddedCount];
            Simd.gemm(block, dim, 1, directionsT, paddedCount, out, paddedCount, 0, rows, dim, paddedCount);
            for (int r = 0; r < rows; r++) {
                float rowScale = 1f / featureNorm(block, r * dim);
                for (int c = 0; c < count; c++) scores[(from + r) * count + c] = out[r * paddedCount + c] * inverseNorms[c] * rowScale;
            }
        });
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
}
