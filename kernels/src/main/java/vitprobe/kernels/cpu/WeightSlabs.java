package vitprobe.kernels.cpu;

/**
 * Room for one backend's packed weights, each layer's starting on a cache line ({@link CacheLines}) and staying there.
 * Layers are cut from slabs of 32 MiB: G1 treats an array of more than half a region (regions are at most 32 MiB) as
 * humongous and does not move it in young or mixed collections, so a line boundary read when the slab was made still
 * holds. A layer in an array of its own was moved by the first young collection when smaller than half a region:
 * ViT-S/8's forward at batch 1 gained 5 % only once all of its layers were humongous.
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

    private float[] slab = {};
    private int next;

    /** A run of {@code floats} floats, zeroed, starting on a cache line. */
    synchronized Run take(int floats) {
        if (floats < SMALL || floats > SLAB - CacheLines.FLOATS) {
            float[] own = new float[floats + CacheLines.FLOATS];
            return new Run(own, CacheLines.pad(own));
        }
        if (next + floats > slab.length) {
            slab = new float[SLAB];
            next = CacheLines.pad(slab);
        }
        Run run = new Run(slab, next);
        // Whole lines a run, so the next one starts on a line too.
        next += (floats + CacheLines.FLOATS - 1) / CacheLines.FLOATS * CacheLines.FLOATS;
        return run;
    }
}
