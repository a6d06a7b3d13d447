package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;

class InspectCommandTest {
    @TempDir
    Path dir;

    @Test
    void reportsBundledHuggingFaceFixture() throws Exception {
        Path model = Path.of(InspectCommandTest.class
                .getResource("/fixtures/hf-vitmae-pretraining-format-small")
                .toURI());
        CliRunner r = CliRunner.run("inspect", model.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("hf_vit_mae"), r.out());
        assertTrue(r.out().matches("(?s).*dim\\s+96.*depth\\s+2.*heads\\s+3 .*patch size\\s+16 .*"), r.out());
        assertTrue(r.out().contains("F32"), r.out());
    }

    /**
     * The crop applied is shown, and a different one that timm's config states is said not to be applied (DINO's
     * config states 0.9; vitprobe crops 224 of 256, as DINO and MAE evaluate).
     */
    @Test
    void theCropIsShownWithTheConfigsWhenItDiffers() throws Exception {
        CliRunner timm = CliRunner.run(
                "inspect", SharedFixtures.resolve(SharedFixtures.TIMM_DINO).toString());
        assertEquals(0, timm.status(), timm.err());
        assertTrue(
                timm.out()
                        .contains("crop        224 of 256 for classification (0.875, as DINO and MAE evaluate);"
                                + " segmentation keeps the whole image; config.json's crop_pct 0.9 is not applied\n"),
                timm.out());
        CliRunner hf = CliRunner.run(
                "inspect", TokensCommandTest.bundled("hf-vit-dino-format-small").toString());
        assertEquals(0, hf.status(), hf.err());
        assertTrue(hf.out().contains("evaluate); segmentation keeps the whole image\n"), hf.out());
    }

    /** Tester report: a checkpoint of F32 and F16 tensors was shown as F32. */
    @Test
    void aCheckpointOfMixedDtypesShowsTheMix() throws Exception {
        Path source = TokensCommandTest.bundled("hf-vit-dino-format-small");
        Path mixed = dir.resolve("mixed.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafeTensors st = SafeTensors.open(source.resolve("model.safetensors"))) {
            for (String name : st.names()) {
                Tensor t = st.tensor(name);
                if (name.matches("encoder\\.layer\\.\\d+\\.layernorm_(before|after)\\.bias"))
                    writer.addF16(name, t.shape(), t.toFloatArray());
                else writer.addF32(name, t.shape(), t.toFloatArray());
            }
        }
        writer.write(mixed);
        CliRunner r = CliRunner.run("inspect", mixed.toString());
        assertEquals(0, r.status(), r.err());
        // the model's 38 tensors (two blocks of 16, embeddings, final norm; the pooler is not read): 4 LayerNorm biases
        assertTrue(r.out().contains("dtype       F32 (34), F16 (4)\n"), r.out());
    }

    /** A malformed file: its name, the header it carries, what the error must mention. */
    record Malformed(String name, byte[] bytes, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(h.length)
                .put(h)
                .array();
    }

    static byte[] lengthOnly(long headerLength, int rest) {
        return ByteBuffer.allocate(8 + rest)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength)
                .array();
    }

    static List<Malformed> malformed() {
        String ok = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return List.of(
                new Malformed("truncated", new byte[5], "too small"),
                new Malformed("header-past-end", lengthOnly(1000, 16), "past the end"),
                new Malformed("header-huge", lengthOnly(200_000_000L, 16), "exceeds"),
                new Malformed("not-json", file("{not json at all", 0), "not valid JSON"),
                new Malformed(
                        "overlap",
                        file("{" + ok + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                        "overlap"),
                new Malformed(
                        "out-of-range",
                        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                        "past the data section"),
                new Malformed(
                        "unknown-dtype",
                        file("{\"w\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                        "unknown dtype"),
                new Malformed(
                        "shape-mismatch",
                        file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                        "needs 12 bytes"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void malformedFileGivesOneLineAndNonZeroExit(Malformed m) throws IOException {
        Path f = dir.resolve(m.name() + ".safetensors");
        Files.write(f, m.bytes());
        CliRunner r = assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20), () -> CliRunner.run("inspect", f.toString()));
        assertNotEquals(0, r.status());
        List<String> lines =
                r.err().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(1, lines.size(), "exactly one error line, got: " + r.err());
        assertTrue(lines.getFirst().contains(f.toString()), "names the file: " + lines.getFirst());
        assertTrue(
                lines.getFirst().contains(m.expected()),
                "names the problem (" + m.expected() + "): " + lines.getFirst());
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void notAViTIsRejectedWithTheFileName() throws IOException {
        Path f = dir.resolve("other.safetensors");
        Files.write(f, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8));
        CliRunner r = CliRunner.run("inspect", f.toString());
        assertEquals(Main.EXIT_INPUT, r.status());
        assertTrue(r.err().contains(f.toString()) && r.err().contains("not a ViT checkpoint"), r.err());
    }

    @Test
    void missingFileAndBadFlag() {
        CliRunner missing = CliRunner.run("inspect", dir.resolve("nope").toString());
        assertEquals(Main.EXIT_INPUT, missing.status());
        assertTrue(missing.err().contains("no such file"), missing.err());
        CliRunner bad = CliRunner.run("inspect", "--frobnicate", "x");
        assertEquals(Main.EXIT_USAGE, bad.status());
        assertTrue(bad.err().startsWith("vitprobe: Unknown option: '--frobnicate'"), bad.err());
    }

    /** The real launcher in a child process: exit status and a clean stderr, as a user sees them. */
    @Test
    void launcherExitsNonZeroOnMalformedFile() throws Exception {
        Path f = dir.resolve("bad.safetensors");
        Files.write(f, lengthOnly(1000, 16));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        Process p = new ProcessBuilder(
                        java,
                        "--add-modules",
                        "jdk.incubator.vector",
                        "-cp",
                        classpath,
                        "vitprobe.cli.Main",
                        "inspect",
                        f.toString())
                .redirectErrorStream(false)
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "no hang");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_INPUT, p.exitValue(), err);
        List<String> lines = err.lines()
                .filter(l -> !l.startsWith("WARNING: Using incubator"))
                .toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.getFirst().startsWith("vitprobe: " + f), err);
    }
}
