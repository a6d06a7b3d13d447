package vitprobe.kernels;

import java.util.Locale;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.kernels.cuda.CudaBackend;
import vitprobe.kernels.cuda.Precision;

/** Chooses a backend by name at run time. */
public final class Backends {
    private static final String CUDA_ORDINAL = "cuda:";

    private Backends() {}

    /** {@link #create(String, String)} in fp32. */
    public static Backend create(String device) {
        return create(device, "fp32");
    }

    /**
     * "cpu", "cuda", "cuda:N" (device ordinal N) or "auto" (CUDA when a driver, a device and the compiled kernels
     * are present, else the CPU, which computes in fp32 whatever precision was asked for). Precision: "fp32", "tf32"
     * or "bf16" (CUDA only; the CPU backend is fp32). "cuda" without a usable GPU throws
     * {@link vitprobe.kernels.cuda.CudaUnavailableException} with a one-line reason.
     */
    public static Backend create(String device, String precision) {
        Precision p = Precision.byKey(precision);
        if (device.regionMatches(true, 0, CUDA_ORDINAL, 0, CUDA_ORDINAL.length())) {
            String n = device.substring(CUDA_ORDINAL.length());
            if (n.matches("\\d{1,4}")) return CudaBackend.open(p, Integer.parseInt(n));
        }
        return switch (device.toLowerCase(Locale.ROOT)) {
            case "cpu" -> {
                if (p != Precision.FP32)
                    throw new IllegalArgumentException(
                            "the CPU backend computes in fp32 only (asked for " + p.key() + ")");
                yield new CpuBackend();
            }
            case "cuda" -> CudaBackend.open(p);
            case "auto" -> CudaBackend.available() ? CudaBackend.open(p) : new CpuBackend();
            default ->
                throw new IllegalArgumentException("unknown device '" + device + "' (known: auto, cpu, cuda, cuda:N)");
        };
    }
}
