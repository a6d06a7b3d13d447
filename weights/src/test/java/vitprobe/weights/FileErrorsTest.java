package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.junit.jupiter.api.Test;

class FileErrorsTest {
    @Test
    void saysWhatTheExceptionMeansWithoutItsClassName() {
        assertEquals("no such file", FileErrors.describe(new NoSuchFileException("/x/a.png")));
        assertEquals("permission denied", FileErrors.describe(new AccessDeniedException("/x/a.png")));
        assertEquals("not a folder", FileErrors.describe(new NotDirectoryException("/x")));
        assertEquals("Is a directory", FileErrors.describe(new FileSystemException("/x", null, "Is a directory")));
        assertEquals("disk on fire", FileErrors.describe(new IOException("disk on fire")));
        assertEquals("EOFException", FileErrors.describe(new java.io.EOFException()));
    }

    @Test
    void readingSaysTheFileCouldNotBeReadUnlessTheTypeSaysWhy() {
        assertEquals("no such file", FileErrors.reading(new NoSuchFileException("/x/a.png")));
        assertEquals(
                "cannot read file (Is a directory)",
                FileErrors.reading(new FileSystemException("/x", null, "Is a directory")));
    }
}
