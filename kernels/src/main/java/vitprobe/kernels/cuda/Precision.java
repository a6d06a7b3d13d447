package vitprobe.kernels.cuda;

import java.util.Locale;

/** How the CUDA backend multiplies matrices. Activations between layers are fp32 except where noted. */
public enum Precision {
    /**
     * fp32-accurate (within 1e-5 of the CPU backend): linear layers and attention on tensor cores with the 3xTF32
     * split (each on CUDA cores instead with -Dvitprobe.cuda.fp32Gemm=simt / -Dvitprobe.cuda.fp32Attention=simt).
     */
    FP32,
    /** Linear layers and attention on tensor cores in plain TF32 (10-bit mantissa, ~1e-3 relative, like torch's allow_tf32). */
    TF32,
    /**
     * bf16 tensor cores with fp32 accumulation for linear layers and attention; GEMM inputs (LayerNorm outputs, q/k/v,
     * attention context, MLP hidden) are stored in bf16, the residual stream stays fp32 (as under torch.autocast).
     */
    BF16;

    public static Precision byKey(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "tf32" -> TF32;
            case "bf16" -> BF16;
            default -> throw new IllegalArgumentException("unknown precision '" + name + "' (known: fp32, tf32, bf16)");
        };
    }

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
