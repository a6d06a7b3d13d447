package vitprobe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
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

    /**
     * Only a folder that acquire itself made is removed, and only when nothing but the lock file is left in it; a
     * folder found (another writer made it between someone's look and their lock, say) is kept with its lock file.
     */
    @Test
    void onlyTheFolderThisLockMadeIsRemovedAndOnlyWhenLeftEmpty() throws Exception {
        Path made = dir.resolve("made/out");
        FolderLock.acquire(made).removingCreatedFolderIfLeftEmpty().close();
        assertFalse(Files.exists(dir.resolve("made")), "the parents it made go too");
        assertTrue(Files.isDirectory(dir), "a parent found stays");

        // A folder made as a parent that something else filled meanwhile stays, with what is in it.
        Path nested = dir.resolve("made/deeper/out");
        try (FolderLock lock = FolderLock.acquire(nested).removingCreatedFolderIfLeftEmpty()) {
            Files.writeString(dir.resolve("made/other.txt"), "another writer's");
        }
        assertFalse(Files.exists(dir.resolve("made/deeper")));
        assertTrue(Files.exists(dir.resolve("made/other.txt")));

        try (FolderLock lock = FolderLock.acquire(made).removingCreatedFolderIfLeftEmpty()) {
            Files.writeString(made.resolve("index.html"), "published");
        }
        assertTrue(Files.exists(made.resolve("index.html")));

        Path found = Files.createDirectories(dir.resolve("found"));
        FolderLock.acquire(found).removingCreatedFolderIfLeftEmpty().close();
        assertTrue(Files.exists(found.resolve(FolderLock.FILE)), "a folder found is not this lock's to remove");
    }

    @Test
    void aSecondWriterInThisJvmIsRefusedAndTheFirstKeepsTheLock() throws Exception {
        Path out = dir.resolve("out");
        try (FolderLock first = FolderLock.acquire(out)) {
            String advice =
                    " (lock " + out.resolve(FolderLock.FILE) + "); wait for it to end or choose another output folder";
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FolderLock.acquire(out));
            String self = PID + " on " + host() + ", started " + started(ProcessHandle.current());
            assertEquals(out + " is being written by process " + self + " (this process)" + advice, e.getMessage());
            // The refused attempt must not have dropped the OS lock (closing a second channel on the file would).
            assertEquals("refused: " + out + " is being written by process " + self + advice, otherProcessTries(out));
        }
        assertEquals("acquired", otherProcessTries(out));
        try (FolderLock again = FolderLock.acquire(out)) {
            assertEquals(FolderLock.holderLine(), Files.readString(out.resolve(FolderLock.FILE)));
        }
    }

    @Test
    void aLockOfAnotherProcessIsRefusedNamingItAndTakenOverOnceItIsKilled() throws Exception {
        Path out = dir.resolve("out");
        Process holder = child("hold", out);
        try {
            assertEquals("ready", firstLine(holder));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FolderLock.acquire(out));
            assertEquals(
                    out + " is being written by process " + holder.pid() + " on " + host() + ", started "
                            + started(holder) + " (lock " + out.resolve(FolderLock.FILE)
                            + "); wait for it to end or choose another output folder",
                    e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        }
        assertTrue(
                Files.readString(out.resolve(FolderLock.FILE)).startsWith(holder.pid() + " "), "the killed holder's");
        try (FolderLock taken = FolderLock.acquire(out)) {
            assertEquals(FolderLock.holderLine(), Files.readString(out.resolve(FolderLock.FILE)));
        }
    }

    /** This machine's name, as the holder's line gives it. */
    private static String host() {
        String[] fields = FolderLock.holderLine().strip().split(" ");
        return fields.length > 1 ? fields[1] : "(no host in " + FolderLock.holderLine() + ")";
    }

    private static String started(Process p) {
        return started(p.toHandle());
    }

    private static String started(ProcessHandle p) {
        return p.info()
                .startInstant()
                .orElseThrow()
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
    }

    /**
     * The testers' case: a second run that came between the holder's lock and its writing of the lock file got
     * "process (unknown id)". It waits for the holder's line: the pid is always named.
     */
    @Test
    void aHolderThatHasNotWrittenItsNameYetIsStillNamed() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Process holder = child("late", out);
        try {
            assertEquals("locked", firstLine(holder));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FolderLock.acquire(out));
            assertTrue(
                    e.getMessage().startsWith(out + " is being written by process " + holder.pid() + " on "),
                    e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
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
