package vitprobe.io;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs in its own JVM for tests that need a second process: "hold PATH" locks a folder until killed, "try PATH"
 * tries to lock it and says how that went, "late PATH" locks it and writes its name only 0.7 s later, "stage PATH"
 * writes a file into a staging folder of PATH and waits, "hang PATH" starts writing a file atomically and never
 * finishes.
 */
public final class TestChild {
    public static void main(String[] args) throws Exception {
        Path path = Path.of(args[1]);
        switch (args[0]) {
            case "hold" -> {
                FolderLock.acquire(path);
                ready();
            }
            case "try" -> {
                try (FolderLock lock = FolderLock.acquire(path)) {
                    System.out.println("acquired");
                } catch (IllegalStateException e) {
                    System.out.println("refused: " + e.getMessage());
                }
            }
            case "late" -> { // locks the file as FolderLock does, but names itself only after a while
                FileChannel channel = FileChannel.open(
                        path.resolve(FolderLock.FILE),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                channel.lock();
                System.out.println("locked");
                System.out.flush();
                Thread.sleep(700);
                channel.write(ByteBuffer.wrap(FolderLock.holderLine().getBytes(StandardCharsets.UTF_8)));
                ready();
            }
            case "stage" -> { // starts drawing into a staging folder of PATH and never publishes
                StagedFolder staged = StagedFolder.in(path);
                AtomicFiles.writeString(staged.folder().resolve("a.png"), "a");
                ready();
            }
            case "hang" ->
                AtomicFiles.write(path, ch -> {
                    AtomicFiles.writeFully(ch, ByteBuffer.wrap(new byte[1 << 16]));
                    ready();
                });
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Says so on stdout, then waits to be killed. */
    private static void ready() {
        System.out.println("ready");
        System.out.flush();
        while (true) LockSupport.park();
    }
}
