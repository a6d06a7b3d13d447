package vitprobe.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A typed, zero-copy view of one tensor: a slice of the memory-mapped file (or of any memory segment).
 * Conversions to Java arrays copy; element access reads the mapping directly. {@code file} is the file it was read
 * from (null for one made in memory): a read after that file was closed fails naming it.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data, Path file) {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A tensor of no file. */
    public Tensor(String name, DType dtype, long[] shape, MemorySegment data) {
        this(name, dtype, shape, data, null);
    }

    /** An F32 tensor holding a copy of {@code values} (row-major, {@code shape}'s element count long). */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        if (product(shape) != values.length) {
            throw new IllegalArgumentException(
                    name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        MemorySegment data = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, Float.BYTES)]);
        MemorySegment.copy(values, 0, data, F32, 0, values.length);
        return new Tensor(name, DType.F32, shape, data);
    }

    public long elementCount() {
        return product(shape);
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    public static long product(long[] shape) {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** Element i converted to float; works for every floating-point dtype and the integer ones. */
    public float getFloat(long i) {
        requireOpen();
        return switch (dtype) {
            case F32 -> data.get(F32, i * 4);
            case F16 -> Float.float16ToFloat(data.get(I16, i * 2));
            case BF16 -> Float.intBitsToFloat((data.get(I16, i * 2) & 0xffff) << 16);
            case F64 -> (float) data.get(F64, i * 8);
            default -> (float) getLong(i);
        };
    }

    /** Element i of an integer or boolean tensor. */
    public long getLong(long i) {
        requireOpen();
        return switch (dtype) {
            case I64, U64 -> data.get(I64, i * 8);
            case I32 -> data.get(I32, i * 4);
            case U32 -> data.get(I32, i * 4) & 0xffffffffL;
            case I16 -> data.get(I16, i * 2);
            case U16 -> data.get(I16, i * 2) & 0xffff;
            case I8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case U8, BOOL -> data.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            default ->
                throw new IllegalStateException("tensor '" + name + "' has dtype " + dtype + ", not an integer type");
        };
    }

    /** The index of the first element that is NaN or infinite as float32, or -1 (always -1 for integer types). */
    public long indexOfNonFinite() {
        requireOpen();
        return NonFiniteScan.firstIndex(this);
    }

    /** All elements as float32, converting F16/BF16/F64 exactly where float32 can hold them. */
    public float[] toFloatArray() {
        requireOpen();
        int n = Math.toIntExact(elementCount());
        float[] out = new float[n];
        if (dtype == DType.F32) {
            MemorySegment.copy(data, F32, 0, out, 0, n);
        } else if (dtype == DType.F16 || dtype == DType.BF16) {
            short[] raw = new short[n];
            MemorySegment.copy(data, I16, 0, raw, 0, n);
            if (dtype == DType.F16) {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(raw[i]);
            } else {
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((raw[i] & 0xffff) << 16);
            }
        } else {
            for (int i = 0; i < n; i++) out[i] = getFloat(i);
        }
        return out;
    }

    /** All elements of an integer tensor as longs. */
    public long[] toLongArray() {
        requireOpen();
        int n = Math.toIntExact(elementCount());
        long[] out = new long[n];
        if (dtype == DType.I64) {
            MemorySegment.copy(data, I64, 0, out, 0, n);
        } else {
            for (int i = 0; i < n; i++) out[i] = getLong(i);
        }
        return out;
    }

    /** All elements of an I32 tensor. */
    public int[] toIntArray() {
        requireOpen();
        if (dtype != DType.I32) throw new IllegalStateException(name + " is " + dtype + ", not I32");
        int[] out = new int[Math.toIntExact(elementCount())];
        MemorySegment.copy(data, I32, 0, out, 0, out.length);
        return out;
    }

    /** The raw bytes (for U8/BOOL tensors: one element per byte). */
    public byte[] toByteArray() {
        requireOpen();
        return data.toArray(ValueLayout.JAVA_BYTE);
    }

    /** The mapping's own error ("Already closed") names neither the file nor the tensor. */
    private void requireOpen() {
        if (!data.scope().isAlive())
            throw new IllegalStateException(
                    (file == null ? "" : file + ": ") + "tensor '" + name + "' read after its file was closed");
    }
}
