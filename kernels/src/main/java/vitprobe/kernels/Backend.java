package vitprobe.kernels;

import vitprobe.weights.Param;

/**
 * The operations a ViT forward pass needs, implemented once per kind of hardware. The model code calls these in
 * order; a backend may run them eagerly (CPU) or enqueue them (CUDA). Outputs never alias inputs unless a method
 * says so. The CPU backend may be called from several threads at once (each call works on its own matrices); the
 * CUDA backend runs one queue, so its callers take turns (VisionTransformer does).
 */
public interface Backend extends AutoCloseable {
    /** Short name for logs and reports, e.g. "cpu (AVX-512, 2 threads)". */
    String name();

    /**
     * The part of {@link #name()} that decides the numbers computed, without settings that change only the speed;
     * a resumed extraction must match it to repeat the bytes of an uninterrupted one.
     */
    default String numerics() {
        return name();
    }

    Matrix allocate(int rows, int cols);

    /** Copies host data [rows, cols] into a new backend matrix. */
    Matrix upload(float[] data, int rows, int cols);

    /** A parameter as a [rows, cols] matrix (e.g. a LayerNorm weight as [1, D]). */
    default Matrix upload(Param p, int rows, int cols) {
        return upload(p.toFloatArray(), rows, cols);
    }

    /** Copies the whole matrix into {@code dst} starting at {@code offset}. */
    void download(Matrix src, float[] dst, int offset);

    /** Prepares weight [out, in...] (trailing dims are flattened into in) and bias [out]. */
    LinearWeights linear(Param weight, Param bias);

    /** out = act(in · Wᵀ + b), plus {@code residual} when it is not null (added after the activation). */
    void linear(Matrix in, LinearWeights w, Matrix out, Activation act, Matrix residual);

    /** The shape rules of {@link #linear(Matrix, LinearWeights, Matrix, Activation, Matrix)}, for every backend. */
    static void checkLinear(Matrix in, LinearWeights w, Matrix out, Matrix residual) {
        int m = in.rows(), k = w.inFeatures(), n = w.outFeatures();
        if (in.cols() != k)
            throw new IllegalArgumentException("linear input has " + in.cols() + " columns, weight expects " + k);
        if (out.rows() != m || out.cols() != n)
            throw new IllegalArgumentException(
                    "linear output is " + out.rows() + "x" + out.cols() + ", expected " + m + "x" + n);
        if (residual != null && (residual.rows() != m || residual.cols() != n))
            throw new IllegalArgumentException("residual shape mismatch");
    }

    /**
     * Cuts images [batch, channels, height, width] (both multiples of {@code patch}) into non-overlapping
     * patch×patch squares, one row per patch (row-major over the (height / patch) × (width / patch) grid), each row
     * ordered (channel, y, x) like a flattened convolution kernel.
     */
    void patchify(Matrix images, int batch, int channels, int height, int width, int patch, Matrix out);

    /** The shape rules of {@link #patchify}, which every backend checks before it cuts. */
    static void checkPatchify(Matrix images, int batch, int channels, int height, int width, int patch, Matrix out) {
        if (height % patch != 0 || width % patch != 0)
            throw new IllegalArgumentException(
                    height + "x" + width + " images do not divide into " + patch + "-pixel patches");
        if (images.size() != (long) batch * channels * height * width)
            throw new IllegalArgumentException(
                    "images do not hold " + batch + "x" + channels + "x" + height + "x" + width);
        if (out.rows() != batch * (height / patch) * (width / patch) || out.cols() != channels * patch * patch)
            throw new IllegalArgumentException("patch matrix shape mismatch");
    }

    /** out[b, 0] = cls + pos[0]; out[b, 1 + i] = patchEmbeddings[b, i] + pos[1 + i]. */
    void embedTokens(Matrix patchEmbeddings, Matrix cls, Matrix pos, int batch, Matrix out);

    /** Row-wise LayerNorm with biased variance: (x − mean) / sqrt(var + eps) · weight + bias. */
    void layerNorm(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out);

    /**
     * {@link #layerNorm} for an output the caller also downloads: a backend that stores activations in a narrower
     * type for the operation that reads them next (CUDA bf16) keeps this one in fp32 too, as PyTorch's autocast
     * LayerNorm returns fp32. The next operation reads exactly what it would have read after {@link #layerNorm}.
     */
    default void layerNormKeepingFp32(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out) {
        layerNorm(in, weight, bias, eps, out);
    }

    /**
     * Multi-head self-attention on a fused qkv matrix [batch * tokens, 3 * D] (queries, keys, values, each
     * head-major): context = softmax(q kᵀ / sqrt(headDim)) v, written as [batch * tokens, D]. When
     * {@code probabilities} is not null it receives the softmax, [batch * heads * tokens, tokens].
     */
    void attention(Matrix qkv, int batch, int tokens, int heads, Matrix context, Matrix probabilities);

    /** out = a + b, element-wise (out may be a or b). */
    void add(Matrix a, Matrix b, Matrix out);

    /** Copies columns [from, from + out.cols) of every row of src into out. */
    void copyColumns(Matrix src, int from, Matrix out);

    /**
     * Like {@link #download}, but the copy may complete later: {@code dst} is filled once {@link #synchronize()}
     * returns. The backend reads {@code src} in queue order, so src may be overwritten or closed right after this
     * call. Eager backends copy at once.
     */
    default void downloadAsync(Matrix src, float[] dst, int offset) {
        download(src, dst, offset);
    }

    /** Waits for queued work and completes pending {@link #downloadAsync} copies (a no-op for eager backends). */
    default void synchronize() {}

    /** Whether several threads may run forwards on this backend at once; otherwise their callers take turns. */
    default boolean concurrent() {
        return false;
    }

    @Override
    void close();
}
