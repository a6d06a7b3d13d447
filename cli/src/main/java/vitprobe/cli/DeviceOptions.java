package vitprobe.cli;

import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.kernels.cpu.CpuBackend;

/** Where and in what precision a command runs the model. */
final class DeviceOptions {
    @Option(names = "--device", description = "auto, cpu, cuda or cuda:N (device N) (default: ${DEFAULT-VALUE}).")
    String device = "auto";

    @Option(
            names = "--precision",
            description = "Compute precision: fp32, tf32 or bf16 (the last two on CUDA) (default: ${DEFAULT-VALUE}).")
    String precision = "fp32";

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** Opens the backend and says on {@code err} which one runs, and when auto fell back from a GPU precision. */
    Backend open(PrintWriter err) {
        try {
            Backends.check(device, precision);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(command.commandLine(), e.getMessage()); // a bad flag, not a bad input
        }
        Backend backend = Backends.create(device, precision);
        // Only auto reaches the CPU with another precision (cpu itself refuses it).
        boolean fallback = backend instanceof CpuBackend && !precision.equalsIgnoreCase("fp32");
        err.printf(
                "device: %s%s%n",
                backend.name(), fallback ? ", fp32 (no usable GPU for --precision " + precision + ")" : "");
        return backend;
    }
}
