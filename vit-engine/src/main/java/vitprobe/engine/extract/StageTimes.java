package vitprobe.engine.extract;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Time spent per pipeline stage, summed over the threads that run it. Decoding and preprocessing run in parallel
 * with the forward pass, so the sum exceeds the wall time; the shares say where the work goes.
 */
public final class StageTimes {
    public enum Stage {
        DECODE,
        PREPROCESS,
        FORWARD,
        WRITE
    }

    private final LongAdder[] nanos = new LongAdder[Stage.values().length];

    public StageTimes() {
        for (int i = 0; i < nanos.length; i++) nanos[i] = new LongAdder();
    }

    void add(Stage stage, long elapsedNanos) {
        nanos[stage.ordinal()].add(elapsedNanos);
    }

    public double seconds(Stage stage) {
        return nanos[stage.ordinal()].sum() / 1e9;
    }

    /** This stage's share of the summed stage times, 0..1. */
    public double share(Stage stage) {
        long total = 0;
        for (LongAdder n : nanos) total += n.sum();
        return total == 0 ? 0 : nanos[stage.ordinal()].sum() / (double) total;
    }

    /** e.g. "decode 12.0% (3.1 s), preprocess 8.5% (2.2 s), forward 75.0% (19.4 s), write 4.5% (1.2 s)". */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        for (Stage s : Stage.values()) {
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(String.format(
                    Locale.ROOT, "%s %.1f%% (%.1f s)", s.name().toLowerCase(Locale.ROOT), 100 * share(s), seconds(s)));
        }
        return sb.toString();
    }
}
