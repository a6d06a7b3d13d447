package vitprobe.kernels;

import java.util.Locale;
import java.util.Objects;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.kernels.cuda.CudaBackend;
import vitprobe.kernels.cuda.CudaUnavailableException;
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
        check(device, precision);
        Precision p = Precision.byKey(precision);
        String d = device.toLowerCase(Locale.ROOT);
        if (d.startsWith(CUDA_ORDINAL)) {
            String digits = d.substring(CUDA_ORDINAL.length());
            // past the int range no machine has the device; the message keeps the number as given
            int ordinal = digits.length() < 10 ? Integer.parseInt(digits) : Integer.MAX_VALUE;
            if (ordinal >= CudaBackend.deviceCount())
                throw new CudaUnavailableException("no CUDA device " + digits + "; " + CudaBackend.devicesHere());
            return CudaBackend.open(p, ordinal);
        }
        return switch (d) {
            case "cpu" -> new CpuBackend();
            case "cuda" -> CudaBackend.open(p);
            default -> CudaBackend.available() ? CudaBackend.open(p) : new CpuBackend(); // auto
        };
    }

    /**
     * The names alone, before anything is opened (a command line's flags): an unknown device or precision, or the
     * CPU asked for another precision than fp32, is an IllegalArgumentException.
     */
    public static void check(String device, String precision) {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(precision, "precision");
        Precision p = Precision.byKey(precision);
        String d = device.toLowerCase(Locale.ROOT);
        boolean ordinal =
                d.startsWith(CUDA_ORDINAL) && d.substring(CUDA_ORDINAL.length()).matches("\\d+");
        if (!ordinal && !d.equals("cpu") && !d.equals("cuda") && !d.equals("auto")) {
            throw new IllegalArgumentException(
                    "unknown device '" + device + "': auto, cpu, cuda or cuda:ORDINAL; " + CudaBackend.devicesHere());
        }
        if (d.equals("cpu") && p != Precision.FP32)
            throw new IllegalArgumentException("the CPU backend computes in fp32 only (asked for " + p.key() + ")");
    }
}
