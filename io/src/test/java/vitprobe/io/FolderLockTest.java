package vitprobe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FolderLockTest {
    @TempDir
    Path dir;

    private static final long PID = ProcessHandle.current().pid();

    static Process child(String mode, Path path) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        TestChild.class.getName(),
                        mode,
                        path.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    static String firstLine(Process p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    /** What a writer in another JVM gets when it tries the folder now. */
    private String otherProcessTries(Path folder) throws Exception {
        Process p = child("try", folder);
        String line = firstLine(p);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return line;
    }

    @Test
    void aSecondWriterInThisJvmIsRefusedAndTheFirstKeepsTheLock() throws Exception {
        Path out = dir.resolve("out");
        try (FolderLock first = FolderLock.acquire(out)) {
            String advice =
                    " (lock " + out.resolve(FolderLock.FILE) + "); wait for it to end or choose another output folder";
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FolderLock.acquire(out));
            assertEquals(out + " is being written by process " + PID + " (this process)" + advice, e.getMessage());
            // The refused attempt must not have dropped the OS lock (closing a second channel on the file would).
            assertEquals("refused: " + out + " is being written by process " + PID + advice, otherProcessTries(out));
        }
        assertEquals("acquired", otherProcessTries(out));
        try (FolderLock again = FolderLock.acquire(out)) {
            assertEquals(PID + "\n", Files.readString(out.resolve(FolderLock.FILE)));
        }
    }

    @Test
    void aLockOfAnotherProcessIsRefusedNamingItAndTakenOverOnceItIsKilled() throws Exception {
        Path out = dir.resolve("out");
        Process holder = child("hold", out);
        try {
            assertEquals("ready", firstLine(holder));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FolderLock.acquire(out));
            assertTrue(
                    e.getMessage().startsWith(out + " is being written by process " + holder.pid() + " (lock "),
                    e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        }
        assertEquals(holder.pid() + "\n", Files.readString(out.resolve(FolderLock.FILE)), "the killed holder's");
        try (FolderLock taken = FolderLock.acquire(out)) {
            assertEquals(PID + "\n", Files.readString(out.resolve(FolderLock.FILE)));
        }
    }

    /** The testers' case: a folder that cannot be made was reported as its bare path, with no reason. */
    @Test
    void aFolderThatCannotBeMadeIsReportedWithTheReason() throws Exception {
        Path below = Files.writeString(dir.resolve("notes"), "x").resolve("out");
        Exception e = assertThrows(java.io.IOException.class, () -> FolderLock.acquire(below));
        assertEquals(below + ": cannot create the folder: Not a directory", e.getMessage());
    }
}
