package vitprobe.weights;

import java.nio.file.Path;

/**
 * The one error type for unreadable or invalid safetensors files. Its message names the file, the tensor when one
 * is involved, and the rule that was broken, so a command line can print it as a single line.
 */
public final class SafetensorsException extends RuntimeException {
    public SafetensorsException(Path file, String tensor, String rule) {
        super(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + rule);
    }

    public SafetensorsException(Path file, String rule, Throwable cause) {
        super(file + ": " + rule, cause);
    }
}
