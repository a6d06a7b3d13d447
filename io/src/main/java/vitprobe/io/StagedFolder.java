package vitprobe.io;

import static java.util.stream.Collectors.joining;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
    /** The names of the files the last run published, one a line: what the next run replaces. */
    public static final String PUBLISHED = ".vitprobe.published";

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

    /**
     * Moves every file written into the output folder, {@code last} (when written) after all others, then deletes
     * the files an earlier run published that this one did not, so that the folder holds this run's output (and
     * whatever the user put there: only names in {@link #PUBLISHED} are ever deleted). The list names the files of
     * both runs until the old ones are gone, so that a run stopped halfway leaves none of ours unlisted.
     */
    public void publish(String last) throws IOException {
        List<Path> files;
        try (Stream<Path> entries = Files.list(staging)) {
            files = new ArrayList<>(entries.sorted(Comparator.comparing(
                                    (Path p) -> p.getFileName().toString().equals(last))
                            .thenComparing(Path::getFileName))
                    .toList());
        }
        Set<String> earlier = published(), now = new TreeSet<>();
        for (Path file : files) {
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))
                throw new IOException(file + ": only files are published, not folders or links");
            now.add(file.getFileName().toString());
        }
        Set<String> both = new TreeSet<>(earlier);
        both.addAll(now);
        writePublished(both);
        for (Path file : files) {
            Path into = target.resolve(file.getFileName());
            try {
                Files.move(file, into, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new IOException(into + ": cannot write: " + e.getMessage(), e);
            }
        }
        for (String old : earlier) {
            Path file = target.resolve(old);
            if (!now.contains(old) && Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) Files.delete(file);
        }
        writePublished(now);
    }

    /** The names the last run published, as plain file names (anything else in the list is ignored). */
    private Set<String> published() throws IOException {
        Path list = target.resolve(PUBLISHED);
        if (!Files.isRegularFile(list, LinkOption.NOFOLLOW_LINKS)) return Set.of();
        Set<String> names = new TreeSet<>();
        for (String name : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            boolean plain = !name.isEmpty() && !name.contains("/") && !name.equals(".") && !name.equals("..");
            if (plain && !name.equals(PUBLISHED) && !name.equals(FolderLock.FILE)) names.add(name);
        }
        return names;
    }

    private void writePublished(Set<String> names) throws IOException {
        AtomicFiles.writeString(
                target.resolve(PUBLISHED), names.stream().map(n -> n + "\n").collect(joining()));
    }

    /** Deletes the staging folder with whatever is left in it. */
    @Override
    public void close() throws IOException {
        cleanup.close();
    }
}
