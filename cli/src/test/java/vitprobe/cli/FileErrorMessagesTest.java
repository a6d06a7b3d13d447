package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tester report: a missing image gave "cannot read file (java.nio.file.NoSuchFileException: PATH)". */
class FileErrorMessagesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingImageIsNamedWithWhatIsWrong() {
        Path missing = dir.resolve("missing.png");
        for (String command : new String[] {"tokens", "attention"}) {
            String out = dir.resolve(command.equals("tokens") ? "t.safetensors" : "att")
                    .toString();
            CliRunner r = CliRunner.run(command, "--model", "random:vits8", "--out", out, missing.toString());
            assertEquals(Main.EXIT_INPUT, r.status(), r.err());
            assertEquals("vitprobe: " + missing + ": no such file\n", r.errorLines(), command);
        }
    }

    @Test
    void aFileSystemExceptionThatReachesTheHandlerIsSaidByItsMeaning() {
        assertEquals("a.png: no such file", Main.oneLine(new NoSuchFileException("a.png")));
        assertEquals("b: permission denied", Main.oneLine(new AccessDeniedException("b")));
        assertEquals(
                "c: permission denied", Main.oneLine(new java.io.UncheckedIOException(new AccessDeniedException("c"))));
    }
}
