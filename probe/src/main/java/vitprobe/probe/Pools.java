package vitprobe.probe;

/** The negative pool of a concept, shared by both hyperplane trainers. */
final class Pools {
    private Pools() {
    }

    /**
     * The negatives of concept c, subsampled at random to at most ceil(ratio * positives) when ratio &gt; 0,
     * in random order. The draw depends only on seed and c.
     */
    static int[] negatives(ProbeData data, int c, int positives, double ratio, long seed) {
        int[] all = data.negatives(c);
        long cap = ratio > 0 ? (long) Math.ceil(ratio * positives) : all.length;
        return Draws.sample(all, (int) Math.min(cap, all.length), Draws.random(seed, Draws.NEGATIVE_POOL, c));
    }
}
