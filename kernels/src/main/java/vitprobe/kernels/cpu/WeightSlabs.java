package vitprobe.kernels.cpu;

import java.lang.ref.WeakReference;
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

    /**
     * A slab with room left, held weakly: its layers hold it, so a slab whose layers are all gone (a model dropped
     * by a long-lived backend) is collected instead of kept for layers that may never come.
     */
    private static final class Slab {
        final WeakReference<float[]> array;
        int next;

        Slab(float[] array) {
            this.array = new WeakReference<>(array);
            next = CacheLines.pad(array);
        }
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
        open.removeIf(s -> s.array.get() == null);
        Slab slab = null;
        float[] array = null;
        for (Slab s : open) {
            float[] held = s.array.get();
            if (held != null && s.next + floats <= SLAB) {
                slab = s;
                array = held;
                break;
            }
        }
        if (slab == null) {
            array = new float[SLAB];
            slab = new Slab(array);
            open.add(slab);
        }
        Run run = new Run(array, slab.next);
        // Whole lines a run, so the next one starts on a line too.
        slab.next += (floats + CacheLines.FLOATS - 1) / CacheLines.FLOATS * CacheLines.FLOATS;
        if (slab.next + SMALL > SLAB) open.remove(slab);
        return run;
    }
}
