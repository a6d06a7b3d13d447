package vitprobe.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names of hidden work folders that carry their writer's process id, {@code PREFIX + PID + "." + RANDOM}, so a later
 * run can tell what a killed writer left (kill -9 runs no clean-up) from what a running one is still writing.
 */
public final class OwnedNames {
    private static final Pattern OWNER = Pattern.compile("(\\d{1,18})\\.[0-9a-f]+");

    private OwnedNames() {}

    /** A name for this process that no other writer uses. */
    public static String fresh(String prefix) {
        return prefix + ProcessHandle.current().pid() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    /** Deletes, with their contents, the entries of {@code dir} named by {@link #fresh} whose process has ended. */
    public static void sweep(Path dir, String prefix) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.startsWith(prefix)) continue;
                Matcher m = OWNER.matcher(name.substring(prefix.length()));
                if (m.matches() && !alive(Long.parseLong(m.group(1)))) deleteTree(p);
            }
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Deletes a file, or a folder with everything below it (links are deleted, not followed). */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
