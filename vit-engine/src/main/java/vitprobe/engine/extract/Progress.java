package vitprobe.engine.extract;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress on stderr: done/total units (images, templates, ...), units per second over this run's work, and the time
 * left. On a terminal a bar redrawn in place ("\r"); elsewhere (a pipe, a log file) a plain line every 10 % or
 * 30 s, so that a log holds lines, not frames. Safe to advance from several threads.
 */
public final class Progress {
    /** The system property that chooses the output: "bar" or "lines"; unset, a bar when stderr is a terminal. */
    public static final String MODE_PROPERTY = "vitprobe.progress";

    /** What stderr is open on, where Linux shows it; elsewhere unknown, so lines. */
    private static final Path STDERR = Path.of("/proc/self/fd/2");

    private static final int WIDTH = 30;
    private static final long REDRAW_NANOS = 250_000_000L;
    private static final long LINE_NANOS = 30_000_000_000L;
    private static final int LINE_STEPS = 10;
    /** Shown for the rate and time left before this run has done any work (a resumed run's first line). */
    private static final String UNKNOWN = "—";

    private final PrintWriter err;
    private final long total;
    private final String unit;
    private final boolean redraw;
    private final LongSupplier clock;
    private final long start;
    private long done, doneThisRun, lastPrint, printedDone = -1;
    private boolean printedOnce;

    Progress(PrintWriter err, long total, long alreadyDone) {
        this(err, total, alreadyDone, "images");
    }

    /** @param err where the progress goes, or null for none */
    public Progress(PrintWriter err, long total, long alreadyDone, String unit) {
        this(err, total, alreadyDone, unit, redrawByDefault(), System::nanoTime);
    }

    Progress(PrintWriter err, long total, long alreadyDone, String unit, boolean redraw, LongSupplier clock) {
        this.err = err;
        this.total = total;
        this.done = alreadyDone;
        this.unit = unit;
        this.redraw = redraw;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /** Whether progress is a redrawn bar: as {@value #MODE_PROPERTY} says, else when stderr is a terminal. */
    public static boolean redrawByDefault() {
        String mode = System.getProperty(MODE_PROPERTY, "");
        if (mode.equals("bar")) return true;
        if (mode.equals("lines")) return false;
        // Not System.console(): it looks at stdin and stdout, so "2> log" on a terminal drew frames into the log.
        return isTerminal(STDERR);
    }

    /**
     * Whether a link such as /proc/self/fd/2 leads to a terminal device; false when that cannot be told (no such
     * link, no /proc).
     */
    static boolean isTerminal(Path fd) {
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    public synchronized void advance(int units) {
        long before = done;
        done += units;
        doneThisRun += units;
        long now = clock.getAsLong();
        boolean due = redraw
                ? now - lastPrint >= REDRAW_NANOS || !printedOnce
                : step(done) > step(before) || now - lastPrint >= LINE_NANOS;
        if (due || done == total) {
            lastPrint = now;
            print();
        }
    }

    /** Which tenth of the work is done. */
    private long step(long units) {
        return total == 0 ? LINE_STEPS : LINE_STEPS * units / total;
    }

    /** Units per second over the work of this run (not a resumed run's earlier work); 0 before any. */
    synchronized double imagesPerSecond() {
        double secs = (clock.getAsLong() - start) / 1e9;
        return secs > 0 ? doneThisRun / secs : 0;
    }

    private void print() {
        if (err == null) return;
        printedDone = done;
        printedOnce = true;
        double rate = imagesPerSecond();
        boolean known = doneThisRun > 0 && rate > 0;
        String perSecond = known ? String.format(Locale.ROOT, "%.1f", rate) : UNKNOWN;
        String eta = known ? clock((total - done) / rate) : "--:--";
        if (redraw) {
            int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
            err.printf(
                    Locale.ROOT,
                    "\r[%s%s] %d/%d %s  %s/s  ETA %s ",
                    "#".repeat(filled),
                    ".".repeat(WIDTH - filled),
                    done,
                    total,
                    unit,
                    perSecond,
                    eta);
        } else {
            long percent = total == 0 ? 100 : 100 * done / total;
            err.printf(Locale.ROOT, "%d/%d %s (%d %%)  %s/s  ETA %s%n", done, total, unit, percent, perSecond, eta);
        }
        err.flush();
    }

    /** Shows the final state, and on a terminal ends the bar's line. */
    public synchronized void finish() {
        if (err == null) return;
        if (printedDone != done) print();
        if (redraw) err.println();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
