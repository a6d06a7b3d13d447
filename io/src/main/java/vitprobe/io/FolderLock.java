package vitprobe.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One writer per output folder: an exclusive OS lock on {@code DIR/.vitprobe.lock}, a file that also names the
 * holder (one line: process id, host, start time) for the message a second writer gets. The OS drops the lock when
 * the process ends, however it ends, so a lock file that no process holds (left by a killed run) is simply taken
 * over. The file stays when the lock is released: deleting it could let two later writers lock two different files.
 */
public final class FolderLock implements AutoCloseable {
    public static final String FILE = ".vitprobe.lock";
    /** How long a second writer waits for the holder to name itself. */
    private static final long HOLDER_WAIT_NANOS = 5_000_000_000L;

    /**
     * Lock files held by this JVM. A second channel must never be opened on one of them: closing it would drop
     * the OS lock that the first channel holds (POSIX locks belong to the process, not to the channel).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    /**
     * The outermost folder {@link #acquire} made (the locked one or a parent of it), null when it found the locked
     * folder (made by another writer, say).
     */
    private final Path createdTop;

    private boolean removeCreatedFolderIfEmpty;

    private FolderLock(Path file, FileChannel channel, Path createdTop) {
        this.file = file;
        this.channel = channel;
        this.createdTop = createdTop;
    }

    /** Locks {@code folder} (created if missing) or fails with one line naming the process that holds it. */
    public static FolderLock acquire(Path folder) throws IOException {
        Path file, created;
        try {
            created = createFolder(folder.toAbsolutePath());
            file = folder.toRealPath().resolve(FILE);
            if (created != null) created = created.toRealPath();
        } catch (IOException e) {
            throw new IOException(folder + ": cannot create the folder: " + AtomicFiles.reason(e, folder), e);
        }
        if (!HELD.add(file)) throw busy(folder, named(holderLine()) + " (this process)");
        FileChannel channel = null;
        try {
            try {
                channel = FileChannel.open(
                        file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new IOException(folder + ": cannot write there: " + AtomicFiles.reason(e, file, folder), e);
            }
            if (!tryLock(channel)) throw busy(folder, holder(channel));
            channel.truncate(0);
            AtomicFiles.writeFully(channel, ByteBuffer.wrap(holderLine().getBytes(StandardCharsets.UTF_8)));
            channel.force(false);
            return new FolderLock(file, channel, created);
        } catch (IOException | RuntimeException e) {
            if (channel != null) channel.close();
            HELD.remove(file);
            throw e;
        }
    }

    /** Makes the folder and its parents; returns the outermost folder this call made, null if it made none. */
    private static Path createFolder(Path folder) throws IOException {
        try {
            Files.createDirectory(folder);
            return folder;
        } catch (FileAlreadyExistsException e) {
            if (Files.isDirectory(folder)) return null;
            throw e;
        } catch (NoSuchFileException e) {
            Path parentMade = createFolder(folder.getParent());
            Path made = createFolder(folder);
            return parentMade != null ? parentMade : made;
        }
    }

    /**
     * Makes {@link #close} remove the folder, lock file included, when {@link #acquire} made it and nothing else is
     * in it (a first run that failed), and then the parents that {@link #acquire} made as they are left empty. The
     * removal happens while the lock is still held, so it never deletes the lock file of another writer, and a folder
     * found (made by another writer, say) is always kept.
     */
    public FolderLock removingCreatedFolderIfLeftEmpty() {
        removeCreatedFolderIfEmpty = true;
        return this;
    }

    /**
     * What the lock file says of this process: "PID HOST START" and a newline. The fields are read by position, so
     * without a host name the start time is left out too.
     */
    static String holderLine() {
        ProcessHandle self = ProcessHandle.current();
        StringBuilder line = new StringBuilder().append(self.pid());
        String host = host();
        if (host != null) {
            line.append(' ').append(host);
            self.info().startInstant().ifPresent(t -> line.append(' ').append(t.truncatedTo(ChronoUnit.SECONDS)));
        }
        return line.append('\n').toString();
    }

    /** The kernel's host name, without a DNS lookup (which can hang); null where it cannot be read. */
    private static String host() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            return name.matches("\\S+") ? name : null;
        } catch (IOException | UncheckedIOException e) {
            String env = System.getenv("HOSTNAME");
            return env != null && env.matches("\\S+") ? env : null;
        }
    }

    private static boolean tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock() != null;
        } catch (OverlappingFileLockException e) {
            return false; // held through a channel opened outside this class (none in vitprobe is)
        }
    }

    private static IllegalStateException busy(Path folder, String holder) {
        return new IllegalStateException(folder + " is being written by process " + holder + " (lock "
                + folder.resolve(FILE) + "); wait for it to end or choose another output folder");
    }

    /**
     * The holder as its line names it: "PID on HOST, started TIME". The holder writes the line right after taking
     * the lock, so an empty or unfinished file is read again for a while before the id is called unknown.
     */
    private static String holder(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + HOLDER_WAIT_NANOS;
        while (true) {
            ByteBuffer buf = ByteBuffer.allocate(256);
            channel.read(buf, 0);
            String named = named(new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
            if (named != null) return named;
            if (System.nanoTime() > deadline) return "(unknown id)";
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "(unknown id)";
            }
        }
    }

    /** A holder's line in words, "PID on HOST, started TIME"; null for a line not (yet) complete. */
    private static String named(String line) {
        String[] fields = line.strip().split(" ");
        if (!line.endsWith("\n") || !fields[0].matches("\\d{1,18}")) return null;
        return fields[0]
                + (fields.length > 1 ? " on " + fields[1] : "")
                + (fields.length > 2 ? ", started " + fields[2] : "");
    }

    /** Releases the lock (closing the channel drops it). */
    @Override
    public void close() throws IOException {
        try {
            if (removeCreatedFolderIfEmpty && createdTop != null) removeFolderIfEmpty();
        } finally {
            try {
                channel.close();
            } finally {
                HELD.remove(file);
            }
        }
    }

    private void removeFolderIfEmpty() {
        Path folder = file.getParent();
        try (Stream<Path> entries = Files.list(folder)) {
            if (entries.anyMatch(p -> !p.getFileName().toString().equals(FILE))) return;
            Files.delete(file);
            Files.delete(folder);
            while (!folder.equals(createdTop) && folder.startsWith(createdTop)) {
                folder = folder.getParent();
                Files.delete(folder);
            }
        } catch (IOException e) {
            // Something else came in, or it is gone: either way the folder is not this run's to remove.
        }
    }
}
