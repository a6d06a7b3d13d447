package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsWriter;

class TokensCommandTest {
    @TempDir
    Path dir;

    static Path bundled(String name) throws Exception {
        return Path.of(TokensCommandTest.class.getResource("/fixtures/" + name).toURI());
    }

    /** A picture of ../shared/fixtures/images: required under CI, skipped elsewhere when absent. */
    static Path sharedImage(String name) {
        Path image = Path.of(System.getProperty("vitprobe.fixtures", "../../shared/fixtures"), "images", name);
        if (!Files.exists(image)) {
            if ("true".equals(System.getenv("CI"))) throw new AssertionError("shared fixture image missing: " + image);
            org.junit.jupiter.api.Assumptions.abort("shared fixture image missing: " + image);
        }
        return image;
    }

    @Test
    void inputTensorRunReproducesReference() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        Path out = dir.resolve("tokens.safetensors");
        CliRunner r = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--batch",
                "1",
                "--input-tensor",
                model.resolve("reference.safetensors").toString());
        assertEquals(0, r.status(), r.err());
        try (SafeTensors got = SafeTensors.open(out);
                SafeTensors ref = SafeTensors.open(model.resolve("reference.safetensors"))) {
            assertEquals(java.util.Set.of("input", "q", "k", "v", "x", "y", "y_norm"), got.names());
            for (String name : ref.names()) {
                assertArrayEquals(ref.tensor(name).shape(), got.tensor(name).shape(), name);
                float[] a = got.tensor(name).toFloatArray(),
                        b = ref.tensor(name).toFloatArray();
                double num = 0, den = 0;
                for (int i = 0; i < a.length; i++) {
                    num += (a[i] - b[i]) * (double) (a[i] - b[i]);
                    den += b[i] * (double) b[i];
                }
                assertTrue(Math.sqrt(num / den) < 1e-5, name + " relative error " + Math.sqrt(num / den));
            }
        }
    }

    @Test
    void allIntermediatesOfTwoBlocksHaveTheirShapes() throws Exception {
        Path model = bundled("hf-vitmae-pretraining-format-small");
        Path out = dir.resolve("all.safetensors");
        CliRunner r = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--block",
                "0,-1",
                "--intermediates",
                "all",
                "--input-tensor",
                model.resolve("reference.safetensors").toString());
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(out)) {
            assertArrayEquals(
                    new long[] {2, 3, 197, 197}, st.tensor("block1.attn").shape());
            assertArrayEquals(
                    new long[] {2, 197, 384}, st.tensor("block0.mlp_hidden").shape());
            assertArrayEquals(
                    new long[] {2, 197, 96}, st.tensor("block0.context").shape());
            float[] attn = st.tensor("block1.attn").toFloatArray();
            double rowSum = 0;
            for (int i = 0; i < 197; i++) rowSum += attn[i];
            assertEquals(1.0, rowSum, 1e-5, "softmax rows sum to one");
            // x = block input + attn_out and y = x + mlp_out, whichever path computed them.
            float[] x = st.tensor("block1.x").toFloatArray(),
                    y = st.tensor("block1.y").toFloatArray();
            float[] mlpOut = st.tensor("block1.mlp_out").toFloatArray();
            for (int i = 0; i < y.length; i += 97) assertEquals(y[i], x[i] + mlpOut[i], 1e-6f);
        }
    }

    @Test
    void imagesAreDecodedAndPreprocessed() throws Exception {
        Path model = bundled("hf-vitmae-pretraining-format-small");
        Path image = sharedImage("chelsea.png");
        Path out = dir.resolve("img.safetensors");
        CliRunner r = CliRunner.run("tokens", "--model", model.toString(), "--out", out.toString(), image.toString());
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(out);
                SafeTensors oracle = SafeTensors.open(image.resolveSibling("preprocess_oracle.safetensors"))) {
            float[] input = st.tensor("input").toFloatArray(),
                    expected = oracle.tensor("input_chelsea").toFloatArray();
            for (int i = 0; i < input.length; i++) assertEquals(expected[i], input[i], 1e-6f, "pixel " + i);
        }
    }

    /** A copy of the small DINO-format model and a 16×16 PNG, both safe to lose if a run overwrote them. */
    private Path[] modelAndImage() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model")), image = dir.resolve("picture.png");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(bundled("hf-vit-dino-format-small").resolve(f), model.resolve(f));
        }
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        return new Path[] {model, image};
    }

    @Test
    void anOutputThatIsAnInputIsRefusedAndTheInputKept() throws Exception {
        Path[] given = modelAndImage();
        Path model = given[0], image = given[1], weights = model.resolve("model.safetensors");
        byte[] imageBytes = Files.readAllBytes(image), weightBytes = Files.readAllBytes(weights);
        Path sameImage = dir.resolve("model/../picture.png");
        String help = "\nTry 'vitprobe tokens --help'.\n";
        CliRunner r =
                CliRunner.run("tokens", "--model", model.toString(), "--out", sameImage.toString(), image.toString());
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --out " + sameImage + " would overwrite the input image " + image + help, r.errorLines());
        r = CliRunner.run("tokens", "--model", model.toString(), "--out", weights.toString(), image.toString());
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --out " + weights + " would overwrite the model's weights " + weights + help,
                r.errorLines());
        assertArrayEquals(imageBytes, Files.readAllBytes(image));
        assertArrayEquals(weightBytes, Files.readAllBytes(weights));
    }

    /** A run killed while writing OUT left a partial file; the next run into OUT removes it. */
    @Test
    void theNextRunRemovesThePartialFileOfAKilledOne() throws Exception {
        Path[] given = modelAndImage();
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path out = dir.resolve("tokens.safetensors");
        Path stale =
                Files.write(dir.resolve(".tokens.safetensors." + gone.pid() + ".5a.vitprobe-partial"), new byte[4096]);
        CliRunner r = CliRunner.run(
                "tokens",
                "--model",
                given[0].toString(),
                "--out",
                out.toString(),
                "--intermediates",
                "y",
                given[1].toString());
        assertEquals(0, r.status(), r.err());
        assertFalse(Files.exists(stale));
        assertTrue(Files.isRegularFile(out));
    }

    /** Tester report: an I32 input tensor was read as numbers without a word. */
    @Test
    void anInputTensorOfIntegersIsRefused() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        long[] shape;
        try (SafeTensors reference = SafeTensors.open(model.resolve("reference.safetensors"))) {
            shape = reference.tensor("input").shape();
        }
        Path ints = dir.resolve("ints.safetensors");
        new SafetensorsWriter()
                .addI32("input", shape, new int[Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3])])
                .write(ints);
        Path out = dir.resolve("never.safetensors");
        CliRunner r = CliRunner.run(
                "tokens", "--model", model.toString(), "--out", out.toString(), "--input-tensor", ints.toString());
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals(
                "vitprobe: " + ints + ": tensor 'input' is I32; a model input holds floats (F32, F16, BF16 or F64)\n",
                r.errorLines());
        assertFalse(Files.exists(out));
    }

    @Test
    void badInputsFailCleanlyWithoutOutput() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        Path out = dir.resolve("never.safetensors");
        Path wrong = dir.resolve("wrong.safetensors");
        new SafetensorsWriter()
                .addF32("input", new long[] {1, 3, 8, 8}, new float[192])
                .write(wrong);
        CliRunner shape = CliRunner.run(
                "tokens", "--model", model.toString(), "--out", out.toString(), "--input-tensor", wrong.toString());
        assertEquals(Main.EXIT_INPUT, shape.status());
        assertTrue(
                shape.errorLines().contains("[1, 3, 8, 8]")
                        && shape.errorLines().contains(wrong.toString()),
                shape.err());

        Path corrupt = dir.resolve("corrupt.png");
        Files.write(corrupt, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        CliRunner image =
                CliRunner.run("tokens", "--model", model.toString(), "--out", out.toString(), corrupt.toString());
        assertEquals(Main.EXIT_INPUT, image.status());
        assertTrue(image.errorLines().contains(corrupt.toString()), image.err());

        CliRunner block = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--block",
                "7",
                "--input-tensor",
                model.resolve("reference.safetensors").toString());
        // Bad flags exit with 2, as for the other commands (the testers saw 1 here).
        assertEquals(Main.EXIT_USAGE, block.status());
        assertTrue(block.errorLines().contains("--block 7"), block.err());

        CliRunner name = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--intermediates",
                "q,zz",
                "--input-tensor",
                model.resolve("reference.safetensors").toString());
        assertEquals(Main.EXIT_USAGE, name.status());
        assertTrue(name.errorLines().contains("unknown intermediate 'zz'"), name.err());
        // --heads and --eps were dropped without a word for a random model.
        CliRunner random = CliRunner.run(
                "tokens", "--model", "random:vits8", "--heads", "12", "--out", out.toString(), corrupt.toString());
        assertEquals(Main.EXIT_USAGE, random.status(), random.err());
        assertTrue(random.errorLines().contains("random:vits8 has none"), random.err());
        for (String[] flag : List.of(
                new String[] {"--batch", "0", "--batch must be at least 1, got 0"},
                new String[] {"--device", "bogus", "unknown device 'bogus'"},
                new String[] {"--device", "cuda:x", "unknown device 'cuda:x'"},
                new String[] {"--heads", "0", "'0' is not a positive integer"})) {
            CliRunner r = CliRunner.run(
                    "tokens",
                    "--model",
                    model.toString(),
                    "--out",
                    out.toString(),
                    flag[0],
                    flag[1],
                    "--input-tensor",
                    model.resolve("reference.safetensors").toString());
            assertEquals(Main.EXIT_USAGE, r.status(), r.err());
            assertTrue(r.errorLines().contains(flag[2]), r.err());
        }
        assertFalse(Files.exists(out), "no output after a failure");
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains("partial")), "no partial files");
        }
    }

    @Test
    void epsMustBeAPositiveFiniteNumber() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        Path out = dir.resolve("never.safetensors");
        for (String eps : new String[] {"NaN", "0", "-1e-6", "Infinity", "tiny"}) {
            CliRunner r = CliRunner.run(
                    "tokens",
                    "--model",
                    model.toString(),
                    "--out",
                    out.toString(),
                    "--eps",
                    eps,
                    "--input-tensor",
                    model.resolve("reference.safetensors").toString());
            assertEquals(Main.EXIT_USAGE, r.status(), r.err());
            String expected =
                    "vitprobe: Invalid value for option '--eps': '" + eps + "' is not a positive finite number\n";
            assertTrue(r.errorLines().startsWith(expected), r.err());
        }
        assertFalse(Files.exists(out));
    }

    @Test
    void anInputTensorWithoutImagesIsOneClearLine() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        Path out = dir.resolve("never.safetensors"), empty = dir.resolve("empty.safetensors");
        new SafetensorsWriter()
                .addF32("input", new long[] {0, 3, 224, 224}, new float[0])
                .write(empty);
        CliRunner r = CliRunner.run(
                "tokens", "--model", model.toString(), "--out", out.toString(), "--input-tensor", empty.toString());
        assertEquals(Main.EXIT_INPUT, r.status());
        assertEquals(
                "vitprobe: " + empty + ": tensor 'input' has shape [0, 3, 224, 224]: it holds no images\n",
                r.errorLines());
        assertFalse(Files.exists(out));
    }

    @Test
    void nonFiniteOutputsAreWrittenWithOneWarningLine() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        Path out = dir.resolve("nan.safetensors"), input = dir.resolve("nan-input.safetensors");
        float[] pixels = new float[2 * 3 * 224 * 224];
        pixels[5] = Float.NaN; // one pixel of the first image: attention spreads it to every token of that image
        new SafetensorsWriter()
                .addF32("input", new long[] {2, 3, 224, 224}, pixels)
                .write(input);
        CliRunner r = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--intermediates",
                "q,y",
                "--input-tensor",
                input.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(
                "vitprobe: warning: " + out + " holds NaN or infinite values: input (1 of 301056), "
                        + "q (50240 of 100480), y (50240 of 100480)\n",
                r.errorLines());
        try (SafeTensors st = SafeTensors.open(out)) {
            assertTrue(Float.isNaN(st.tensor("y").getFloat(0))
                    && Float.isFinite(st.tensor("y").getFloat(50240)));
        }

        CliRunner clean = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                dir.resolve("clean.safetensors").toString(),
                "--input-tensor",
                model.resolve("reference.safetensors").toString());
        assertEquals(0, clean.status(), clean.err());
        assertEquals("", clean.errorLines());
    }

    /** The acceptance check through the command: DINO ViT-S/8 shapes at 448 × 448 give 56 × 56 patch tokens. */
    @Test
    void aLargerImageSizeGivesALargerPatchGrid() throws Exception {
        Path image = sharedImage("astronaut.png"), out = dir.resolve("s8-448.safetensors");
        CliRunner r = CliRunner.run(
                "tokens",
                "--model",
                "random:vits8",
                "--out",
                out.toString(),
                "--block",
                "0",
                "--intermediates",
                "y",
                "--image-size",
                "448",
                image.toString());
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(out)) {
            assertArrayEquals(new long[] {1, 3, 448, 448}, st.tensor("input").shape());
            assertArrayEquals(new long[] {1, 1 + 56 * 56, 384}, st.tensor("y").shape());
            assertEquals("56x56", st.metadata().get("grid"));
            assertEquals("timm", st.metadata().get("pos_resample"));
        }
    }

    @Test
    void nonSquareSizesAndAKeptAspectRatioFollowTheImage() throws Exception {
        Path model = bundled("hf-vit-dino-format-small"), chelsea = sharedImage("chelsea.png");
        Path wide = dir.resolve("wide.safetensors"), kept = dir.resolve("kept.safetensors");
        CliRunner r = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                wide.toString(),
                "--intermediates",
                "k",
                "--image-size",
                "40,64",
                "--pos-resample",
                "timm",
                chelsea.toString());
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(wide)) {
            assertArrayEquals(new long[] {1, 3, 40, 64}, st.tensor("input").shape());
            assertArrayEquals(new long[] {1, 1 + 5 * 8, 64}, st.tensor("k").shape());
            assertEquals("timm", st.metadata().get("pos_resample"), "the flag over the checkpoint's transformers");
        }
        // chelsea is 451 × 300: shorter side 64, longer int(64 · 451 / 300) = 96, already a multiple of 8.
        r = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                kept.toString(),
                "--intermediates",
                "k",
                "--image-size",
                "64",
                "--keep-aspect",
                chelsea.toString());
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(kept)) {
            assertArrayEquals(new long[] {1, 3, 64, 96}, st.tensor("input").shape());
            assertArrayEquals(new long[] {1, 1 + 8 * 12, 64}, st.tensor("k").shape());
            assertEquals("transformers", st.metadata().get("pos_resample"));
        }
        Path astronaut = sharedImage("astronaut.png"), never = dir.resolve("never.safetensors");
        r = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                never.toString(),
                "--image-size",
                "64",
                "--keep-aspect",
                chelsea.toString(),
                astronaut.toString());
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals(
                "vitprobe: " + astronaut + " becomes a 64x64 input but " + chelsea
                        + " a 64x96 one: images written together need one input size\n",
                r.errorLines());
        assertFalse(Files.exists(never));
    }

    @Test
    void anInputTensorOfAnotherSizeNeedsItsImageSize() throws Exception {
        Path model = bundled("hf-vit-dino-format-small");
        Path input = dir.resolve("wide-input.safetensors"), out = dir.resolve("wide-tokens.safetensors");
        new SafetensorsWriter()
                .addF32("input", new long[] {1, 3, 16, 24}, new float[3 * 16 * 24])
                .write(input);
        String[] args = {
            "tokens", "--model", model.toString(), "--out", out.toString(), "--input-tensor", input.toString()
        };
        CliRunner r = CliRunner.run(args);
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals(
                "vitprobe: " + input + ": tensor 'input' has shape [1, 3, 16, 24], the model expects [B, 3, 224, 224]"
                        + " (other sizes with --image-size H,W)\n",
                r.errorLines());
        String[] sized = java.util.stream.Stream.concat(
                        java.util.Arrays.stream(args), java.util.stream.Stream.of("--image-size", "16,24"))
                .toArray(String[]::new);
        r = CliRunner.run(sized);
        assertEquals(0, r.status(), r.err());
        try (SafeTensors st = SafeTensors.open(out)) {
            assertArrayEquals(new long[] {1, 1 + 2 * 3, 64}, st.tensor("y").shape());
        }
    }

    @Test
    void badImageSizesAreOneUsageLineBeforeAnyWork() throws Exception {
        Path model = bundled("hf-vit-dino-format-small"), out = dir.resolve("never.safetensors");
        Path image = modelAndImage()[1];
        String help = "\nTry 'vitprobe tokens --help'.\n";
        String[][] cases = {
            {"--image-size", "0"},
            {"--image-size", "450"},
            {"--image-size", "448,big"},
            {"--image-size", "8192"},
            {"--keep-aspect"},
            {"--image-size", "448,224", "--keep-aspect"},
            {"--pos-resample", "pil"}
        };
        String[] expected = {
            "--image-size: '0': sides must be 1 to 4096 pixels, got 0",
            "--image-size: image size 450x450 is not a multiple of the model's patch size 8 (e.g. 448)",
            "--image-size: '448,big' is not a size: give H or H,W in pixels",
            "--image-size: '8192': sides must be 1 to 4096 pixels, got 8192",
            "--keep-aspect: keeping the aspect ratio needs the shorter side (give it as --image-size S)",
            "--image-size: '448,224': keeping the aspect ratio takes one size, the shorter side",
            "--pos-resample: unknown position-embedding resampling 'pil' (known: timm, transformers)"
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new java.util.ArrayList<>(
                    List.of("tokens", "--model", model.toString(), "--out", out.toString(), image.toString()));
            args.addAll(List.of(cases[i]));
            CliRunner r = CliRunner.run(args.toArray(String[]::new));
            assertEquals(Main.EXIT_USAGE, r.status(), r.err());
            assertEquals("vitprobe: " + expected[i] + help, r.errorLines(), String.join(" ", cases[i]));
        }
        CliRunner tensor = CliRunner.run(
                "tokens",
                "--model",
                model.toString(),
                "--out",
                out.toString(),
                "--keep-aspect",
                "--image-size",
                "64",
                "--input-tensor",
                model.resolve("reference.safetensors").toString());
        assertEquals(Main.EXIT_USAGE, tensor.status(), tensor.err());
        assertEquals(
                "vitprobe: --keep-aspect resizes images; --input-tensor is already a model input" + help,
                tensor.errorLines());
        assertFalse(Files.exists(out));
    }
}
