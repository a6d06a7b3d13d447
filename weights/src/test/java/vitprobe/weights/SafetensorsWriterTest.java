package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vitprobe.io.Json;
import vitprobe.testing.SharedFixtures;

/** Writer round trips, the reference writer's layout, atomic writes, and a strict independent reader in Python. */
class SafetensorsWriterTest {
    @TempDir
    Path dir;

    /** What a correct reader must find for one written tensor: float values, or integer values for integer dtypes. */
    record Expected(DType dtype, long[] shape, double[] floats, long[] ints) {}

    private static final float[] F32 = {0f, -1.5f, 3.25e-8f, Float.MAX_VALUE, -0f, 123456.79f};
    private static final float[] F16_IN = {0.5f, -2f, 65504f, 0x1p-24f, 0.1f, 1f / 3};
    /** IEEE half values worked out by hand: 0.1 is 0x2E66, 1/3 is 0x3555, 2^-24 the smallest subnormal. */
    private static final double[] F16_OUT = {0.5, -2, 65504, 0x1p-24, 0.0999755859375, 0.333251953125};

    private static final float[] BF16_IN = {1f, -2.5f, 1 + 0x1p-8f, 1 + 3 * 0x1p-8f, 0.1f};
    /** Round to nearest even: 1+2^-8 ties down to 1, 1+3*2^-8 ties up to 1+2^-6; 0.1 is 0x3DCD. */
    private static final double[] BF16_OUT = {1, -2.5, 1, 1.015625, 0.10009765625};

