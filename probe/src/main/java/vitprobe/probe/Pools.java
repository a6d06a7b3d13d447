package vitprobe.probe;

/** The training samples of a concept, shared by the trainers, with the errors for concepts that cannot train. */
final class Pools {
    private Pools() {}

    /** The positives of concept c; fails when there are none. */
    static int[] positives(ProbeData data, int c) {
        int[] positives = data.positives(c);
        if (positives.length == 0)
            throw new IllegalArgumentException("concept '" + data.concepts().get(c) + "' has no positive samples");
        return positives;
    }

    /**
     * The negatives of concept c, subsampled at random to at most ceil(ratio * positives) when ratio &gt; 0,
     * in random order; fails when there are none. The draw depends only on seed and c's draw key.
     */
    static int[] negatives(ProbeData data, int c, int positives, double ratio, long seed) {
        int[] all = data.negatives(c);
        if (all.length == 0)
            throw new IllegalArgumentException("concept '" + data.concepts().get(c) + "' has no negative samples");
        long cap = ratio > 0 ? (long) Math.ceil(ratio * positives) : all.length;
        return Draws.sample(
                all, (int) Math.min(cap, all.length), Draws.random(seed, Draws.NEGATIVE_POOL, data.drawKey(c)));
    }
}
