package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.io.Json;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.ProbeData;
import vitprobe.probe.SampleKind;
import vitprobe.probe.data.ExtractedFeatures;

/** extract on the synthetic sets with the bundled small DINO-format model (dim 64, 2 blocks, patch 8, 224 input). */
class ExtractCommandTest {
    @TempDir
    Path dir;

    static String model() throws Exception {
        return TokensCommandTest.bundled("hf-vit-dino-format-small").toString();
    }

    /** A synthetic classification set in {@code set}: per class {@code train} and {@code test} pictures. */
    private static void synthClassification(Path set, int classes, int train, int test, int width, int height, int seed)
            throws Exception {
        CliRunner r = CliRunner.run(
                "synth",
                "--kind",
                "classification",
                "--out",
                set.toString(),
                "--classes",
                "" + classes,
                "--train",
                "" + train,
                "--test",
                "" + test,
                "--width",
                "" + width,
                "--height",
                "" + height,
                "--seed",
                "" + seed);
        assertEquals(0, r.status(), r.err());
    }

    @Test
    void classificationOnTheSyntheticImageFolderIsProbeReady() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("features");
        synthClassification(set, 3, 3, 2, 64, 48, 4);
        Files.write(
                set.resolve("train/red-circle/zz-broken.jpg"),
                new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1});
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--tokens",
                "k,y_norm",
                "--dtype",
                "f16",
                "--batch",
                "4",
                "--shard-size",
                "4");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("images/s") && r.err().contains("stages: decode"), r.err());
        assertTrue(r.err().contains("1 skipped"), r.err());
        Map<String, Object> manifest = Json.parseObject(Files.readString(out.resolve("manifest.json")));
        assertEquals("classification", manifest.get("task"));
        assertEquals(List.of("k", "y_norm"), manifest.get("token_types"));
        assertEquals(1L, manifest.get("block"));
        List<String> report = Files.readAllLines(out.resolve("skipped.tsv"));
        assertEquals(2, report.size());
        assertTrue(report.get(1).startsWith("train\ttrain/red-circle/zz-broken.jpg\t"), report.get(1));

        ProbeData train = ExtractedFeatures.load(out.resolve("k/train"));
        assertEquals(9, train.size());
        assertEquals(64, train.dim());
        assertEquals(SampleKind.CLS, train.tokens());
        assertEquals(List.of("red-circle", "red-square", "red-triangle"), train.concepts());
        assertEquals(6, ExtractedFeatures.load(out.resolve("y_norm/test")).size());
        // A shard is itself a probe file; shard 0 holds red-circle 0..2 and the broken image, which is left out.
        assertEquals(
                3,
                ProbeData.load(out.resolve("k/train/shard-00000.safetensors")).size());

        byte[] before = Files.readAllBytes(out.resolve("k/train/shard-00001.safetensors"));
        CliRunner otherBatch = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--tokens",
                "k,y_norm",
                "--dtype",
                "f16",
                "--batch",
                "2",
                "--shard-size",
                "4");
        assertTrue(otherBatch.errorLines().contains("other settings (differs in: batch)"), otherBatch.err());
        CliRunner again = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--tokens",
                "k,y_norm",
                "--dtype",
                "f16",
                "--batch",
                "4",
                "--shard-size",
                "4");
        assertEquals(0, again.status(), again.err());
        assertTrue(again.err().contains("(5 resumed)"), again.err());
        assertArrayEquals(before, Files.readAllBytes(out.resolve("k/train/shard-00001.safetensors")));
    }

    @Test
    void anImageOverThePixelLimitIsSkippedAndListed() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("features");
        synthClassification(set, 2, 2, 1, 32, 32, 0);
        LargePngs.claiming(set.resolve("train/red-circle/zz-bomb.png"), 20000, 20000);
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--tokens",
                "y_norm");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("1 skipped"), r.err());
        List<String> report = Files.readAllLines(out.resolve("skipped.tsv"));
        assertEquals(2, report.size());
        assertTrue(
                report.get(1).startsWith("train\ttrain/red-circle/zz-bomb.png\t")
                        && report.get(1)
                                .endsWith(
                                        "image is 20000x20000 = 400000000 pixels, over the limit of 178956970 (a decompression bomb?); "
                                                + "VITPROBE_JAVA_OPTS=-Dvitprobe.maxImagePixels=N raises it"),
                report.get(1));
        assertEquals(4, ExtractedFeatures.load(out.resolve("y_norm/train")).size());
    }

    @Test
    void segmentationOnTheSyntheticBrodenKeepsPatchesWithCategories() throws Exception {
        Path broden = dir.resolve("broden"), out = dir.resolve("seg");
        assertEquals(
                0,
                CliRunner.run("synth", "--kind", "broden", "--out", broden.toString(), "--images", "4", "--size", "64")
                        .status());
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                broden.toString(),
                "--out",
                out.toString(),
                "--task",
                "segmentation",
                "--tokens",
                "q",
                "--patches-per-image",
                "10",
                "--block",
                "0");
        assertEquals(0, r.status(), r.err());
        ProbeData train = ExtractedFeatures.load(out.resolve("q/train"));
        assertEquals(SampleKind.PATCH, train.tokens());
        assertEquals(3 * 10, train.size());
        assertFalse(train.concepts().contains("red"), "color is excluded by default");
        assertTrue(train.hasCategories());
        assertEquals(10, ExtractedFeatures.load(out.resolve("q/val")).size());
    }

    @Test
    void segmentationAtANonSquareSizeRecordsItsGridAndRefusesAnotherOnResume() throws Exception {
        Path broden = dir.resolve("broden"), out = dir.resolve("seg-wide");
        assertEquals(
                0,
                CliRunner.run("synth", "--kind", "broden", "--out", broden.toString(), "--images", "4", "--size", "64")
                        .status());
        List<String> args = List.of(
                "extract",
                "--model",
                model(),
                "--dataset",
                broden.toString(),
                "--out",
                out.toString(),
                "--task",
                "segmentation",
                "--tokens",
                "q",
                "--patches-per-image",
                "all",
                "--block",
                "0");
        CliRunner r = run(args, "--image-size", "32,64");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> manifest = Json.parseObject(Files.readString(out.resolve("manifest.json")));
        assertEquals(List.of(4L, 8L), manifest.get("grid"));
        assertEquals("transformers", manifest.get("pos_resample"));
        ProbeData train = ExtractedFeatures.load(out.resolve("q/train"));
        assertEquals(3 * 32, train.size(), "every patch of a 4 x 8 grid");

        CliRunner other = run(args, "--image-size", "64");
        assertEquals(Main.EXIT_INPUT, other.status(), other.err());
        assertTrue(other.errorLines().contains("differs in: grid, transform"), other.err());
        CliRunner bad = run(args, "--image-size", "30,64");
        assertEquals(Main.EXIT_USAGE, bad.status(), bad.err());
        assertEquals(
                "vitprobe: --image-size: image size 30x64 is not a multiple of the model's patch size 8 (e.g. 32,64)\n"
                        + "Try 'vitprobe extract --help'.\n",
                bad.errorLines());
    }

    private static CliRunner run(List<String> args, String... more) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(more));
        return CliRunner.run(all.toArray(String[]::new));
    }

    @Test
    void probeTrainsOnExtractedShards() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("features"), result = dir.resolve("result.json");
        Path templates = dir.resolve("templates.safetensors");
        synthClassification(set, 3, 4, 3, 48, 48, 9);
        assertEquals(
                0,
                CliRunner.run(
                                "extract",
                                "--model",
                                model(),
                                "--dataset",
                                set.toString(),
                                "--out",
                                out.toString(),
                                "--tokens",
                                "y_norm",
                                "--shard-size",
                                "64")
                        .status());
        CliRunner r = CliRunner.run(
                "probe",
                "--rule",
                "cosine",
                "--k",
                "2",
                "--trials",
                "2",
                "--train",
                out.resolve("y_norm/train/shard-00000.safetensors").toString(),
                "--test",
                out.resolve("y_norm/test/shard-00000.safetensors").toString(),
                "--out",
                result.toString(),
                "--save-templates",
                templates.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.isRegularFile(result));
        var origin = new FeatureOrigin(
                "y_norm", 1, Path.of(model()).toAbsolutePath().normalize().toString());
        assertEquals(origin, ConceptTemplates.load(templates).origin(), "from a shard file");
        r = CliRunner.run(
                "probe",
                "--rule",
                "hyperplane",
                "--train",
                out.resolve("y_norm/train").toString(),
                "--test",
                out.resolve("y_norm/test").toString(),
                "--out",
                result.toString(),
                "--save-templates",
                templates.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(origin, ConceptTemplates.load(templates).origin(), "from a shard folder");
    }

    /** The testers' case: model.safetensors replaced at the same path between two runs must not be resumed. */
    @Test
    void resumeRefusesOtherWeightsAtTheSamePathAndAcceptsAFileOnlyTouched() throws Exception {
        Path model = Files.createDirectories(dir.resolve("model")), set = dir.resolve("set");
        Path out = dir.resolve("features");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(Path.of(model()).resolve(f), model.resolve(f));
        }
        Path weights = model.resolve("model.safetensors");
        synthClassification(set, 1, 2, 0, 16, 16, 0);
        String[] extract = {
            "extract",
            "--model",
            model.toString(),
            "--dataset",
            set.toString(),
            "--out",
            out.toString(),
            "--tokens",
            "y",
            "--shard-size",
            "1"
        };
        assertEquals(0, CliRunner.run(extract).status());

        FileTime later = FileTime.fromMillis(Files.getLastModifiedTime(weights).toMillis() + 60_000);
        Files.setLastModifiedTime(weights, later);
        CliRunner touched = CliRunner.run(extract);
        assertEquals(0, touched.status(), touched.err());
        assertTrue(touched.err().contains("(2 resumed)"), touched.err());
        Map<String, Object> manifest = Json.parseObject(Files.readString(out.resolve("manifest.json")));
        Map<?, ?> recorded = (Map<?, ?>) manifest.get("weights");
        assertEquals(later.to(TimeUnit.NANOSECONDS), recorded.get("modified"), "the manifest follows the touched file");

        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 4] ^= 1; // the lowest mantissa bit of the last weight: same size, other model
        Files.write(weights, bytes);
        CliRunner replaced = CliRunner.run(extract);
        assertEquals(Main.EXIT_INPUT, replaced.status(), replaced.err());
        assertEquals(
                "vitprobe: " + out + " holds an extraction with other settings (differs in: weights (the sha256"
                        + " of " + weights + " changed)); use another output folder, or the same settings to resume\n",
                replaced.errorLines());
    }

    /** As with a full disk: a shard cannot be written while the progress bar stands on its line. */
    @Test
    void aFailedWriteIsOneLineOfItsOwnNamingTheFile() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("features");
        synthClassification(set, 1, 2, 0, 16, 16, 0);
        String[] extract = {
            "extract",
            "--model",
            model(),
            "--dataset",
            set.toString(),
            "--out",
            out.toString(),
            "--tokens",
            "y",
            "--shard-size",
            "1"
        };
        assertEquals(0, CliRunner.run(extract).status());
        Path shard = out.resolve("y/train/shard-00001.safetensors");
        Files.delete(shard);
        Files.writeString(Files.createDirectories(shard).resolve("in-the-way"), "x");
        CliRunner r = CliRunner.run(extract);
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertTrue(r.err().contains("2/2 images"), "the progress bar was drawn: " + r.err());
        assertEquals("vitprobe: " + shard + ": cannot write: Is a directory\n", r.errorLines(), r.err());
    }

    @Test
    void attentionMapsAreRefusedAsABadFlagBeforeAnyWork() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("never");
        synthClassification(set, 1, 1, 0, 16, 16, 0);
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--tokens",
                "mlp_hidden,attn");
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --tokens: attn cannot be extracted: it is an attention map [B, heads, N, N],"
                        + " not a feature per token (vitprobe tokens writes it whole)\nTry 'vitprobe extract --help'.\n",
                r.errorLines());
        assertFalse(Files.exists(out));
    }

    @Test
    void badInputIsOneLineAndLeavesNoOutput() throws Exception {
        Path out = dir.resolve("never");
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                dir.resolve("missing").toString(),
                "--out",
                out.toString());
        assertEquals(Main.EXIT_INPUT, r.status());
        assertEquals("vitprobe: " + dir.resolve("missing") + ": no such folder\n", r.errorLines());
        assertFalse(Files.exists(out));

        Path set = dir.resolve("set");
        synthClassification(set, 1, 1, 0, 16, 16, 0);
        r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--task",
                "detection");
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --task: unknown task 'detection' (known: classification, segmentation)\n"
                        + "Try 'vitprobe extract --help'.\n",
                r.errorLines());
        r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--patches-per-image",
                "0",
                "--task",
                "segmentation");
        assertEquals(Main.EXIT_USAGE, r.status(), r.err());
        assertEquals(
                "vitprobe: --patches-per-image must be a positive number or 'all', got '0'\n"
                        + "Try 'vitprobe extract --help'.\n",
                r.errorLines());
        r = CliRunner.run("extract", "--model", model(), "--dataset", set.toString(), "--out", set.toString());
        assertEquals(Main.EXIT_INPUT, r.status());
        assertTrue(r.errorLines().contains("is not an extraction folder"), r.err());
        assertFalse(Files.exists(out));
    }

    /** Flag values extract cannot use are bad flags (exit 2, as picocli's own), and nothing is written. */
    @Test
    void badFlagValuesExitWithTwoAndWriteNothing() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("never");
        synthClassification(set, 1, 1, 0, 16, 16, 0);
        Map<List<String>, String> cases = new java.util.LinkedHashMap<>();
        cases.put(List.of("--task", "foo"), "--task: unknown task 'foo' (known: classification, segmentation)");
        cases.put(List.of("--dtype", "f8"), "--dtype must be f32 or f16, got 'f8'");
        cases.put(List.of("--dtype", "bf16"), "--dtype must be f32 or f16, got 'bf16'");
        cases.put(List.of("--batch", "0"), "--batch must be at least 1, got 0");
        cases.put(List.of("--shard-size", "0"), "--shard-size must be at least 1, got 0");
        cases.put(List.of("--decode-threads", "0"), "--decode-threads must be at least 1, got 0");
        cases.put(List.of("--patch-labels", "foo"), "unknown --patch-labels 'foo' (known: majority, nearest)");
        cases.put(
                List.of("--patches-per-image", "0"), "--patches-per-image must be a positive number or 'all', got '0'");
        cases.put(
                List.of("--block", "99"), "--block 99 is outside the model's 2 blocks (0..1, or -1..-2 from the end)");
        cases.put(
                List.of("--block", "-3"), "--block -3 is outside the model's 2 blocks (0..1, or -1..-2 from the end)");
        for (var c : cases.entrySet()) {
            CliRunner r = run(
                    List.of(
                            "extract",
                            "--model",
                            model(),
                            "--dataset",
                            set.toString(),
                            "--out",
                            out.toString(),
                            "--tokens",
                            "k"),
                    c.getKey().toArray(String[]::new));
            assertEquals(Main.EXIT_USAGE, r.status(), c.getKey() + ": " + r.err());
            assertEquals(
                    "vitprobe: " + c.getValue() + "\nTry 'vitprobe extract --help'.\n",
                    r.errorLines(),
                    c.getKey() + "");
            assertFalse(Files.exists(out), c.getKey() + "");
        }
    }

    /**
     * Without index.csv a Broden folder read as an ImageFolder with no images: the run reported success, wrote a
     * manifest and an empty report, and pointed at probe files that did not exist.
     */
    @Test
    void aBrodenFolderWithoutIndexIsOneLineAndWritesNothing() throws Exception {
        Path broden = dir.resolve("b1"), out = dir.resolve("fx");
        assertEquals(
                0,
                CliRunner.run("synth", "--kind", "broden", "--out", broden.toString(), "--images", "4", "--size", "16")
                        .status());
        Files.delete(broden.resolve("index.csv"));
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                broden.toString(),
                "--out",
                out.toString(),
                "--task",
                "segmentation",
                "--tokens",
                "k");
        assertEquals(Main.EXIT_INPUT, r.status(), r.err());
        assertEquals(
                "vitprobe: " + broden + ": no index.csv, not a Broden folder (it has category.csv, label.csv, images/),"
                        + " nor an ImageFolder (no images in " + broden + "/<class>/)\n",
                r.errorLines());
        assertEquals("", r.out());
        assertFalse(Files.exists(out));
    }

    /** A mask of another size than index.csv gives was stretched over its image, labelling the wrong patches. */
    @Test
    void aMaskOfAnotherSizeThanTheIndexIsSkippedAndListed() throws Exception {
        Path broden = dir.resolve("broden"), out = dir.resolve("seg");
        assertEquals(
                0,
                CliRunner.run("synth", "--kind", "broden", "--out", broden.toString(), "--images", "4", "--size", "64")
                        .status());
        Path mask = broden.resolve("images/synth/img_00000_object.png");
        javax.imageio.ImageIO.write(
                new java.awt.image.BufferedImage(10, 10, java.awt.image.BufferedImage.TYPE_INT_RGB),
                "png",
                mask.toFile());
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                broden.toString(),
                "--out",
                out.toString(),
                "--task",
                "segmentation",
                "--tokens",
                "q",
                "--block",
                "0");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("1 skipped"), r.err());
        List<String> report = Files.readAllLines(out.resolve("skipped.tsv"));
        assertEquals(
                List.of("train\tsynth/img_00000.jpg\timages/synth/img_00000_object.png: mask is 10x10 but index.csv"
                        + " line 2 gives 32x32 (sw x sh)"),
                report.subList(1, report.size()));
        assertEquals(2 * 16, ExtractedFeatures.load(out.resolve("q/train")).size());
    }

    @Test
    void sparkWithoutSparkOnTheClassPathIsOneLineAndWritesNothing() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("features");
        Files.createDirectories(set);
        CliRunner r = CliRunner.run(
                "extract",
                "--model",
                model(),
                "--dataset",
                set.toString(),
                "--out",
                out.toString(),
                "--spark",
                "local[2]");
        assertEquals(1, r.status(), r.err());
        assertEquals(
                "vitprobe: --spark needs Apache Spark and the vitprobe-spark module on the class path: run ./vitprobe"
                        + " (it adds them), or spark-submit",
                r.err().strip());
        assertFalse(Files.exists(out));
    }

    /** A master Spark cannot parse is a bad flag before anything is written (it left a manifest and a lock). */
    @Test
    void aBadSparkMasterIsABadFlagAndWritesNothing() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("bad2");
        Files.createDirectories(set);
        for (String master : List.of("foo://x", "local[0]", "local[abc]", "", "yarn", "mesos://m:5050")) {
            CliRunner r = CliRunner.run(
                    "extract",
                    "--model",
                    model(),
                    "--dataset",
                    set.toString(),
                    "--out",
                    out.toString(),
                    "--spark",
                    master);
            assertEquals(Main.EXIT_USAGE, r.status(), master + ": " + r.err());
            List<String> lines = r.err().lines().toList();
            assertEquals(2, lines.size(), r.err());
            assertTrue(lines.getFirst().startsWith("vitprobe: --spark: "), lines.getFirst());
            assertTrue(
                    lines.getFirst().contains("Spark master")
                            || lines.getFirst().contains("master is empty")
                            || lines.getFirst().contains("a master this build cannot run"),
                    lines.getFirst());
            assertEquals("Try 'vitprobe extract --help'.", lines.get(1));
            assertFalse(Files.exists(out), master);
        }
    }

    /** A cluster that cannot start is one line and leaves nothing: it left a manifest and a lock that refused reruns. */
    @Test
    void aClusterThatCannotStartIsOneLineAndWritesNothing() throws Exception {
        Path set = dir.resolve("set"), out = dir.resolve("yarn");
        synthClassification(set, 1, 1, 0, 16, 16, 0);
        CliRunner r = FailingCluster.installed(
                dir.resolve("failing-cluster"),
                () -> CliRunner.run(
                        "extract",
                        "--model",
                        model(),
                        "--dataset",
                        set.toString(),
                        "--out",
                        out.toString(),
                        "--tokens",
                        "k",
                        "--spark",
                        FailingCluster.MASTER));
        assertEquals(1, r.status(), r.err());
        assertEquals("vitprobe: " + FailingCluster.WHY, r.errorLines().strip());
        assertFalse(Files.exists(out));
    }
}
