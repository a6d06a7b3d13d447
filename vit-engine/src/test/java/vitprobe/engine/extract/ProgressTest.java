package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tester reports: \r frames filled logs, a resumed run showed 0.0/s, and tokens drew its own kind of bar. */
class ProgressTest {
    private static final long SECOND = 1_000_000_000L;

    /** A clock the test moves. */
    private static final class Clock {
        long now;

        long read() {
            return now;
        }
    }

    private final StringWriter text = new StringWriter();
    private final Clock clock = new Clock();

    private Progress progress(long total, long alreadyDone, boolean redraw) {
        return new Progress(new PrintWriter(text, true), total, alreadyDone, "images", redraw, clock::read);
    }

    @Test
    void withoutATerminalItPrintsAPlainLineEveryTenPercent() {
        Progress p = progress(100, 0, false);
        for (int i = 0; i < 100; i++) {
            clock.now += SECOND / 10;
            p.advance(1);
        }
        p.finish();
        String out = text.toString();
        assertFalse(out.contains("\r"), out);
        List<String> lines = out.lines().toList();
        assertEquals(10, lines.size(), out);
        assertTrue(lines.getFirst().startsWith("10/100 images (10 %)  10.0/s  ETA 00:09"), out);
        assertTrue(lines.getLast().startsWith("100/100 images (100 %)"), out);
    }

    @Test
    void withoutATerminalASlowRunPrintsALineEveryThirtySeconds() {
        Progress p = progress(1000, 0, false);
        for (int i = 0; i < 3; i++) {
            clock.now += 31 * SECOND;
            p.advance(1);
        }
        clock.now += SECOND;
        p.advance(1); // neither 10 % more nor 30 s later
        assertEquals(3, text.toString().lines().count(), text.toString());
        p.finish(); // the state at the end
        assertEquals(4, text.toString().lines().count(), text.toString());
        assertTrue(text.toString().lines().toList().getLast().startsWith("4/1000 images"), text.toString());
    }

    @Test
    void aResumedRunShowsNoRateUntilItHasDoneSomething() {
        Progress p = progress(100, 50, false);
        p.finish();
        assertTrue(text.toString().startsWith("50/100 images (50 %)  —/s  ETA --:--"), text.toString());
        Progress resumed = progress(100, 50, true);
        clock.now += 2 * SECOND;
        resumed.advance(10);
        assertTrue(text.toString().contains("60/100 images  5.0/s  ETA 00:08"), text.toString());
        assertEquals(5.0, resumed.imagesPerSecond(), 1e-9);
    }

    @Test
    void onATerminalTheBarIsRedrawnInPlace() {
        Progress p = progress(4, 0, true);
        p.advance(0);
        assertTrue(text.toString().startsWith("\r[" + ".".repeat(30) + "] 0/4 images  —/s"), text.toString());
        clock.now += SECOND;
        p.advance(4);
        p.finish();
        assertTrue(
                text.toString().contains("\r[" + "#".repeat(30) + "] 4/4 images  4.0/s  ETA 00:00"), text.toString());
        assertTrue(text.toString().endsWith("\n"), text.toString());
    }

    @Test
    void thePropertyChoosesBetweenBarAndLines() {
        String before = System.getProperty(Progress.MODE_PROPERTY);
        try {
            System.setProperty(Progress.MODE_PROPERTY, "lines");
            assertFalse(Progress.redrawByDefault());
            System.setProperty(Progress.MODE_PROPERTY, "bar");
            assertTrue(Progress.redrawByDefault());
            System.clearProperty(Progress.MODE_PROPERTY);
            assertFalse(Progress.redrawByDefault(), "a test's stderr is a pipe to the build tool");
        } finally {
            if (before == null) System.clearProperty(Progress.MODE_PROPERTY);
            else System.setProperty(Progress.MODE_PROPERTY, before);
        }
    }

    /** What a link in /proc/self/fd leads to decides: a terminal device, or anything else (a file, a pipe, none). */
    @Test
    void onlyALinkToATerminalDeviceIsATerminal(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("log"), "");
        assertTrue(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("pts"), Path.of("/dev/pts/3"))));
        assertTrue(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("tty"), Path.of("/dev/tty1"))));
        assertFalse(Progress.isTerminal(Files.createSymbolicLink(dir.resolve("file"), file)));
        assertFalse(Progress.isTerminal(file), "not a link: unknown");
        assertFalse(Progress.isTerminal(dir.resolve("missing")));
    }

    /**
     * Tester report: {@code java -jar vitprobe.jar extract ... 2> log} on a terminal wrote bar frames into the log,
     * as the console (stdin and stdout) was a terminal. A child with stdin and stdout on a terminal (script(1) gives
     * it one) and stderr in a file must write lines; with stderr on the terminal too, a bar.
     */
    @Test
    void stderrAloneDecidesBetweenBarAndLines(@TempDir Path dir) throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")) && Files.isDirectory(Path.of("/proc/self/fd")));
        Path log = dir.resolve("log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String child = java + " -cp '" + System.getProperty("java.class.path") + "' '" + Child.class.getName() + "'";
        assertEquals(0, script(child + " 2> '" + log + "'", dir.resolve("tty-1")));
        assertFalse(Files.readString(log).contains("\r"), Files.readString(log));
        assertTrue(Files.readString(log).contains("4/4 images"), Files.readString(log));

        Path typescript = dir.resolve("tty-2");
        assertEquals(0, script(child, typescript));
        assertTrue(Files.readString(typescript).contains("\r["), Files.readString(typescript));
    }

    /** Runs a shell command under script(1), its terminal's output in {@code typescript}; returns the exit status. */
    private static int script(String command, Path typescript) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/script", "-qec", command, typescript.toString())
                .redirectInput(ProcessBuilder.Redirect.PIPE)
                .redirectErrorStream(true)
                .redirectOutput(typescript
                        .resolveSibling(typescript.getFileName() + ".out")
                        .toFile())
                .start();
        p.getOutputStream().close();
        return p.waitFor();
    }

    /** The child: progress of 4 images on stderr, the mode chosen by default. */
    public static final class Child {
        public static void main(String[] args) {
            PrintWriter err = new PrintWriter(System.err, true);
            Progress p = new Progress(err, 4, 0, "images");
            p.advance(4);
            p.finish();
            err.flush();
        }
    }
}
