package vitprobe.weights;

/**
 * Architecture of a ViT encoder, plus the image normalisation its checkpoint was trained with. Immutable: the mean
 * and std arrays are copied in and out, so that no caller's change reaches another model's preprocessing.
 *
 * @param tokens number of tokens per image: 1 [CLS] + (imageSize / patchSize)^2 patches
 */
public record ViTConfig(
        CheckpointFormat format,
        int dim,
        int depth,
        int heads,
        int patchSize,
        int imageSize,
        int channels,
        int mlpDim,
        double layerNormEps,
        float[] mean,
        float[] std,
        String interpolation) {

    private static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    private static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** ImageNet's per-channel mean, a fresh copy. */
    public static float[] imagenetMean() {
        return IMAGENET_MEAN.clone();
    }

    /** ImageNet's per-channel standard deviation, a fresh copy. */
    public static float[] imagenetStd() {
        return IMAGENET_STD.clone();
    }

    /**
     * The resize filters an {@link #interpolation} may name: those the engine's PillowResample implements (its
     * Filter constants, in lower case).
     */
    public static final java.util.List<String> INTERPOLATIONS = java.util.List.of("bicubic", "bilinear", "nearest");

    public ViTConfig {
        if (dim <= 0 || depth <= 0 || heads <= 0 || patchSize <= 0 || imageSize <= 0 || channels <= 0 || mlpDim <= 0) {
            throw new IllegalArgumentException("dimensions must be positive");
        }
        if (dim % heads != 0)
            throw new IllegalArgumentException("dim " + dim + " is not divisible by " + heads + " heads");
        // NaN, zero or a negative epsilon turns LayerNorm's output into NaN for constant rows or everywhere.
        if (!(layerNormEps > 0) || Double.isInfinite(layerNormEps)) {
            throw new IllegalArgumentException(
                    "LayerNorm epsilon " + layerNormEps + " is not a positive finite number");
        }
        if (imageSize % patchSize != 0)
            throw new IllegalArgumentException(
                    "image size " + imageSize + " is not a multiple of patch size " + patchSize);
        if (mean == null || std == null) throw new IllegalArgumentException("mean and std are required");
        if (!INTERPOLATIONS.contains(interpolation))
            throw new IllegalArgumentException(
                    "interpolation '" + interpolation + "' is not one of " + String.join(", ", INTERPOLATIONS));
        mean = mean.clone();
        std = std.clone();
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ViTConfig c
                && format == c.format
                && dim == c.dim
                && depth == c.depth
                && heads == c.heads
                && patchSize == c.patchSize
                && imageSize == c.imageSize
                && channels == c.channels
                && mlpDim == c.mlpDim
                && Double.compare(layerNormEps, c.layerNormEps) == 0
                && java.util.Arrays.equals(mean, c.mean)
                && java.util.Arrays.equals(std, c.std)
                && interpolation.equals(c.interpolation);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(
                format,
                dim,
                depth,
                heads,
                patchSize,
                imageSize,
                channels,
                mlpDim,
                layerNormEps,
                java.util.Arrays.hashCode(mean),
                java.util.Arrays.hashCode(std),
                interpolation);
    }

    @Override
    public String toString() {
        return "ViTConfig[format=" + format + ", dim=" + dim + ", depth=" + depth + ", heads=" + heads + ", patchSize="
                + patchSize + ", imageSize=" + imageSize + ", channels=" + channels + ", mlpDim=" + mlpDim
                + ", layerNormEps=" + layerNormEps + ", mean=" + java.util.Arrays.toString(mean) + ", std="
                + java.util.Arrays.toString(std) + ", interpolation=" + interpolation + "]";
    }

    public int headDim() {
        return dim / heads;
    }

    public int gridSize() {
        return imageSize / patchSize;
    }

    public int patches() {
        return gridSize() * gridSize();
    }

    public int tokens() {
        return patches() + 1;
    }

    /** A timm-format config for the standard ViT variants, e.g. {@code vit(384, 12, 6, 8)} for DINO ViT-S/8. */
    public static ViTConfig vit(int dim, int depth, int heads, int patchSize) {
        return new ViTConfig(
                CheckpointFormat.TIMM,
                dim,
                depth,
                heads,
                patchSize,
                224,
                3,
                4 * dim,
                1e-6,
                IMAGENET_MEAN,
                IMAGENET_STD,
                "bicubic");
    }

    public static ViTConfig vitSmall8() {
        return vit(384, 12, 6, 8);
    }

    public static ViTConfig vitBase16() {
        return vit(768, 12, 12, 16);
    }

    public String summary() {
        return String.format(
                "format %s, dim %d, depth %d, heads %d (head dim %d), patch %d, image %d, tokens %d, mlp %d, eps %g",
                format.name().toLowerCase(),
                dim,
                depth,
                heads,
                headDim(),
                patchSize,
                imageSize,
                tokens(),
                mlpDim,
                layerNormEps);
    }
}
