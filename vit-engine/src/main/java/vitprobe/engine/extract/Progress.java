package vitprobe.engine.extract;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: done/total units (images, templates, ...), units per second over this run, and
 * the time left. Safe to advance from several threads.
 */
public final class Progress {
    private static final int WIDTH = 30;
    private static final long EVERY_NANOS = 250_000_000L;

    private final PrintWriter err;
    private final long total;
    private final String unit;
    private final long start = System.nanoTime();
    private long done, doneThisRun, lastPrint, printedDone = -1;

    Progress(PrintWriter err, long total, long alreadyDone) {
        this(err, total, alreadyDone, "images");
    }

    /** @param err where the bar goes, or null for none */
    public Progress(PrintWriter err, long total, long alreadyDone, String unit) {
        this.err = err;
        this.total = total;
        this.done = alreadyDone;
        this.unit = unit;
    }

    public synchronized void advance(int units) {
        done += units;
        doneThisRun += units;
        long now = System.nanoTime();
        if (now - lastPrint >= EVERY_NANOS || done == total) {
            lastPrint = now;
            print();
        }
    }

    synchronized double imagesPerSecond() {
        double secs = (System.nanoTime() - start) / 1e9;
        return secs > 0 ? doneThisRun / secs : 0;
    }

    private void print() {
        if (err == null) return;
        printedDone = done;
        int filled = total == 0 ? WIDTH : (int) (WIDTH * done / total);
        double rate = imagesPerSecond();
        String eta = rate > 0 ? clock((total - done) / rate) : "--:--";
        err.printf(
                Locale.ROOT,
                "\r[%s%s] %d/%d %s  %.1f/s  ETA %s ",
                "#".repeat(filled),
                ".".repeat(WIDTH - filled),
                done,
                total,
                unit,
                rate,
                eta);
        err.flush();
    }

    /** Ends the bar's line. */
    public synchronized void finish() {
        if (err == null) return;
        if (printedDone != done) print();
        err.println();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
