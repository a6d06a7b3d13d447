package vitprobe.kernels.cpu;

import java.util.ArrayList;
import java.util.List;

/**
 * Room for one backend's packed weights, each layer's starting on a cache line ({@link CacheLines}) and staying there.
 * Layers are cut from slabs of 32 MiB: G1 treats an array of more than half a region (regions are at most 32 MiB
 * unless set larger) as humongous and does not move it in young or mixed collections, so a line boundary read when the
 * slab was made still holds. A layer in an array of its own was moved by the first young collection when smaller than
 * half a region: ViT-S/8's forward at batch 1 gained 5 % only once all of its layers were humongous.
 */
final class WeightSlabs {
    /** Floats per slab: 32 MiB. */
    private static final int SLAB = 8 << 20;
    /**
     * Layers smaller than this (64 Ki floats, 256 KiB) get an array of their own, so that the tiny layers of tests and
     * toy models do not claim a slab each; the smallest layer of the models served, ViT-S/8's projection, has 147 Ki.
     */
    private static final int SMALL = 1 << 16;

    /** Floats of {@link #array} from {@link #offset} on, the first on a cache line. */
    record Run(float[] array, int offset) {}

    private static final class Slab {
        final float[] array = new float[SLAB];
        int next = CacheLines.pad(array);
    }

    /** Slabs with room for at least a small layer left. */
    private final List<Slab> open = new ArrayList<>();

    /**
     * A run of {@code floats} floats, zeroed, starting on a cache line: in the first slab with room for it (a model's
     * layers come in a repeating order of sizes, and a slab's tail takes a later, smaller layer), else a new one.
     */
    synchronized Run take(int floats) {
        if (floats < SMALL || floats > SLAB - CacheLines.FLOATS) {
            float[] own = new float[floats + CacheLines.FLOATS];
            return new Run(own, CacheLines.pad(own));
        }
        Slab slab =
                open.stream().filter(s -> s.next + floats <= SLAB).findFirst().orElse(null);
        if (slab == null) {
            slab = new Slab();
            open.add(slab);
        }
        Run run = new Run(slab.array, slab.next);
        // Whole lines a run, so the next one starts on a line too.
        slab.next += (floats + CacheLines.FLOATS - 1) / CacheLines.FLOATS * CacheLines.FLOATS;
        if (slab.next + SMALL > SLAB) open.remove(slab);
        return run;
    }
}
