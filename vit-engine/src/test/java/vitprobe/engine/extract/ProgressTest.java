package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

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
            assertEquals(System.console() != null && System.console().isTerminal(), Progress.redrawByDefault());
        } finally {
            if (before == null) System.clearProperty(Progress.MODE_PROPERTY);
            else System.setProperty(Progress.MODE_PROPERTY, before);
        }
    }
}
