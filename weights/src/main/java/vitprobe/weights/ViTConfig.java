package vitprobe.weights;

/**
 * Architecture of a ViT encoder, plus the image normalisation its checkpoint was trained with.
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

    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

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
