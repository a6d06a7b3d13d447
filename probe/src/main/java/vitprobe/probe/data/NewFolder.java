package vitprobe.probe.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
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
        // The writer keeps going while the hook runs, so a file written meanwhile can stop one pass; a few more
        // usually finish, and the next run's sweep deletes whatever is left.
        Thread cleanup = new Thread(() -> {
            for (int pass = 0; pass < 20 && Files.exists(tmp, LinkOption.NOFOLLOW_LINKS); pass++) {
                try {
                    OwnedNames.deleteTree(tmp);
                } catch (IOException | UncheckedIOException e) {
                    // another pass
                }
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            contents.write(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs now
            }
            OwnedNames.deleteTree(tmp);
        }
    }
}
