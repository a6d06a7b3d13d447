package vitprobe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<Path> partials() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".vitprobe-partial"))
                    .sorted()
                    .toList();
        }
    }

    /** The testers' case: a write killed by kill -9 leaves its partial file; the next write of that file removes it. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thePartialFileOfAKilledWriterIsRemovedByTheNextWriteOfThatFile() throws Exception {
        Path out = dir.resolve("tokens.safetensors");
        Process writer = FolderLockTest.child("hang", out);
        List<Path> left;
        try {
            assertEquals("ready", FolderLockTest.firstLine(writer));
            left = partials();
            assertEquals(1, left.size(), left.toString());
            AtomicFiles.writeString(out, "while the other writer lives");
            assertEquals(left, partials(), "a live writer's partial file is left alone");
        } finally {
            writer.destroyForcibly();
            writer.waitFor(60, TimeUnit.SECONDS);
        }
        AtomicFiles.writeString(out, "after it was killed");
        assertEquals(List.of(), partials());
        assertEquals("after it was killed", Files.readString(out));
    }

    @Test
    void aFolderSweepRemovesThePartialFilesOfGoneWritersOnly() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long live = ProcessHandle.current().pid();
        Path killed = Files.writeString(dir.resolve(".a.safetensors." + gone.pid() + ".9f.vitprobe-partial"), "x");
        Path writing = Files.writeString(dir.resolve(".c.safetensors." + live + ".3e.vitprobe-partial"), "x");
        Path other = Files.writeString(dir.resolve(".notes.partial.txt"), "x");
        AtomicFiles.removeStalePartials(dir);
        assertFalse(Files.exists(killed));
        assertEquals(List.of(writing), partials());
        assertEquals("x", Files.readString(other));
    }

    /** The testers' case: a sweep deleted a hidden user file that merely ended in ".partial". */
    @Test
    void aSweepLeavesFilesItDidNotNameAlone() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        List<Path> users = List.of(
                Files.writeString(dir.resolve(".x.partial"), "mine"),
                Files.writeString(dir.resolve(".b.safetensors.1c2d.partial"), "mine"),
                Files.writeString(dir.resolve(".a.safetensors." + gone.pid() + ".9f.partial"), "mine"),
                Files.writeString(dir.resolve(".a." + gone.pid() + ".zz.vitprobe-partial"), "mine"));
        AtomicFiles.removeStalePartials(dir);
        AtomicFiles.writeString(dir.resolve("a.safetensors"), "written");
        for (Path user : users) assertEquals("mine", Files.readString(user), user.toString());
    }

    /** What stands in the way is named in words, and a path other than the file's own too. */
    @Test
    void anObstacleIsNamed() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("result.json"));
        Files.writeString(folder.resolve("inside"), "x");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(folder, "{}"));
        assertEquals(folder + ": cannot write: Is a directory", e.getMessage());
        Path file = Files.writeString(dir.resolve("notes"), "x"), below = file.resolve("result.json");
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(below, "{}"));
        assertEquals(below + ": cannot write: " + file + ": file already exists", e.getMessage());
        assertEquals(List.of(), partials());
    }

    /** A full disk: the error names the file being written, and nothing is left behind. */
    @Test
    void aFailedWriteNamesTheFileAndLeavesNothing() throws Exception {
        Path out = dir.resolve("features.safetensors");
        IOException e = assertThrows(
                IOException.class,
                () -> AtomicFiles.write(out, ch -> {
                    throw new IOException("No space left on device");
                }));
        assertEquals(out + ": cannot write: No space left on device", e.getMessage());
        assertEquals(List.of(), partials());
        assertFalse(Files.exists(out));
    }

    /**
     * The testers' case: {@code --out /dev/full} (run as root) turned the device into a regular file. What is not a
     * regular file (a link, a pipe, a device, even an empty folder) is refused, not replaced.
     */
    @Test
    void whatIsNotARegularFileIsRefusedNotReplaced() throws Exception {
        Path target = Files.writeString(dir.resolve("target.txt"), "kept");
        Path link = Files.createSymbolicLink(dir.resolve("link.safetensors"), target);
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(link, "{}"));
        assertEquals(
                link + ": cannot write: a symbolic link (to " + target + "); name the file itself", e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("kept", Files.readString(target));

        Path fifo = dir.resolve("fifo");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(fifo, "{}"));
        assertEquals(fifo + ": cannot write: not a regular file (a device, pipe or socket)", e.getMessage());
        assertTrue(Files.exists(fifo, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(fifo));

        Path empty = Files.createDirectories(dir.resolve("empty"));
        e = assertThrows(IOException.class, () -> AtomicFiles.writeString(empty, "{}"));
        assertEquals(empty + ": cannot write: Is a directory", e.getMessage());
        assertTrue(Files.isDirectory(empty));
        assertEquals(List.of(), partials());
    }
}
