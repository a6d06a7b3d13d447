package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vitprobe.weights.RawFiles.entry;
import static vitprobe.weights.RawFiles.header;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reader's validation, mirroring the reference implementation's rules, on files built byte by byte. */
@Timeout(10)
class SafeTensorsValidationTest {
    @TempDir
    Path dir;

    /** A broken file, the tensor its error must name (null: none) and a phrase naming the broken rule. */
    record Malformed(String description, byte[] bytes, String tensor, String rule) {
        @Override
        public String toString() {
            return description;
        }
    }

    static Stream<Malformed> malformedFiles() {
        String a = entry("a", "F32", "[2]", 0, 8);
        return Stream.of(
                new Malformed("empty file", new byte[0], null, "too small"),
                new Malformed("shorter than the length field", new byte[5], null, "too small"),
                new Malformed(
                        "header length past the end of the file",
                        RawFiles.file(1000, header(a).getBytes(StandardCharsets.UTF_8), new byte[8]),
                        null,
                        "past the end of the file"),
                new Malformed(
                        "header length above 100 MB",
                        RawFiles.file(100_000_001L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
                        null,
                        "exceeds the limit of 100000000 bytes"),
                new Malformed(
                        "header length above 2^63 (negative as a signed long)",
                        RawFiles.file(-1L, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
                        null,
                        "exceeds the limit of 100000000 bytes"),
                new Malformed(
                        "header not UTF-8",
                        RawFiles.file(4, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}, new byte[0]),
                        null,
                        "not valid UTF-8"),
                new Malformed("header not JSON", RawFiles.file("{\"a\":{\"dtype\":", 0), null, "not valid JSON"),
                new Malformed("header a JSON array", RawFiles.file("[1,2]", 0), null, "not a JSON object"),
                new Malformed(
                        "padding that is not JSON whitespace (vertical tab)",
                        RawFiles.file("{}\u000b", 0),
                        null,
                        "not valid JSON"),
                new Malformed("padding with NUL bytes", RawFiles.file("{}\0\0", 0), null, "not valid JSON"),
                new Malformed(
                        "unknown dtype",
                        RawFiles.file(header(entry("w", "F17", "[2]", 0, 8)), 8),
                        "w",
                        "unknown dtype \"F17\""),
                new Malformed(
                        "dtype not a string",
                        RawFiles.file("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                        "w",
                        "unknown dtype"),
                new Malformed(
                        "byte length differs from shape x dtype size",
                        RawFiles.file(header(entry("w", "F32", "[3]", 0, 8)), 8),
                        "w",
                        "needs 12 bytes but data_offsets span 8"),
                new Malformed(
                        "data_offsets past the data section",
                        RawFiles.file(header(a), 4),
                        "a",
                        "past the data section"),
                new Malformed(
                        "data_offsets ending before they begin",
                        RawFiles.file(header(entry("w", "F32", "[0]", 8, 4)), 8),
                        "w",
                        "end before they begin"),
                new Malformed(
                        "data_offsets with three entries",
                        RawFiles.file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", 2),
                        "w",
                        "data_offsets has 3 entries"),
                new Malformed(
                        "data_offsets missing",
                        RawFiles.file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1),
                        "w",
                        "data_offsets is missing"),
                new Malformed(
                        "overlapping tensors",
                        RawFiles.file(header(a, entry("b", "F32", "[2]", 4, 12)), 12),
                        "b",
                        "overlap those of tensor 'a'"),
                new Malformed(
                        "gap between tensors",
                        RawFiles.file(header(entry("a", "F32", "[1]", 0, 4), entry("b", "F32", "[1]", 8, 12)), 12),
                        "b",
                        "gap"),
                new Malformed(
                        "data section not starting at offset 0",
                        RawFiles.file(header(entry("a", "F32", "[1]", 4, 8)), 8),
                        "a",
                        "gap"),
                new Malformed("trailing bytes after the last tensor", RawFiles.file(header(a), 12), null, "trailing"),
                new Malformed(
                        "negative shape entry",
                        RawFiles.file(header(entry("w", "F32", "[-1]", 0, 0)), 0),
                        "w",
                        "not a non-negative integer"),
                new Malformed(
                        "fractional shape entry",
                        RawFiles.file(header(entry("w", "F32", "[1.5]", 0, 4)), 4),
                        "w",
                        "not a non-negative integer"),
                new Malformed(
                        "shape entry a string",
                        RawFiles.file(header(entry("w", "F32", "[\"2\"]", 0, 8)), 8),
                        "w",
                        "not a non-negative integer"),
                new Malformed(
                        "shape not a list",
                        RawFiles.file(header(entry("w", "F32", "2", 0, 8)), 8),
                        "w",
                        "shape is a number"),
                new Malformed(
                        "shape whose byte size overflows",
                        RawFiles.file(header(entry("w", "F32", "[4294967296,4294967296]", 0, 8)), 8),
                        "w",
                        "overflows"),
                new Malformed("tensor entry not an object", RawFiles.file("{\"w\":3}", 0), "w", "entry is a number"),
                new Malformed(
                        "unexpected field in a tensor entry",
                        RawFiles.file("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],\"x\":1}}", 1),
                        "w",
                        "unexpected field \"x\""),
                new Malformed(
                        "metadata value not a string",
                        RawFiles.file("{\"__metadata__\":{\"format\":1}," + a + "}", 8),
                        null,
                        "__metadata__ value for \"format\" is a number"),
                new Malformed(
                        "metadata not an object",
                        RawFiles.file("{\"__metadata__\":[\"pt\"]}", 0),
                        null,
                        "__metadata__ is an array"),
                new Malformed(
                        "duplicate tensor names",
                        RawFiles.file(header(a, entry("a", "F32", "[2]", 8, 16)), 16),
                        null,
                        "duplicate key \"a\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void rejectsMalformedFile(Malformed c) {
        Path file = RawFiles.write(dir, "broken.safetensors", c.bytes());
        SafetensorsException e = assertThrows(
                SafetensorsException.class, () -> SafeTensors.open(file).close());
        String message = e.getMessage();
        assertAll(
                () -> assertTrue(message.startsWith(file + ": "), "names the file: " + message),
                () -> assertTrue(
                        c.tensor() == null || message.contains("tensor '" + c.tensor() + "'"),
                        "names the tensor: " + message),
                () -> assertTrue(message.contains(c.rule()), "names the rule '" + c.rule() + "': " + message));
    }

    /** Files of other formats given as a model or templates: named by their first bytes, not by a header length. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("otherFormats")
    void aFileOfAnotherFormatIsNamedAsSuch(String name, byte[] bytes, String like) {
        Path file = RawFiles.write(dir, name, bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafeTensors.open(file));
        assertEquals(file + ": not a safetensors file (" + like + ")", e.getMessage());
    }

    static Stream<Arguments> otherFormats() {
        byte[] gzipWithoutTime = new byte[600_000]; // its length field, 560927, fits in the file
        gzipWithoutTime[0] = 0x1f;
        gzipWithoutTime[1] = (byte) 0x8b;
        gzipWithoutTime[2] = 8;
        return Stream.of(
                Arguments.of(
                        "x.jpg",
                        bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0),
                        "it starts like a JPEG image"),
                Arguments.of(
                        "x.png",
                        bytes(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13),
                        "it starts like a PNG image"),
                Arguments.of(
                        "model.pth",
                        bytes('P', 'K', 3, 4, 0, 0, 0, 0, 8, 0, 0, 0),
                        "it starts like a zip archive, as PyTorch .pt / .pth files are"),
                Arguments.of(
                        "model.pkl",
                        bytes(0x80, 4, 0x95, 5, 0, 0, 0, 0, 0, 0, 0, '}'),
                        "it starts like a Python pickle"),
                Arguments.of(
                        "x.gz", bytes(0x1f, 0x8b, 8, 0, 0x12, 0x34, 0x56, 0x78, 0, 3), "it starts like a gzip file"),
                Arguments.of("timeless.gz", gzipWithoutTime, "it starts like a gzip file"),
                Arguments.of(
                        "notes.txt",
                        "# notes\nnothing here\n".getBytes(StandardCharsets.UTF_8),
                        "its first 8 bytes give a header length of 753057113461104675, which exceeds the limit of"
                                + " 100000000 bytes"));
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) values[i];
        return b;
    }

    @Test
    void aTruncatedSafetensorsFileIsNotTakenForAnotherFormat() {
        // A header of 640 bytes begins like a pickle (0x80 0x02) but, unlike one, goes on with '{'.
        byte[] bytes = new byte[100];
        bytes[0] = (byte) 0x80;
        bytes[1] = 2;
        bytes[8] = '{';
        Path file = RawFiles.write(dir, "cut.safetensors", bytes);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafeTensors.open(file));
        assertEquals(
                file + ": header length 640 runs past the end of the file (100 bytes): truncated file?",
                e.getMessage());
    }

    @Test
    void missingFileIsASafetensorsException() {
        Path file = dir.resolve("absent.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafeTensors.open(file));
        assertEquals(file + ": no such file", e.getMessage());
    }

    @Test
    void readsValidFileWithSpacePaddingAndZeroCopyViews() {
        String h = header(entry("a", "F32", "[2]", 0, 8), entry("b", "U8", "[3]", 8, 11));
        byte[] data = ByteBuffer.allocate(11)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1.5f)
                .putFloat(-2f)
                .put(new byte[] {7, 0, (byte) 255})
                .array();
        Path file = RawFiles.write(dir, "ok.safetensors", RawFiles.file(padded(h), data));
        Tensor a;
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("a", "b"), List.copyOf(st.names()));
            a = st.tensor("a");
            assertArrayEquals(new float[] {1.5f, -2f}, a.toFloatArray());
            assertArrayEquals(new long[] {7, 0, 255}, st.tensor("b").toLongArray());
            assertTrue(a.data().isMapped() && a.data().isReadOnly(), "a read-only slice of the file mapping");
            SafetensorsException missing = assertThrows(SafetensorsException.class, () -> st.tensor("c"));
            assertEquals(file + ": tensor 'c': no such tensor", missing.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> a.getFloat(0), "the mapping is released by close()");
    }

    @Test
    void acceptsHeaderEntriesInAnyOrderAndZeroSizedTensors() {
        // The reference reader sorts entries by offsets; header order need not follow the data order.
        String h = header(
                entry("late", "U8", "[2]", 4, 6),
                entry("empty", "F32", "[0,3]", 4, 4),
                entry("early", "F32", "[1]", 0, 4));
        byte[] data = {0, 0, (byte) 0x80, 0x3f, 5, 6};
        Path file = RawFiles.write(dir, "order.safetensors", RawFiles.file(padded(h), data));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("late", "empty", "early"), List.copyOf(st.names()), "header order is kept");
            assertEquals(1f, st.tensor("early").getFloat(0));
            assertArrayEquals(new long[] {5, 6}, st.tensor("late").toLongArray());
            assertEquals(0, st.tensor("empty").elementCount());
            assertArrayEquals(new long[] {0, 3}, st.tensor("empty").shape());
        }
    }

    @Test
    void readsEmptyHeaderAndMetadata() {
        Path empty = RawFiles.write(dir, "empty.safetensors", RawFiles.file(padded("{}"), new byte[0]));
        try (SafeTensors st = SafeTensors.open(empty)) {
            assertTrue(st.names().isEmpty());
            assertEquals(Map.of(), st.metadata());
        }
        String h =
                "{\"__metadata__\":{\"format\":\"pt\",\"note\":\"caf\\u00e9\"}," + entry("s", "I64", "[]", 0, 8) + "}";
        byte[] data = RawFiles.le64(-3);
        Path file = RawFiles.write(dir, "meta.safetensors", RawFiles.file(padded(h), data));
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(Map.of("format", "pt", "note", "café"), st.metadata());
            assertEquals(List.of("s"), List.copyOf(st.names()), "__metadata__ is not a tensor");
            assertEquals(0, st.tensor("s").rank());
            assertEquals(-3, st.tensor("s").getLong(0));
        }
    }

    /** The header's UTF-8 bytes padded with spaces to a multiple of 8, as the reference writer does. */
    private static byte[] padded(String header) {
        StringBuilder sb = new StringBuilder(header);
        while (sb.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) sb.append(' ');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
