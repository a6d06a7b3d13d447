package vitprobe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class StagedFolderTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void publishedFilesReplaceTheOldOnesWithThePageLast() throws Exception {
        Files.writeString(dir.resolve("index.html"), "old page");
        Files.writeString(dir.resolve("kept.png"), "a picture no run published");
        try (StagedFolder staged = StagedFolder.in(dir)) {
            AtomicFiles.writeString(staged.folder().resolve("index.html"), "new page");
            AtomicFiles.writeString(staged.folder().resolve("a.png"), "a");
            AtomicFiles.writeString(staged.folder().resolve("z.png"), "z");
            assertEquals("old page", Files.readString(dir.resolve("index.html")), "nothing moves before publish");
            staged.publish("index.html");
        }
        assertEquals(List.of(StagedFolder.PUBLISHED, "a.png", "index.html", "kept.png", "z.png"), names());
        assertEquals("new page", Files.readString(dir.resolve("index.html")));
        // The page was moved last: a rename sets a file's change time, and the page's is not before z.png's.
        FileTime page = (FileTime) Files.getAttribute(dir.resolve("index.html"), "unix:ctime");
        assertFalse(page.compareTo((FileTime) Files.getAttribute(dir.resolve("z.png"), "unix:ctime")) < 0);
    }

    @Test
    void aRunThatFailsBeforePublishingLeavesTheFolderAsItWas() throws Exception {
        Files.writeString(dir.resolve("index.html"), "old page");
        assertThrows(IllegalStateException.class, () -> {
            try (StagedFolder staged = StagedFolder.in(dir)) {
                AtomicFiles.writeString(staged.folder().resolve("index.html"), "half");
                AtomicFiles.writeString(staged.folder().resolve("a.png"), "a");
                throw new IllegalStateException("the second image is bad");
            }
        });
        assertEquals(List.of("index.html"), names());
        assertEquals("old page", Files.readString(dir.resolve("index.html")));
    }

    /** kill -9 runs no clean-up: the next run deletes the staging folder of a process that is gone, not a live one. */
    @Test
    void theStagingFolderOfAGoneRunIsDeletedByTheNext() throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path stale = Files.createDirectories(dir.resolve(".staging." + gone.pid() + ".1f"));
        Files.writeString(stale.resolve("a.png"), "a");
        Path live = Files.createDirectories(
                dir.resolve(".staging." + ProcessHandle.current().pid() + ".2e"));
        try (StagedFolder staged = StagedFolder.in(dir)) {
            assertFalse(Files.exists(stale));
            assertEquals(3 - 1, names().size(), names().toString()); // the live one and the new one
        }
        assertEquals(List.of(live.getFileName().toString()), names());
    }

    /**
     * The testers' case: a rerun with fewer images left the earlier run's pictures beside the new ones. What an
     * earlier run published and this one does not is deleted; files vitprobe did not write are left alone.
     */
    @Test
    void aRerunLeavesExactlyItsOwnFilesBesideTheUsersOwn() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "the user's");
        publish("index.html", "a.png", "b.png", "b-heads.png");
        publish("index.html", "a.png");
        assertEquals(List.of(StagedFolder.PUBLISHED, "a.png", "index.html", "notes.txt"), names());
        assertEquals("index.html run", Files.readString(dir.resolve("index.html")));
        publish("index.html", "c.png");
        assertEquals(List.of(StagedFolder.PUBLISHED, "c.png", "index.html", "notes.txt"), names());
        assertEquals("the user's", Files.readString(dir.resolve("notes.txt")));
    }

    private void publish(String... files) throws IOException {
        try (StagedFolder staged = StagedFolder.in(dir)) {
            for (String f : files) AtomicFiles.writeString(staged.folder().resolve(f), f + " run");
            staged.publish(files[0]);
        }
    }

    /** The testers' case: Ctrl-C during attention, pca or segment left the staging folder inside the output folder. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anInterruptedRunLeavesNoStagingFolder() throws Exception {
        Files.writeString(dir.resolve("index.html"), "old page");
        Process run = FolderLockTest.child("stage", dir);
        try {
            assertEquals("ready", FolderLockTest.firstLine(run));
            assertEquals(2, names().size(), names().toString());
            assertEquals(
                    0,
                    new ProcessBuilder("kill", "-INT", Long.toString(run.pid()))
                            .start()
                            .waitFor());
            assertTrue(run.waitFor(60, TimeUnit.SECONDS));
        } finally {
            run.destroyForcibly();
        }
        assertEquals(List.of("index.html"), names());
        assertEquals("old page", Files.readString(dir.resolve("index.html")));
    }
}
