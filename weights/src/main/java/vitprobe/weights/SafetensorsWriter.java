package vitprobe.weights;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;

/**
 * Builds a safetensors file that the Python {@code safetensors} package loads: little-endian data, header padded
 * with spaces to a multiple of 8 bytes, tensors laid out back to back in the reference writer's order (largest
 * dtype first, then by name), so that every tensor's data is aligned to its element size. {@link #write} is
 * atomic: the file appears complete under its name or not at all.
 */
public final class SafetensorsWriter {
    private record Entry(String name, DType dtype, long[] shape, MemorySegment bytes) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter add(String name, DType dtype, long[] shape, MemorySegment bytes) {
        if (name.equals("__metadata__")) throw new IllegalArgumentException("'__metadata__' is reserved");
        for (Entry e : entries)
            if (e.name.equals(name)) throw new IllegalArgumentException("duplicate tensor '" + name + "'");
        for (long s : shape)
            if (s < 0)
                throw new IllegalArgumentException(
                        "tensor '" + name + "': negative dimension in shape " + java.util.Arrays.toString(shape));
        long expected = Math.multiplyExact(Tensor.product(shape), dtype.size());
        if (bytes.byteSize() != expected) {
            throw new IllegalArgumentException("tensor '" + name + "': " + bytes.byteSize() + " bytes for shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " (expected " + expected + ")");
        }
        entries.add(new Entry(name, dtype, shape.clone(), bytes));
        return this;
    }

    public SafetensorsWriter addF32(String name, long[] shape, float[] data) {
        MemorySegment seg = MemorySegment.ofArray(new byte[data.length * 4]);
        MemorySegment.copy(data, 0, seg, Tensor.F32, 0, data.length);
        return add(name, DType.F32, shape, seg);
    }

    /** Stores float data rounded to IEEE half precision (round to nearest even). */
    public SafetensorsWriter addF16(String name, long[] shape, float[] data) {
        MemorySegment seg = MemorySegment.ofArray(new byte[data.length * 2]);
        for (int i = 0; i < data.length; i++) seg.set(Tensor.I16, 2L * i, Float.floatToFloat16(data[i]));
        return add(name, DType.F16, shape, seg);
    }

    /** Stores float data rounded to bfloat16 (round to nearest even). */
    public SafetensorsWriter addBF16(String name, long[] shape, float[] data) {
        MemorySegment seg = MemorySegment.ofArray(new byte[data.length * 2]);
        for (int i = 0; i < data.length; i++) seg.set(Tensor.I16, 2L * i, toBFloat16(data[i]));
        return add(name, DType.BF16, shape, seg);
    }

    public SafetensorsWriter addU8(String name, long[] shape, byte[] data) {
        return add(name, DType.U8, shape, MemorySegment.ofArray(data.clone()));
    }

    public SafetensorsWriter addI32(String name, long[] shape, int[] data) {
        MemorySegment seg = MemorySegment.ofArray(new byte[data.length * 4]);
        MemorySegment.copy(data, 0, seg, Tensor.I32, 0, data.length);
        return add(name, DType.I32, shape, seg);
    }

    public SafetensorsWriter addI64(String name, long[] shape, long[] data) {
        MemorySegment seg = MemorySegment.ofArray(new byte[data.length * 8]);
        MemorySegment.copy(data, 0, seg, Tensor.I64, 0, data.length);
        return add(name, DType.I64, shape, seg);
    }

    static short toBFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** The dtypes in the order of the reference implementation's {@code Dtype} enum (increasing alignment). */
    private static final List<DType> REFERENCE_DTYPE_ORDER = List.of(
            DType.BOOL,
            DType.U8,
            DType.I8,
            DType.F8_E5M2,
            DType.F8_E4M3,
            DType.I16,
            DType.U16,
            DType.F16,
            DType.BF16,
            DType.I32,
            DType.U32,
            DType.F32,
            DType.F64,
            DType.I64,
            DType.U64);

    /** The reference writer's data order: descending dtype (as ordered above), then name by UTF-8 bytes. */
    private List<Entry> layoutOrder() {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingInt((Entry e) -> -REFERENCE_DTYPE_ORDER.indexOf(e.dtype))
                .thenComparing(e -> e.name.getBytes(StandardCharsets.UTF_8), java.util.Arrays::compareUnsigned));
        return sorted;
    }

    /** The header JSON, padded with spaces to a multiple of 8 bytes. */
    byte[] header() {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) header.put("__metadata__", metadata);
        long offset = 0;
        for (Entry e : layoutOrder()) {
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", e.dtype.name());
            List<Long> shape = new ArrayList<>();
            for (long s : e.shape) shape.add(s);
            info.put("shape", shape);
            info.put("data_offsets", List.of(offset, offset + e.bytes.byteSize()));
            offset += e.bytes.byteSize();
            header.put(e.name, info);
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        java.util.Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Writes the file atomically: complete under its name or not at all. */
    public void write(Path file) throws IOException {
        AtomicFiles.write(file, ch -> {
            byte[] header = header();
            AtomicFiles.writeFully(
                    ch, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
            AtomicFiles.writeFully(ch, ByteBuffer.wrap(header));
            for (Entry e : layoutOrder()) {
                // Chunked so that segments larger than 2 GiB and off-heap segments both work.
                long size = e.bytes.byteSize();
                for (long pos = 0; pos < size; pos += 1 << 24) {
                    long n = Math.min(1 << 24, size - pos);
                    AtomicFiles.writeFully(
                            ch, ByteBuffer.wrap(e.bytes.asSlice(pos, n).toArray(ValueLayout.JAVA_BYTE)));
                }
            }
        });
    }
}
