package vitprobe.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of one output folder written all or none: into a hidden folder inside it, {@code .staging.PID.RANDOM},
 * moved into place by {@link #publish} (the page that links the others last), the hidden folder deleted when closed
 * whatever happened. A run that fails halfway (a bad image among good ones) so leaves the output folder as it was,
 * not with some new pictures beside an old page. An interrupted run (Ctrl-C, kill) deletes its staging folder as
 * the JVM ends; the one of a run killed outright (kill -9) is deleted by the next run.
 * The caller holds the folder's {@link FolderLock}.
 */
public final class StagedFolder implements AutoCloseable {
    private static final String PREFIX = ".staging.";

    private final Path target, staging;
    private final ExitCleanup cleanup;

    private StagedFolder(Path target, Path staging) {
        this.target = target;
        this.staging = staging;
        this.cleanup = ExitCleanup.of(staging);
    }

    /** A new, empty staging folder inside {@code target} (which exists), after removing those of gone runs. */
    public static StagedFolder in(Path target) throws IOException {
        OwnedNames.sweep(target, PREFIX);
        return new StagedFolder(target, Files.createDirectory(target.resolve(OwnedNames.fresh(PREFIX))));
    }

    /** Where the files are written. */
    public Path folder() {
        return staging;
    }

    /** Moves every file written into the output folder, {@code last} (when written) after all others. */
    public void publish(String last) throws IOException {
        List<Path> files;
        try (Stream<Path> entries = Files.list(staging)) {
            files = new ArrayList<>(entries.sorted(Comparator.comparing(
                                    (Path p) -> p.getFileName().toString().equals(last))
                            .thenComparing(Path::getFileName))
                    .toList());
        }
        for (Path file : files) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                throw new IOException(file + ": only files are published, not folders or links");
            Path into = target.resolve(file.getFileName());
            try {
                Files.move(file, into, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new IOException(into + ": cannot write: " + e.getMessage(), e);
            }
        }
    }

    /** Deletes the staging folder with whatever is left in it. */
    @Override
    public void close() throws IOException {
        cleanup.close();
    }
}
