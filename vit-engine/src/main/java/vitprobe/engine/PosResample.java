package vitprobe.engine;

import java.util.Locale;
import vitprobe.weights.CheckpointFormat;

/**
 * How a checkpoint's position embeddings are resampled for a patch grid other than its own: the way the library
 * that defines its layout does it. The [CLS] entry is kept, and at the checkpoint's own grid the stored table is
 * used unchanged, as both libraries do.
 */
public enum PosResample {
    /**
     * timm's {@code resample_abs_pos_embed}, as {@code VisionTransformer(dynamic_img_size=True)} calls it: bicubic
     * with {@code antialias=True}, its default.
     */
    TIMM(BicubicResampler.Kernel.ANTIALIAS),
    /**
     * transformers' {@code ViTEmbeddings.interpolate_pos_encoding} (ViTMAE's is the same): bicubic with
     * {@code align_corners=False}, no antialias.
     */
    TRANSFORMERS(BicubicResampler.Kernel.PLAIN);

    private final BicubicResampler.Kernel kernel;

    PosResample(BicubicResampler.Kernel kernel) {
        this.kernel = kernel;
    }

    public BicubicResampler.Kernel kernel() {
        return kernel;
    }

    /** The rule of the library whose layout the checkpoint has. */
    public static PosResample of(CheckpointFormat format) {
        return format == CheckpointFormat.TIMM ? TIMM : TRANSFORMERS;
    }

    /** The name used in flags, configs and manifests ("timm"). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PosResample byKey(String key) {
        for (PosResample p : values()) if (p.key().equals(key.trim().toLowerCase(Locale.ROOT))) return p;
        throw new IllegalArgumentException(
                "unknown position-embedding resampling '" + key.trim() + "' (known: timm, transformers)");
    }
}
