package vitprobe.weights;

/** The checkpoint formats we read: how a library names and splits the parameters of a ViT. */
public enum CheckpointFormat {
    /** timm, and the original DINO / MAE repositories (same parameter names). */
    TIMM("timm / original DINO / MAE", 1e-6),
    /** transformers {@code ViTModel}. */
    HF_VIT("transformers ViTModel", 1e-12),
    /** transformers {@code ViTMAEForPreTraining} (encoder under {@code vit.}, decoder ignored). */
    HF_VIT_MAE("transformers ViTMAEForPreTraining", 1e-12);

    private final String description;
    private final double defaultEps;

    CheckpointFormat(String description, double defaultEps) {
        this.description = description;
        this.defaultEps = defaultEps;
    }

    public String description() {
        return description;
    }

    /** LayerNorm epsilon the library uses when config.json does not say. */
    public double defaultEps() {
        return defaultEps;
    }
}
