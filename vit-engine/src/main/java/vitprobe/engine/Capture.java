package vitprobe.engine;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Which intermediates to keep, per block index (0-based). */
public record Capture(Map<Integer, Set<Intermediate>> blocks) {
    public Capture {
        TreeMap<Integer, Set<Intermediate>> copy = new TreeMap<>();
        blocks.forEach((b, s) -> copy.put(b, Collections.unmodifiableSet(EnumSet.copyOf(s))));
        blocks = Collections.unmodifiableMap(copy);
    }

    /** The paper's six token types (q, k, v, x, y, y_norm) of the given block. */
    public static Capture paper(int block) {
        return of(block, Intermediate.PAPER);
    }

    public static Capture of(int block, Set<Intermediate> which) {
        return new Capture(Map.of(block, which));
    }

    public Set<Intermediate> at(int block) {
        return blocks.getOrDefault(block, Set.of());
    }

    /** The deepest block that must run. */
    public int lastBlock() {
        return blocks.isEmpty() ? -1 : Collections.max(blocks.keySet());
    }
}
