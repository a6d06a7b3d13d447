package vitprobe.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import vitprobe.io.Json;

/**
 * A safetensors file, memory-mapped once. Tensors are zero-copy slices of the mapping; the mapping lives until
 * {@link #close()}. Opening validates the whole header with the rules of the reference implementation, so that
 * every later slice is known to be in bounds.
 */
public final class SafeTensors implements AutoCloseable {
    /** The reference implementation refuses headers above 100 MB; so do we. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private final Path file;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafeTensors(Path file, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.file = file;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafeTensors open(Path file) {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment all = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            SafeTensors st = parse(file, arena, all, size);
            return st;
        } catch (java.nio.channels.ClosedByInterruptException e) {
            arena.close();
            // The file is fine: the reading thread was interrupted (a cancelled task), and keeps its interrupt flag.
            throw new SafetensorsException(file, "not read: the thread was interrupted", e);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(file, FileErrors.reading(e), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafeTensors parse(Path file, Arena arena, MemorySegment all, long size) {
        if (size < 8)
            throw new SafetensorsException(
                    file, null, "file is " + size + " bytes, too small to hold the 8-byte header length");
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        // The header's JSON follows the length, so a file without that '{' (truncated ones keep it) is of another
        // format, named when its first bytes are those of a common one.
        Signature like = size > 8 && all.get(ValueLayout.JAVA_BYTE, 8) == '{' ? null : Signature.of(all, size);
        if (like != null)
            throw new SafetensorsException(file, null, "not a safetensors file (it starts like " + like.what + ")");
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw new SafetensorsException(
                    file,
                    null,
                    "not a safetensors file (its first 8 bytes give a header length of "
                            + Long.toUnsignedString(headerLen) + ", which exceeds the limit of " + MAX_HEADER_BYTES
                            + " bytes)");
        }
        if (8 + headerLen > size) {
            throw new SafetensorsException(
                    file,
                    null,
                    "header length " + headerLen + " runs past the end of the file (" + size
                            + " bytes): truncated file?");
        }
        byte[] headerBytes = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        String header;
        try {
            header = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(headerBytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, null, "header is not valid UTF-8");
        }
        if (!header.startsWith("{"))
            throw new SafetensorsException(file, null, "header does not start with '{': not a JSON object");
        Map<String, Object> json;
        try {
            json = Json.parseObject(header); // JSON whitespace (the writers' space padding) is skipped by the parser
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(file, null, "header is not valid JSON (" + e.getMessage() + ")");
        }
        long dataStart = 8 + headerLen;
        long dataLen = size - dataStart;
        MemorySegment dataSection = all.asSlice(dataStart, dataLen);

        Map<String, String> metadata = Map.of();
        record Entry(String name, DType dtype, long[] shape, long begin, long end) {}
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                metadata = readMetadata(file, e.getValue());
                continue;
            }
            if (!(e.getValue() instanceof Map<?, ?> info))
                throw new SafetensorsException(
                        file,
                        name,
                        "entry is " + Json.kind(e.getValue())
                                + ", expected an object with dtype, shape and data_offsets");
            Object dtypeName = info.get("dtype");
            DType dtype = dtypeName instanceof String s ? DType.byName(s) : null;
            if (dtype == null)
                throw new SafetensorsException(
                        file,
                        name,
                        "unknown dtype "
                                + (dtypeName instanceof String ? "\"" + dtypeName + "\"" : String.valueOf(dtypeName)));
            long[] shape = longList(file, name, "shape", info.get("shape"), -1);
            long[] offsets = longList(file, name, "data_offsets", info.get("data_offsets"), 2);
            for (Object key : info.keySet()) {
                if (!Set.of("dtype", "shape", "data_offsets").contains(key))
                    throw new SafetensorsException(file, name, "unexpected field \"" + key + "\"");
            }
            long begin = offsets[0], end = offsets[1];
            if (end < begin)
                throw new SafetensorsException(
                        file, name, "data_offsets [" + begin + ", " + end + "] end before they begin");
            if (end > dataLen)
                throw new SafetensorsException(
                        file,
                        name,
                        "data_offsets [" + begin + ", " + end + "] run past the data section (" + dataLen + " bytes)");
            long expected;
            try {
                expected = Math.multiplyExact(Tensor.product(shape), dtype.size());
            } catch (ArithmeticException ex) {
                throw new SafetensorsException(file, name, "shape " + java.util.Arrays.toString(shape) + " overflows");
            }
            if (end - begin != expected) {
                throw new SafetensorsException(
                        file,
                        name,
                        "shape " + java.util.Arrays.toString(shape) + " of " + dtype + " needs " + expected
                                + " bytes but data_offsets span " + (end - begin));
            }
            entries.add(new Entry(name, dtype, shape, begin, end));
        }
        // Tensors must tile the data section exactly: sorted by offset, no gaps, no overlaps, nothing left over.
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long cursor = 0;
        String previous = null;
        for (Entry en : byOffset) {
            if (en.begin < cursor)
                throw new SafetensorsException(
                        file, en.name, "data_offsets overlap those of tensor '" + previous + "'");
            if (en.begin > cursor)
                throw new SafetensorsException(
                        file,
                        en.name,
                        "data_offsets begin at " + en.begin + ", leaving a gap after byte " + cursor
                                + " of the data section");
            cursor = en.end;
            previous = en.name;
        }
        if (cursor != dataLen)
            throw new SafetensorsException(
                    file,
                    null,
                    "data section is " + dataLen + " bytes but the tensors cover " + cursor
                            + " (trailing or missing bytes)");

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            tensors.put(
                    en.name,
                    new Tensor(en.name, en.dtype, en.shape, dataSection.asSlice(en.begin, en.end - en.begin), file));
        }
        return new SafeTensors(file, arena, Collections.unmodifiableMap(tensors), metadata);
    }

    private static Map<String, String> readMetadata(Path file, Object value) {
        if (!(value instanceof Map<?, ?> m))
            throw new SafetensorsException(
                    file, null, "__metadata__ is " + Json.kind(value) + ", expected an object of strings");
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getValue() instanceof String s))
                throw new SafetensorsException(
                        file,
                        null,
                        "__metadata__ value for \"" + e.getKey() + "\" is " + Json.kind(e.getValue())
                                + ", expected a string");
            out.put((String) e.getKey(), s);
        }
        return Collections.unmodifiableMap(out);
    }

    private static long[] longList(Path file, String tensor, String field, Object value, int requiredLength) {
        if (!(value instanceof List<?> list))
            throw new SafetensorsException(
                    file,
                    tensor,
                    field + " is " + (value == null ? "missing" : Json.kind(value)) + ", expected a list of integers");
        if (requiredLength >= 0 && list.size() != requiredLength)
            throw new SafetensorsException(
                    file, tensor, field + " has " + list.size() + " entries, expected " + requiredLength);
        long[] out = new long[list.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(list.get(i) instanceof Long l) || l < 0)
                throw new SafetensorsException(
                        file, tensor, field + " entry " + list.get(i) + " is not a non-negative integer");
            out[i] = l;
        }
        return out;
    }

    public Path file() {
        return file;
    }

    /** Tensor names in header order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    /** The named tensor; a missing name is an error naming the file. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new SafetensorsException(file, name, "no such tensor");
        return t;
    }

    /** Releases the mapping; every tensor of this file is unusable afterwards. Closing again does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) arena.close();
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Formats mistaken for safetensors (an image, a PyTorch checkpoint), by their first bytes. */
    private enum Signature {
        JPEG("a JPEG image", 0xff, 0xd8, 0xff),
        PNG("a PNG image", 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'),
        ZIP("a zip archive, as PyTorch .pt / .pth files are", 'P', 'K', 3, 4),
        PICKLE_2("a Python pickle", 0x80, 2),
        PICKLE_3("a Python pickle", 0x80, 3),
        PICKLE_4("a Python pickle", 0x80, 4),
        PICKLE_5("a Python pickle", 0x80, 5),
        GZIP("a gzip file", 0x1f, 0x8b);

        final String what;
        private final int[] prefix;

        Signature(String what, int... prefix) {
            this.what = what;
            this.prefix = prefix;
        }

        static Signature of(MemorySegment all, long size) {
            for (Signature s : values()) if (s.starts(all, size)) return s;
            return null;
        }

        private boolean starts(MemorySegment all, long size) {
            if (size < prefix.length) return false;
            for (int i = 0; i < prefix.length; i++) {
                if ((all.get(ValueLayout.JAVA_BYTE, i) & 0xff) != prefix[i]) return false;
            }
            return true;
        }
    }
}
