package vitprobe.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A folder no new file can be made in, for as long as this is open: mode 555, and for root (whom modes do not stop)
 * also immutable ({@code chattr +i}), which the kernel refuses to every writer as it does a read-only file system.
 */
record Unwritable(Path folder, boolean immutable) implements AutoCloseable {
    static Unwritable make(Path folder) throws IOException, InterruptedException {
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("r-xr-xr-x"));
        boolean immutable = Files.isWritable(folder) && chattr("+i", folder);
        if (Files.isWritable(folder)) throw new IllegalStateException(folder + ": could not make it unwritable");
        return new Unwritable(folder, immutable);
    }

    private static boolean chattr(String flag, Path folder) throws IOException, InterruptedException {
        return new ProcessBuilder("chattr", flag, folder.toString())
                        .inheritIO()
                        .start()
                        .waitFor()
                == 0;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (immutable) chattr("-i", folder);
        Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
