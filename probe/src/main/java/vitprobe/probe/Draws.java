package vitprobe.probe;

import java.util.SplittableRandom;

/**
 * Random draws that depend only on the seed and what they are for (purpose, concept, trial), never on thread
 * scheduling, so runs repeat exactly and tests can redo any single draw.
 */
final class Draws {
    /** Purposes, so that e.g. test-set and support draws for the same concept are independent. */
    static final long TEST_SET = 1, NEGATIVE_POOL = 2, MINING = 3, SUPPORT = 4;

    private Draws() {}

    /** A generator for one purpose and its keys (concept, trial, ...). */
    static SplittableRandom random(long seed, long purpose, long... keys) {
        long h = mix(seed ^ mix(purpose));
        for (long k : keys) h = mix(h ^ mix(k + 0x632BE59BD9B4E019L));
        return new SplittableRandom(h);
    }

    /** SplitMix64's finaliser: a bijective scramble of 64 bits. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** k distinct elements of values in random order (all of them, shuffled, when k exceeds the count). */
    static int[] sample(int[] values, int k, SplittableRandom random) {
        int[] a = values.clone();
        int n = Math.min(k, a.length);
        for (int i = 0; i < n; i++) {
            int j = i + random.nextInt(a.length - i);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return java.util.Arrays.copyOf(a, n);
    }
}
