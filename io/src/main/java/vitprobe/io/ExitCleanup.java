package vitprobe.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A hidden work folder (a staging folder) deleted with its contents when closed, and also when the JVM ends before
 * that: Ctrl-C or a plain kill run shutdown hooks. kill -9 runs nothing; {@link OwnedNames#sweep} deletes what such a
 * run left.
 */
public final class ExitCleanup implements AutoCloseable {
    private final Path tree;
    private final Thread hook;

    private ExitCleanup(Path tree) {
        this.tree = tree;
        this.hook = new Thread(() -> deleteRetrying(tree));
    }

    /** Deletes {@code tree} when closed or when the JVM ends, whichever comes first. */
    public static ExitCleanup of(Path tree) {
        ExitCleanup cleanup = new ExitCleanup(tree);
        Runtime.getRuntime().addShutdownHook(cleanup.hook);
        return cleanup;
    }

    /**
     * The writer keeps going while the hook runs, so a file written meanwhile can stop one pass; a few more usually
     * finish, and the next run's sweep deletes whatever is left.
     */
    private static void deleteRetrying(Path tree) {
        for (int pass = 0; pass < 20 && Files.exists(tree, LinkOption.NOFOLLOW_LINKS); pass++) {
            try {
                OwnedNames.deleteTree(tree);
            } catch (IOException | UncheckedIOException e) {
                // another pass
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            return; // the hook deletes the folder now
        }
        OwnedNames.deleteTree(tree);
    }
}
