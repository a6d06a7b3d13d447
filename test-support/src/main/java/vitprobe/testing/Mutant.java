package vitprobe.testing;

import java.util.Arrays;
import java.util.Random;

/**
 * A mutated copy of a valid file for the fuzz tests, with what was done to it (printed when a case fails). The
 * format-blind mutations live here; each fuzz test adds those that know its format.
 */
public record Mutant(byte[] bytes, String mutation) {
    /** 1 to {@code maxFlips} random bits flipped in {@code b} (changed in place). */
    public static Mutant bitFlips(byte[] b, Random random, int maxFlips) {
        int flips = 1 + random.nextInt(maxFlips);
        for (int k = 0; k < flips; k++) b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
        return new Mutant(b, flips + " bit flips");
    }

    /** One random byte of {@code b} set to a random value (changed in place). */
    public static Mutant byteSet(byte[] b, Random random) {
        int at = random.nextInt(b.length);
        b[at] = (byte) random.nextInt(256);
        return new Mutant(b, "byte " + at + " set to " + (b[at] & 0xff));
    }

    /** A random prefix of {@code b}. */
    public static Mutant truncated(byte[] b, Random random) {
        int length = random.nextInt(b.length);
        return new Mutant(Arrays.copyOf(b, length), "truncated to " + length + " bytes");
    }
}
