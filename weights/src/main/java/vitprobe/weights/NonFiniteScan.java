package vitprobe.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Finds NaN and infinite values in float tensors without converting them. A float is non-finite exactly when its
 * exponent bits are all ones; masking those bits and adding one at the lowest of them then carries into the (masked,
 * so zero) sign bit. Done on 64-bit words holding 2 F32 or 4 F16/BF16 lanes at once, no carry crosses a lane, and
 * OR-ing the results over a block of words leaves one test per block. Only a block with a hit is searched element
 * by element. F64 is checked by conversion, since a finite double can overflow float32.
 */
final class NonFiniteScan {
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK_WORDS = 512;

    /** Exponent bits, the lowest exponent bit and the sign bit of every lane of a 64-bit word. */
    private record Lanes(long exponent, long lowestExponentBit, long sign) {}

    private static final Lanes F32 = new Lanes(0x7f8000007f800000L, 0x0080000000800000L, 0x8000000080000000L);
    private static final Lanes F16 = new Lanes(0x7c007c007c007c00L, 0x0400040004000400L, 0x8000800080008000L);
    private static final Lanes BF16 = new Lanes(0x7f807f807f807f80L, 0x0080008000800080L, 0x8000800080008000L);

    private NonFiniteScan() {}

    /** The index of the first element that is NaN or infinite as float32, or -1. */
    static long firstIndex(Tensor t) {
        if (!t.dtype().isFloatingPoint()) return -1;
        Lanes lanes =
                switch (t.dtype()) {
                    case F32 -> F32;
                    case F16 -> F16;
                    case BF16 -> BF16;
                    default -> null; // F64 goes element by element
                };
        MemorySegment data = t.data();
        long words = lanes == null ? 0 : data.byteSize() / Long.BYTES;
        int perWord = Long.BYTES / t.dtype().size();
        for (long from = 0; from < words; from += BLOCK_WORDS) {
            long to = Math.min(words, from + BLOCK_WORDS), carries = 0;
            for (long w = from; w < to; w++) {
                carries |= (data.getAtIndex(WORD, w) & lanes.exponent) + lanes.lowestExponentBit;
            }
            if ((carries & lanes.sign) != 0) return firstOneByOne(t, from * perWord, to * perWord);
        }
        return firstOneByOne(t, words * perWord, t.elementCount());
    }

    private static long firstOneByOne(Tensor t, long from, long to) {
        for (long i = from; i < to; i++) if (!Float.isFinite(t.getFloat(i))) return i;
        return -1;
    }
}
