package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The word-at-a-time scan finds the first NaN or infinity wherever it sits: in a block, at its end, in the tail. */
class NonFiniteScanTest {
    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "BF16", "F64"})
    void findsTheFirstNonFiniteElement(String name) {
        DType dtype = DType.valueOf(name);
        for (int length : new int[] {1, 3, 7, 1025, 2051, 4100}) {
            assertEquals(-1, tensor(dtype, length, -1, 0).indexOfNonFinite(), "all finite, length " + length);
            int[] positions = {0, length / 2, length - 1, Math.min(length - 1, 1023), Math.min(length - 1, 2048)};
            for (int at : positions) {
                for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    long found = tensor(dtype, length, at, bad).indexOfNonFinite();
                    assertEquals(at, found, bad + " at " + at + " of " + length);
                }
            }
        }
    }

    /** Values up to the largest finite number of the dtype, with {@code bad} at index {@code at} (none if -1). */
    private static Tensor tensor(DType dtype, int length, int at, float bad) {
        MemorySegment data = MemorySegment.ofArray(new byte[length * dtype.size()]);
        float largest =
                switch (dtype) {
                    case F16 -> 65504f;
                    case BF16 -> Float.intBitsToFloat(0x7f7f0000);
                    default -> Float.MAX_VALUE;
                };
        for (int i = 0; i < length; i++) {
            float v = i == at ? bad : (i % 2 == 0 ? largest : -largest) / 2 * (i % 3);
            switch (dtype) {
                case F32 -> data.setAtIndex(Tensor.F32, i, v);
                case F16 -> data.setAtIndex(Tensor.I16, i, Float.floatToFloat16(v));
                case BF16 -> data.setAtIndex(Tensor.I16, i, (short) (Float.floatToRawIntBits(v) >>> 16));
                default -> data.setAtIndex(Tensor.F64, i, v);
            }
        }
        return new Tensor("t", dtype, new long[] {length}, data);
    }
}
