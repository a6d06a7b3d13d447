package vitprobe.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One writer per output folder: an exclusive OS lock on {@code DIR/.vitprobe.lock}, a file that also names the
 * holder's process id for the message a second writer gets. The OS drops the lock when the process ends, however
 * it ends, so a lock file that no process holds (left by a killed run) is simply taken over. The file stays when
 * the lock is released: deleting it could let two later writers lock two different files.
 */
public final class FolderLock implements AutoCloseable {
    public static final String FILE = ".vitprobe.lock";

    /**
     * Lock files held by this JVM. A second channel must never be opened on one of them: closing it would drop
     * the OS lock that the first channel holds (POSIX locks belong to the process, not to the channel).
     */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;

    private FolderLock(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Locks {@code folder} (created if missing) or fails with one line naming the process that holds it. */
    public static FolderLock acquire(Path folder) throws IOException {
        Path file;
        try {
            Files.createDirectories(folder);
            file = folder.toRealPath().resolve(FILE);
        } catch (IOException e) {
            throw new IOException(folder + ": cannot create the folder: " + AtomicFiles.reason(e, folder), e);
        }
        if (!HELD.add(file)) throw busy(folder, ProcessHandle.current().pid() + " (this process)");
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
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicFiles.writeFully(channel, ByteBuffer.wrap(pid));
            channel.force(false);
            return new FolderLock(file, channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) channel.close();
            HELD.remove(file);
            throw e;
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

    /** The process id the holder wrote, or a description when it has not written it yet. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(32);
        channel.read(buf, 0);
        String pid = new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
        return pid.matches("\\d+") ? pid : "(unknown id)";
    }

    /** Releases the lock (closing the channel drops it). */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            HELD.remove(file);
        }
    }
}
