package vitprobe.cli;

import picocli.CommandLine.Option;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.kernels.cuda.CudaBackend;

import java.io.PrintWriter;

/** Where and in what precision a command runs the model. */
final class DeviceOptions {
    @Option(names = "--device", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device = "auto";

    @Option(names = "--precision", description = "Compute precision: fp32, tf32 or bf16 (the last two on CUDA) (default: ${DEFAULT-VALUE}).")
    String precision = "fp32";

    /** Opens the backend and says on {@code err} which one runs, and when auto fell back from a GPU precision. */
    Backend open(PrintWriter err) {
        boolean fallback = device.equalsIgnoreCase("auto") && !precision.equalsIgnoreCase("fp32") && !CudaBackend.available();
        Backend backend = Backends.create(device, precision);
        err.printf("device: %s%s%n", backend.name(), fallback ? ", fp32 (no usable GPU for --precision " + precision + ")" : "");
        return backend;
    }
}
