package vitprobe.cli;

import picocli.CommandLine.Option;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;

/** Where and in what precision a command runs the model. */
final class DeviceOptions {
    @Option(names = "--device", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device = "auto";

    @Option(names = "--precision", description = "Compute precision: fp32, tf32 or bf16 (the last two on CUDA) (default: ${DEFAULT-VALUE}).")
    String precision = "fp32";

    Backend open() {
        return Backends.create(device, precision);
    }
}
