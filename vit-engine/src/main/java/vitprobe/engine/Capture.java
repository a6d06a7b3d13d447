package vitprobe.engine;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Which intermediates to keep, per block index (0-based). */
public record Capture(Map<Integer, Set<Intermediate>> blocks) {
    /**
     * Refuses an empty map, a block index below 0 (indexes count from the first block; there is no "from the end")
     * and a block with no intermediates; an index past the model's depth is refused by the forward, which knows it.
     */
    public Capture {
        Objects.requireNonNull(blocks, "blocks");
        if (blocks.isEmpty()) throw new IllegalArgumentException("no blocks requested");
        TreeMap<Integer, Set<Intermediate>> copy = new TreeMap<>();
        blocks.forEach((b, s) -> {
            if (b == null || b < 0)
                throw new IllegalArgumentException(
                        "block index " + b + ": blocks are numbered from 0 (the last is depth - 1)");
            if (s == null || s.isEmpty())
                throw new IllegalArgumentException("no intermediates requested for block " + b);
            // EnumSet.copyOf's own NullPointerException names no argument.
            for (Intermediate i : s) Objects.requireNonNull(i, "blocks: block " + b + " has a null intermediate");
            copy.put(b, Collections.unmodifiableSet(EnumSet.copyOf(s)));
        });
        blocks = Collections.unmodifiableMap(copy);
    }

    /** The paper's six token types (q, k, v, x, y, y_norm) of the given block. */
    public static Capture paper(int block) {
        return of(block, Intermediate.PAPER);
    }

    public static Capture of(int block, Set<Intermediate> which) {
        Objects.requireNonNull(which, "which"); // Map.of would refuse it without a name
        if (which.stream().anyMatch(Objects::isNull)) throw new NullPointerException("which contains null");
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
