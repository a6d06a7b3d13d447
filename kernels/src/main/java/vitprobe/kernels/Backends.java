package vitprobe.kernels;

import vitprobe.kernels.cpu.CpuBackend;

import java.util.Locale;

/** Chooses a backend by name at run time. */
public final class Backends {
    private Backends() {}

    /** "cpu", "cuda" or "auto" (CUDA when a driver and device are present, else CPU). */
    public static Backend create(String device) {
        return switch (device.toLowerCase(Locale.ROOT)) {
            case "cpu", "auto" -> new CpuBackend();
            case "cuda" -> throw new IllegalArgumentException("the CUDA backend is not part of this build yet; use --device cpu");
            default -> throw new IllegalArgumentException("unknown device '" + device + "' (known: auto, cpu, cuda)");
        };
    }
}
