package vitprobe.engine;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** The captured intermediates of one forward pass, by block and name. */
public final class Activations {
    private final Map<Integer, Map<Intermediate, FloatTensor>> byBlock = new TreeMap<>();

    void put(int block, Intermediate which, FloatTensor t) {
        byBlock.computeIfAbsent(block, b -> new EnumMap<>(Intermediate.class)).put(which, t);
    }

    /** The tensor, or an error naming what was captured instead. */
    public FloatTensor get(int block, Intermediate which) {
        FloatTensor t = byBlock.getOrDefault(block, Map.of()).get(which);
        if (t == null)
            throw new IllegalArgumentException(which.key() + " of block " + block + " was not captured (captured: "
                    + byBlock.entrySet().stream()
                            .map(e -> e.getKey() + ":"
                                    + Intermediate.keys(e.getValue().keySet()))
                            .toList()
                    + ")");
        return t;
    }

    public Map<Intermediate, FloatTensor> block(int block) {
        return Collections.unmodifiableMap(byBlock.getOrDefault(block, Map.of()));
    }

    public Map<Integer, Map<Intermediate, FloatTensor>> all() {
        return Collections.unmodifiableMap(byBlock);
    }
}