    private static final byte[] U8 = {0, 1, 127, (byte) 128, (byte) 255};
    private static final long[] I64 = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};

    private static final Map<String, String> METADATA = Map.of("format", "pt", "note", "caf\u00e9 \"quoted\"\n\ttab");

    /** A writer holding one tensor of every dtype we write, an empty tensor and a scalar, in a scrambled order. */
    private static SafetensorsWriter sampleWriter() {
        SafetensorsWriter w = new SafetensorsWriter();
        METADATA.forEach(w::metadata);
        return w.addU8("u8", new long[] {5}, U8)
                .addF16("f16", new long[] {2, 3}, F16_IN)
                .addF32("f32", new long[] {3, 2}, F32)
                .addBF16("bf16", new long[] {5}, BF16_IN)
                .addI64("i64", new long[] {2, 2}, I64)
                .addF32("empty", new long[] {4, 0}, new float[0])
                .addI64("scalar", new long[] {}, new long[] {42});
    }

    private static Map<String, Expected> sampleExpected() {
        Map<String, Expected> e = new LinkedHashMap<>();
        e.put("u8", new Expected(DType.U8, new long[] {5}, null, new long[] {0, 1, 127, 128, 255}));
        e.put("f16", new Expected(DType.F16, new long[] {2, 3}, F16_OUT, null));
        e.put("f32", new Expected(DType.F32, new long[] {3, 2}, toDoubles(F32), null));
        e.put("bf16", new Expected(DType.BF16, new long[] {5}, BF16_OUT, null));
        e.put("i64", new Expected(DType.I64, new long[] {2, 2}, null, I64));
        e.put("empty", new Expected(DType.F32, new long[] {4, 0}, new double[0], null));
        e.put("scalar", new Expected(DType.I64, new long[] {}, null, new long[] {42}));
        return e;
    }

    @Test
    void roundTripsEveryWrittenDtypeWithMetadataEmptyTensorsAndScalars() throws IOException {
        Path file = dir.resolve("sample.safetensors");
        sampleWriter().write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(METADATA, st.metadata());
            assertEquals(sampleExpected().keySet(), st.names());
            sampleExpected().forEach((name, expected) -> {
                Tensor t = st.tensor(name);
                assertEquals(expected.dtype(), t.dtype(), name);
                assertArrayEquals(expected.shape(), t.shape(), name);
                if (expected.floats() != null) assertArrayEquals(toFloats(expected.floats()), t.toFloatArray(), name);
                else assertArrayEquals(expected.ints(), t.toLongArray(), name);
            });
        }
    }

    @Test
    void roundsHalfPrecisionSpecialValues() throws IOException {
        float[] in = {70000f, Float.NaN, -0f, Float.NEGATIVE_INFINITY, Float.MAX_VALUE};
        Path file = dir.resolve("specials.safetensors");
        new SafetensorsWriter()
                .addF16("h", new long[] {5}, in)
                .addBF16("b", new long[] {5}, in)
                .write(file);
        try (SafeTensors st = SafeTensors.open(file)) {
            float[] half = {Float.POSITIVE_INFINITY, Float.NaN, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
            assertArrayEquals(half, st.tensor("h").toFloatArray(), "F16 overflows to infinity above 65520");
            float[] brain = {70144f, Float.NaN, -0f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};
            assertArrayEquals(
                    brain,
                    st.tensor("b").toFloatArray(),
                    "BF16 keeps 8 exponent bits, rounds MAX_VALUE up to infinity");
        }
    }

    @Test
    void headerIsCompactJsonPaddedWithSpacesToEightBytes() throws IOException {
        Path file = dir.resolve("sample.safetensors");
        sampleWriter().write(file);
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header length " + n);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        String json = header.stripTrailing();
        assertTrue(json.endsWith("}") && header.substring(json.length()).chars().allMatch(c -> c == ' '), header);
        assertTrue(header.length() - json.length() < 8, "at most 7 bytes of padding");
        assertEquals(json, Json.write(Json.parse(json)), "compact JSON, no spaces");
    }

    @Test
    void laysOutTensorsLikeTheReferenceWriter() throws IOException {
        // Largest dtype first (I64, F32, BF16, F16, U8), ties by name; so every tensor is aligned to its element size.
        Path file = dir.resolve("order.safetensors");
        new SafetensorsWriter()
                .metadata("format", "pt")
                .addU8("a", new long[] {3}, new byte[3])
                .addF32("b", new long[] {2}, new float[2])
                .addF16("h", new long[] {1}, new float[1])
                .addI64("c", new long[] {1}, new long[1])
                .addBF16("g", new long[] {1}, new float[1])
                .addF32("a2", new long[] {1}, new float[1])
                .write(file);
        String expected = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"c\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                + "\"a2\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
                + "\"g\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[20,22]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[22,24]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[24,27]}}";
        assertEquals(expected, headerText(file).stripTrailing());
    }

    @Test
    void omitsMetadataWhenThereIsNone() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        new SafetensorsWriter().addF32("x", new long[] {1}, new float[] {1}).write(file);
        assertEquals(
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                headerText(file).stripTrailing());
    }

    @Test
    void rewritingWhatWeReadReproducesTheFileByteForByte() throws IOException {
        Path first = dir.resolve("first.safetensors");
        sampleWriter().write(first);
        assertRewriteIsIdentical(first);
    }

    /** Files written by the Python package (via the Rust writer) come out byte-identical from ours. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                SharedFixtures.HF_VIT + "/model.safetensors",
                SharedFixtures.HF_VIT_MAE + "/model.safetensors",
                SharedFixtures.HF_VIT + "/reference.safetensors",
                "images/preprocess_oracle.safetensors"
            })
    void rewritingAPythonWrittenFixtureReproducesItByteForByte(String fixture) throws IOException {
        assertRewriteIsIdentical(SharedFixtures.resolve(fixture));
    }

    private void assertRewriteIsIdentical(Path original) throws IOException {
        Path copy = dir.resolve("rewritten.safetensors");
        try (SafeTensors st = SafeTensors.open(original)) {
            SafetensorsWriter w = new SafetensorsWriter();
            st.metadata().forEach(w::metadata);
            for (Tensor t : st.tensors().values()) w.add(t.name(), t.dtype(), t.shape(), t.data());
            w.write(copy);
        }
        assertEquals(-1, Files.mismatch(original, copy), "first differing byte");
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFiles() throws IOException {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter().addF32("x", new long[] {2}, new float[] {1, 2}).write(file);
        new SafetensorsWriter().addF32("y", new long[] {1}, new float[] {3}).write(file);
        assertEquals(List.of(file), listDir(), "only the target, overwritten in place");
        try (SafeTensors st = SafeTensors.open(file)) {
            assertEquals(List.of("y"), List.copyOf(st.names()));
        }

        // A failing rename (the target is a non-empty folder) must clean up the partial file as well.
        Path blocked = Files.createDirectories(dir.resolve("blocked.safetensors"));
        Files.writeString(blocked.resolve("keep"), "x");
        assertThrows(IOException.class, () -> new SafetensorsWriter()
                .addF32("x", new long[] {1}, new float[1])
                .write(blocked));
        assertEquals(List.of(blocked, file), listDir());
    }

    @Test
    void rejectsInconsistentTensors() {
        SafetensorsWriter w = new SafetensorsWriter().addF32("x", new long[] {1}, new float[1]);
        assertThrows(IllegalArgumentException.class, () -> w.addF32("x", new long[] {1}, new float[1]), "duplicate");
        assertThrows(
                IllegalArgumentException.class,
                () -> w.addF32("__metadata__", new long[] {1}, new float[1]),
                "reserved");
        assertThrows(
                IllegalArgumentException.class, () -> w.addF32("y", new long[] {2, 2}, new float[3]), "byte count");
        assertThrows(
                IllegalArgumentException.class,
                () -> w.add("z", DType.F32, new long[] {-1, 0}, MemorySegment.ofArray(new byte[0])),
                "negative dim");
    }

    /**
     * Our file, read by an independent strict reader: Debian's /usr/bin/python3 with numpy (a peer, not a dependency;
     * the python3 first on PATH is another installation). Skipped when either is missing.
     */
    @Test
    void pythonReadsOurFileWithStructJsonAndNumpy() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        Assumptions.assumeTrue(Files.isExecutable(python), "no /usr/bin/python3");
        Assumptions.assumeTrue(run(python, "-c", "import numpy").exitCode() == 0, "numpy missing for /usr/bin/python3");
        Path script = dir.resolve("read_safetensors.py");
        try (InputStream in = SafetensorsWriterTest.class.getResourceAsStream("read_safetensors.py")) {
            Files.copy(in, script);
        }
        Path file = dir.resolve("sample.safetensors");
        sampleWriter().write(file);

        Result r = run(python, script.toString(), file.toString());
        assertEquals(0, r.exitCode(), "python failed: " + r.stderr());
        Map<String, Object> out = Json.parseObject(r.stdout());
        assertEquals(METADATA, out.get("metadata"));
        Map<?, ?> tensors = (Map<?, ?>) out.get("tensors");
        assertEquals(sampleExpected().keySet(), tensors.keySet());
        sampleExpected().forEach((name, expected) -> {
            Map<?, ?> t = (Map<?, ?>) tensors.get(name);
            assertEquals(expected.dtype().name(), t.get("dtype"), name);
            assertEquals(Arrays.stream(expected.shape()).boxed().toList(), t.get("shape"), name);
            List<?> values = (List<?>) t.get("values");
            if (expected.floats() != null) {
                assertArrayEquals(
                        expected.floats(),
                        values.stream()
                                .mapToDouble(v -> ((Number) v).doubleValue())
                                .toArray(),
                        name);
            } else {
                assertArrayEquals(
                        expected.ints(),
                        values.stream().mapToLong(v -> (Long) v).toArray(),
                        name);
            }
        });
    }

    private record Result(int exitCode, String stdout, String stderr) {}

    /** Runs a command with output captured in files, so that a stuck process cannot block the test. */
    private Result run(Path program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(dir, "stdout", ".txt");
        Path stderr = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    private static String headerText(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int n = (int)
                ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(bytes, 8, n, StandardCharsets.UTF_8);
    }

    private List<Path> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
