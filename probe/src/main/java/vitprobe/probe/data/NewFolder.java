package vitprobe.probe.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
    private static final Pattern OWNER = Pattern.compile("(\\d{1,18})\\.[0-9a-f]+");

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
        sweep(target.getParent(), prefix);
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path tmp = Files.createDirectory(
                target.resolveSibling(prefix + ProcessHandle.current().pid() + "." + random));
        // The writer keeps going while the hook runs, so a file written meanwhile can stop one pass; a few more
        // usually finish, and the next run's sweep deletes whatever is left.
        Thread cleanup = new Thread(() -> {
            for (int pass = 0; pass < 20 && Files.exists(tmp, LinkOption.NOFOLLOW_LINKS); pass++) {
                try {
                    deleteTree(tmp);
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
            deleteTree(tmp);
        }
    }

    /** Deletes the staging folders beside {@code parent}'s entries named PREFIX whose process has ended. */
    private static void sweep(Path parent, String prefix) throws IOException {
        try (Stream<Path> entries = Files.list(parent)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix)) continue;
                Matcher m = OWNER.matcher(name.substring(prefix.length()));
                if (!m.matches()) continue;
                boolean alive = ProcessHandle.of(Long.parseLong(m.group(1)))
                        .map(ProcessHandle::isAlive)
                        .orElse(false);
                if (!alive) deleteTree(p);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
