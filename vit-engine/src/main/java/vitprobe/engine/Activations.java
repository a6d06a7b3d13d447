package vitprobe.engine;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The captured intermediates of one forward pass, by block and name. */
public final class Activations {
    private final Map<Integer, Map<Intermediate, FloatTensor>> byBlock = new TreeMap<>();

    void put(int block, Intermediate which, FloatTensor t) {
        byBlock.computeIfAbsent(block, b -> new EnumMap<>(Intermediate.class)).put(which, t);
    }

    /** The tensor, or an error naming what was captured instead. */
    public FloatTensor get(int block, Intermediate which) {
        Objects.requireNonNull(which, "which");
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

    /** The activations of image {@code i} of the batch alone: every tensor cut to [1, ...] along the batch axis. */
    public Activations image(int i) {
        Activations one = new Activations();
        byBlock.forEach((block, tensors) -> tensors.forEach((which, t) -> {
            int[] shape = t.shape().clone();
            if (i < 0 || i >= shape[0])
                throw new IndexOutOfBoundsException("image " + i + " of a batch of " + shape[0]);
            int per = t.data().length / shape[0];
            shape[0] = 1;
            one.put(block, which, new FloatTensor(Arrays.copyOfRange(t.data(), i * per, (i + 1) * per), shape));
        }));
        return one;
    }

    /** Every captured tensor by block and name; neither map can be changed. */
    public Map<Integer, Map<Intermediate, FloatTensor>> all() {
        Map<Integer, Map<Intermediate, FloatTensor>> all = new TreeMap<>();
        byBlock.forEach((block, tensors) -> all.put(block, Collections.unmodifiableMap(tensors)));
        return Collections.unmodifiableMap(all);
    }
}
