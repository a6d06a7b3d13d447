package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NewFolderTest {
    @TempDir
    Path dir;

    Set<String> names(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    /** The folder was made with Files.createTempDirectory: mode 700 whatever the umask, its subfolders 755. */
    @Test
    void theFolderGetsTheUmasksPermissionsLikeItsSubfolders() throws IOException {
        Path out = dir.resolve("synth");
        NewFolder.write(out, tmp -> Files.createDirectories(tmp.resolve("train")));
        String umask = PosixFilePermissions.toString(
                Files.getPosixFilePermissions(Files.createDirectory(dir.resolve("plain"))));
        assertEquals(umask, PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(umask, PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("train"))));
    }

    /** An interrupted run (SIGINT, kill) left its staging folder for ever; the next run deletes it. */
    @Test
    void aStagingFolderOfAProcessThatIsGoneIsDeletedByTheNextRun() throws IOException {
        long gone = 999_999_999L; // above any pid_max
        long alive = ProcessHandle.current().pid();
        Path stale = Files.createDirectories(
                dir.resolve(".broden.staging." + gone + ".1f2e").resolve("images"));
        Files.writeString(stale.resolve("a.jpg"), "x");
        Path running = Files.createDirectories(dir.resolve(".broden.staging." + alive + ".3c4d"));
        Path other = Files.createDirectories(dir.resolve(".classification.staging." + gone + ".5e6f"));

        NewFolder.write(dir.resolve("broden"), tmp -> {
            assertTrue(tmp.getFileName().toString().startsWith(".broden.staging." + alive + "."), tmp.toString());
            Files.writeString(tmp.resolve("index.csv"), "image\n");
        });

        assertEquals(
                Set.of(
                        "broden",
                        running.getFileName().toString(),
                        other.getFileName().toString()),
                names(dir),
                "the gone process's broden staging folder is deleted; a live process's and another folder's are not");
        assertEquals(Set.of("index.csv"), names(dir.resolve("broden")));
    }

    @Test
    void aFailedWriteLeavesNeitherTheFolderNorItsStaging() throws IOException {
        Path out = dir.resolve("set");
        assertThrows(
                IOException.class,
                () -> NewFolder.write(out, tmp -> {
                    Files.writeString(tmp.resolve("half"), "x");
                    throw new IOException("disk full");
                }));
        assertFalse(Files.exists(out));
        assertEquals(Set.of(), names(dir));
    }
}
