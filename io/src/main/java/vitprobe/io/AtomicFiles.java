package vitprobe.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Files that appear complete or not at all: written beside their place as "." + name + "." + pid + "." + random +
 * ".vitprobe-partial", then renamed over it, so a crash or a full disk never leaves a half-written file under the real
 * name. Only names of exactly that form are ever swept: a user's own hidden file ending in ".partial" is not ours.
 * A process killed outright (kill -9 runs no clean-up) leaves its partial file behind; the next write of the same
 * file, or {@link #removeStalePartials} over the folder, deletes it once no process with that pid is alive.
 */
public final class AtomicFiles {
    private static final String PARTIAL = ".vitprobe-partial";
    /** "." + name + "." + pid + "." + random hex + PARTIAL, as {@link #write} names its temporary files. */
    private static final Pattern PARTIAL_NAME =
            Pattern.compile("\\.(.+)\\.(\\d{1,18})\\.[0-9a-f]{1,16}" + Pattern.quote(PARTIAL));

    private static final long PID = ProcessHandle.current().pid();

    private AtomicFiles() {}

    /** What goes into the file, written to an open channel (large outputs stream instead of building bytes). */
    @FunctionalInterface
    public interface Content {
        void writeTo(FileChannel channel) throws IOException;
    }

    /** Writes the file atomically; a failure (a full disk, say) is an IOException whose message names the file. */
    public static void write(Path file, Content content) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String name = file.getFileName().toString();
        // Not Files.createTempFile: its files are private (0600), and a report or result is meant to be shared.
        String random = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path tmp = dir.resolve("." + name + "." + PID + "." + random + PARTIAL);
        refuseIrregular(file);
        try {
            Files.createDirectories(dir);
            removeStale(dir, name);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(ch);
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IOException(file + ": cannot write: " + reason(e, file, tmp), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // Not to hide the error that brought us here; a later write removes the file once this process ends.
            }
        }
    }

    /**
     * The rename would replace a link, a device, a pipe or an empty folder at the file's place with a regular file
     * ({@code --out /dev/full} run as root turned the device into one), so only a regular file or nothing is taken.
     */
    private static void refuseIrregular(Path file) throws IOException {
        String why;
        if (Files.isSymbolicLink(file)) {
            why = "a symbolic link (to " + Files.readSymbolicLink(file) + "); name the file itself";
        } else if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            why = "Is a directory";
        } else if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            why = "not a regular file (a device, pipe or socket)";
        } else {
            return;
        }
        throw new IOException(file + ": cannot write: " + why);
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, ch -> writeFully(ch, ByteBuffer.wrap(bytes)));
    }

    public static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    public static void writeString(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Deletes the partial files in {@code dir} whose writer is gone (killed). */
    public static void removeStalePartials(Path dir) throws IOException {
        removeStale(dir, null);
    }

    /** Deletes the stale partial files of {@code name} in {@code dir}, or of every name when it is null. */
    private static void removeStale(Path dir, String name) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Matcher m = PARTIAL_NAME.matcher(f.getFileName().toString());
                if (m.matches()
                        && (name == null || m.group(1).equals(name))
                        && !OwnedNames.alive(Long.parseLong(m.group(2)))) Files.deleteIfExists(f);
            }
        }
    }

    /** Why an operation failed, in words; a path other than {@code own} ones is named, those are not repeated. */
    static String reason(IOException e, Path... own) {
        String type = e.getClass().getSimpleName();
        if (!(e instanceof FileSystemException f)) return e.getMessage() != null ? e.getMessage() : type;
        String why = f.getReason() != null ? f.getReason() : words(type.replaceFirst("Exception$", ""));
        boolean other = f.getFile() != null && !List.of(own).contains(Path.of(f.getFile()));
        return other ? f.getFile() + ": " + why : why;
    }

    /** "DirectoryNotEmpty" → "directory not empty". */
    private static String words(String camelCase) {
        return camelCase.replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(Locale.ROOT);
    }
}
