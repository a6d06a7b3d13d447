package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import vitprobe.io.Json;
import vitprobe.testing.SharedFixtures;

/** The reader on the oracle fixtures written by the Python libraries: names, shapes, dtypes, metadata, values. */
class SafeTensorsFixturesTest {
    private static final List<String> REFERENCE_NAMES = List.of("input", "k", "q", "v", "x", "y", "y_norm");
    private static final List<String> IMAGES = List.of("astronaut", "camera", "chelsea", "coffee");

    @Test
    void opensEveryFixtureFileAndReadsEveryTensor() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(SharedFixtures.resolve(""))) {
            files = walk.filter(p -> p.toString().endsWith(".safetensors"))
                    .sorted()
                    .toList();
        }
        assertEquals(9, files.size(), "model + reference for 4 checkpoints, and the preprocessing oracle: " + files);
        for (Path file : files) {
            try (SafeTensors st = SafeTensors.open(file)) {
                assertTrue(!st.names().isEmpty(), file.toString());
                long bytes = 0;
                for (Tensor t : st.tensors().values()) {
                    bytes += t.data().byteSize();
                    if (t.dtype().isFloatingPoint()) assertEquals(t.elementCount(), t.toFloatArray().length, t.name());
                    else assertEquals(t.elementCount(), t.toLongArray().length, t.name());
                }
                assertEquals(
                        Files.size(file), 8 + headerLength(file) + bytes, file + ": tensors tile the data section");
            }
        }
    }

    @ParameterizedTest
    @FieldSource("vitprobe.weights.Fixtures#MODELS")
    void readsModelFile(Fixtures.Model m) {
        try (SafeTensors st = SafeTensors.open(SharedFixtures.resolve(m.folder() + "/model.safetensors"))) {
            assertEquals(m.tensorCount(), st.names().size());
            assertEquals(m.metadata(), st.metadata());
            for (Tensor t : st.tensors().values()) assertEquals(m.dtype(), t.dtype(), t.name());
            String patch = m.format() == CheckpointFormat.TIMM
                    ? "patch_embed.proj.weight"
                    : (m.format() == CheckpointFormat.HF_VIT_MAE ? "vit." : "")
                            + "embeddings.patch_embeddings.projection.weight";
            assertArrayEquals(
                    new long[] {m.dim(), 3, m.patch(), m.patch()},
                    st.tensor(patch).shape());
        }
    }

    @ParameterizedTest
    @FieldSource("vitprobe.weights.Fixtures#MODELS")
    void readsReferenceFile(Fixtures.Model m) {
        try (SafeTensors st = SafeTensors.open(SharedFixtures.resolve(m.folder() + "/reference.safetensors"))) {
            int batch = m.images().size();
            assertEquals(REFERENCE_NAMES, List.copyOf(st.names()));
            assertEquals(String.join(",", m.images()), st.metadata().get("images"));
            assertAll(st.tensors().values().stream().map(t -> () -> {
                assertEquals(DType.F32, t.dtype(), t.name());
                long[] shape = t.name().equals("input")
                        ? new long[] {batch, 3, 224, 224}
                        : new long[] {batch, m.tokens(), m.dim()};
                assertArrayEquals(shape, t.shape(), t.name());
            }));
        }
    }

    @Test
    void readsReferenceMetadata() {
        try (SafeTensors dino =
                        SafeTensors.open(SharedFixtures.resolve(SharedFixtures.TIMM_DINO + "/reference.safetensors"));
                SafeTensors mae =
                        SafeTensors.open(SharedFixtures.resolve(SharedFixtures.TIMM_MAE + "/reference.safetensors"));
                SafeTensors hf =
                        SafeTensors.open(SharedFixtures.resolve(SharedFixtures.HF_VIT + "/reference.safetensors"))) {
            assertEquals(
                    "timm 1.0.29 vit_small_patch8_224.dino", dino.metadata().get("source"));
            assertEquals("2", dino.metadata().get("depth"));
            assertEquals("torch.float32", dino.metadata().get("weights_dtype"));
            assertEquals("torch.float16", mae.metadata().get("weights_dtype"));
            assertEquals("1e-06", hf.metadata().get("layer_norm_eps"));
        }
    }

    @Test
    void readsPreprocessingOracle() {
        Map<String, long[]> decoded = Map.of(
                "astronaut",
                new long[] {512, 512, 3},
                "camera",
                new long[] {512, 512, 3},
                "chelsea",
                new long[] {300, 451, 3},
                "coffee",
                new long[] {400, 600, 3});
        try (SafeTensors st = SafeTensors.open(SharedFixtures.resolve("images/preprocess_oracle.safetensors"))) {
            assertEquals(12, st.names().size());
            assertEquals("[0.485, 0.456, 0.406]", st.metadata().get("mean"));
            for (String image : IMAGES) {
                Tensor raw = st.tensor("decoded_" + image);
                assertEquals(DType.U8, raw.dtype());
                assertArrayEquals(decoded.get(image), raw.shape(), image);
                assertEquals(DType.U8, st.tensor("resized_cropped_" + image).dtype());
                assertArrayEquals(
                        new long[] {224, 224, 3},
                        st.tensor("resized_cropped_" + image).shape());
                assertArrayEquals(
                        new long[] {3, 224, 224}, st.tensor("input_" + image).shape());
                long[] pixels = raw.toLongArray();
                assertTrue(
                        Arrays.stream(pixels).allMatch(p -> p >= 0 && p <= 255)
                                && Arrays.stream(pixels).anyMatch(p -> p > 127),
                        image + ": U8 reads as unsigned bytes");
            }
        }
    }

    /** The F16 MAE weights, decoded by the reader and by hand from the raw bits, must agree exactly. */
    @Test
    void decodesFloat16LikeAnIndependentBitLevelDecoder() throws IOException {
        Path file = SharedFixtures.resolve(SharedFixtures.TIMM_MAE + "/model.safetensors");
        for (String name : List.of("pos_embed", "blocks.0.norm1.weight", "blocks.0.attn.qkv.bias")) {
            short[] raw = rawHalves(file, name);
            try (SafeTensors st = SafeTensors.open(file)) {
                Tensor t = st.tensor(name);
                float[] all = t.toFloatArray();
                assertEquals(raw.length, all.length, name);
                for (int i = 0; i < raw.length; i++) {
                    double expected = halfToDouble(raw[i]);
                    assertEquals(expected, all[i], 0, name + "[" + i + "]");
                    assertEquals(expected, t.getFloat(i), 0, name + "[" + i + "]");
                }
                assertTrue(
                        IntStream.range(0, raw.length)
                                        .map(i -> raw[i])
                                        .distinct()
                                        .count()
                                > raw.length / 10,
                        name + " has varied values");
            }
        }
    }

    @Test
    void bitLevelDecoderAgreesWithKnownHalves() {
        assertEquals(1.0, halfToDouble((short) 0x3C00));
        assertEquals(-2.0, halfToDouble((short) 0xC000));
        assertEquals(65504.0, halfToDouble((short) 0x7BFF));
        assertEquals(0x1p-24, halfToDouble((short) 0x0001));
        assertEquals(0.333251953125, halfToDouble((short) 0x3555));
        assertEquals(Double.NEGATIVE_INFINITY, halfToDouble((short) 0xFC00));
    }

    /** IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. */
    static double halfToDouble(short bits) {
        int sign = (bits >> 15) & 1, exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
        double magnitude;
        if (exponent == 0) magnitude = Math.scalb((double) mantissa, -24);
        else if (exponent == 31) magnitude = mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        else magnitude = Math.scalb((double) (1024 + mantissa), exponent - 25);
        return sign == 1 ? -magnitude : magnitude;
    }

    private static long headerLength(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            return len.getLong(0);
        }
    }

    /** A tensor's raw 16-bit words, located from the header without the reader under test. */
    private static short[] rawHalves(Path file, String name) throws IOException {
        int n = (int) headerLength(file);
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer header = ByteBuffer.allocate(n);
            ch.read(header, 8);
            Map<?, ?> info = (Map<?, ?>) Json.parseObject(new String(header.array(), StandardCharsets.UTF_8))
                    .get(name);
            assertEquals("F16", info.get("dtype"));
            List<?> offsets = (List<?>) info.get("data_offsets");
            long begin = (Long) offsets.get(0), end = (Long) offsets.get(1);
            ByteBuffer data = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
            while (data.hasRemaining()) ch.read(data, 8 + n + begin + data.position());
            short[] out = new short[data.capacity() / 2];
            data.flip().asShortBuffer().get(out);
            return out;
        }
    }
}
