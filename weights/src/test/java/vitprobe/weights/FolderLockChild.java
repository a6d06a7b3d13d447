package vitprobe.weights;

import java.nio.file.Path;

/** Locks a folder in its own JVM for {@link FolderLockTest}: "hold" keeps it until killed, "try" reports and ends. */
public final class FolderLockChild {
    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args[1]);
        if (args[0].equals("hold")) {
            FolderLock.acquire(folder);
            System.out.println("held");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
        try (FolderLock lock = FolderLock.acquire(folder)) {
            System.out.println("acquired");
        } catch (IllegalStateException e) {
            System.out.println("refused: " + e.getMessage());
        }
    }
}
