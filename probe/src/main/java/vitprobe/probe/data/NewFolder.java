package vitprobe.probe.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import vitprobe.io.ExitCleanup;
import vitprobe.io.OwnedNames;

/**
 * Creates a folder tree that appears complete or not at all: built beside its place in a hidden staging folder,
 * {@code .NAME.staging.PID.RANDOM}, then renamed into it. The staging folder is made with the umask's permissions,
 * as the folder itself would be; it is deleted when the JVM ends before it is done (Ctrl-C), and one that a killed
 * process left is deleted by the next run that makes the same folder.
 */
final class NewFolder {
    interface Contents {
        void write(Path tmp) throws IOException;
    }

    private static final String STAGING = ".staging.";

    private NewFolder() {}

    /** {@code out} must not exist, or be an empty folder. */
    static void write(Path out, Contents contents) throws IOException {
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target)) {
            boolean empty;
            try (Stream<Path> s = Files.list(target)) {
                empty = s.findAny().isEmpty();
            } catch (IOException e) {
                empty = false;
            }
            if (!empty) throw new IllegalArgumentException(out + ": already exists and is not an empty folder");
            Files.delete(target);
        }
        Files.createDirectories(target.getParent());
        String prefix = "." + target.getFileName() + STAGING;
        OwnedNames.sweep(target.getParent(), prefix);
        Path tmp = Files.createDirectory(target.resolveSibling(OwnedNames.fresh(prefix)));
        try (ExitCleanup cleanup = ExitCleanup.of(tmp)) {
            contents.write(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }
}
