package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.FolderLock;
import vitprobe.io.Json;
import vitprobe.weights.DType;

class ExtractorTest {
    @TempDir
    Path dir;

    private static Extractor.Result extract(TestSource source, ExtractOptions options, Path out) throws Exception {
        return extract(source, options, out, new ModelId("tiny", null));
    }

    private static Extractor.Result extract(TestSource source, ExtractOptions options, Path out, ModelId model)
            throws Exception {
        try (VisionTransformer vit = TinyModel.create()) {
            return new Extractor(vit, model, options, 2, 2, null).run(source, out);
        }
    }

    /** Token {@code token} of one image, computed alone (batch of one). */
    private static float[] reference(TestSource.Item item, Task task, Intermediate which, int token) throws Exception {
        ImageTransform transform = task.transform(TinyModel.CONFIG, InputResolution.NATIVE);
        RgbImage image = ImageDecoder.decode(item.read(), item.id());
        try (VisionTransformer vit = TinyModel.create()) {
            FloatTensor t = vit.forward(
                            new FloatTensor(transform.apply(image, "test image"), 1, 3, 32, 32),
                            Capture.of(1, Set.of(which)))
                    .get(1, which);
            int width = t.dim(-1);
            return Arrays.copyOfRange(t.data(), token * width, (token + 1) * width);
        }
    }

    /**
     * The stored row equals the reference up to rounding: the reference runs alone, and the CPU kernels' rounding
     * may differ in the last bit between batch compositions and JIT tiers; F16 storage adds its own rounding.
     */
    private static void assertClose(float[] expected, float[] stored, int from, float relative, String what) {
        for (int j = 0; j < expected.length; j++) {
            float tolerance = relative * Math.max(1, Math.abs(expected[j]));
            assertEquals(expected[j], stored[from + j], tolerance, what + " value " + j);
        }
    }

    @Test
    void classificationStoresEachImagesClsTokenAndLabels() throws Exception {
        TestSource source = TestSource.of(1, 5, 3, List.of(), List.of(), 0);
        Path out = dir.resolve("cls");
        Extractor.Result r = extract(
                source,
                new ExtractOptions(
                        Task.CLASSIFICATION,
                        1,
                        EnumSet.of(Intermediate.Q, Intermediate.Y_NORM),
                        DType.F32,
                        2,
                        PatchSelection.ALL),
                out);
        assertEquals(8, r.images());
        assertEquals(0, r.skipped());
        assertEquals(5, r.shards());
        for (String split : List.of("train", "test")) {
            List<TestSource.Item> items = source.samples(split);
            for (Intermediate which : List.of(Intermediate.Q, Intermediate.Y_NORM)) {
                FeatureStore.Features f =
                        FeatureStore.read(out.resolve(which.key()).resolve(split));
                assertEquals(items.size(), f.size());
                assertEquals("cls", f.tokens());
                assertEquals(TestSource.CONCEPTS.names(), f.concepts());
                assertArrayEquals(new long[] {0, 0, 1}, f.categories());
                for (int i = 0; i < items.size(); i++) {
                    assertEquals(i, f.groups()[i]);
                    assertArrayEquals(items.get(i).imageLabels(), f.labels().row(i));
                    assertClose(
                            reference(items.get(i), Task.CLASSIFICATION, which, 0),
                            f.features(),
                            i * 32,
                            1e-5f,
                            items.get(i).id());
                }
            }
        }
        assertEquals("split\timage\tproblem\n", Files.readString(out.resolve(FeatureStore.REPORT)));
    }

    @Test
    void segmentationStoresTheSelectedPatchesWithTheirLabels() throws Exception {
        TestSource source = TestSource.of(2, 4, 1, List.of(), List.of(), 0);
        Path out = dir.resolve("seg");
        PatchSelection selection = new PatchSelection(5, 11);
        extract(
                source,
                new ExtractOptions(Task.SEGMENTATION, 1, EnumSet.of(Intermediate.Y), DType.F16, 3, selection),
                out);
        FeatureStore.Features f = FeatureStore.read(out.resolve("y").resolve("train"));
        assertEquals("patch", f.tokens());
        assertEquals(4 * 5, f.size());
        PatchGrid grid = new PatchGrid(new ImageTransform.Placement(32, 32, 0, 0, 32, 32), 8);
        for (int s = 0; s < f.size(); s++) {
            TestSource.Item item = source.samples("train").get((int) f.groups()[s]);
            int patch = (int) f.patches()[s];
            byte[] all = item.patchLabels(grid);
            assertArrayEquals(
                    Arrays.copyOfRange(all, patch * 3, patch * 3 + 3),
                    f.labels().row(s));
            assertClose(
                    reference(item, Task.SEGMENTATION, Intermediate.Y, 1 + patch),
                    f.features(),
                    s * 32,
                    1e-3f,
                    item.id() + " patch " + patch);
        }
        for (int image = 0; image < 4; image++) {
            final int g = image;
            int[] kept = java.util.stream.IntStream.range(0, f.size())
                    .filter(s -> f.groups()[s] == g)
                    .map(s -> (int) f.patches()[s])
                    .toArray();
            byte[] all = source.samples("train").get(image).patchLabels(grid);
            assertArrayEquals(
                    selection.select(source.samples("train").get(image).id(), all, 16, 3), kept);
        }
    }

    /** mlp_hidden is 2D wide (64 here): every row must be that image's own activation at that patch, whole. */
    @Test
    void tokenTypesWiderThanTheModelAreStoredWholeForEveryImage() throws Exception {
        TestSource source = TestSource.of(7, 4, 1, List.of(), List.of(), 0);
        Path out = dir.resolve("wide");
        extract(
                source,
                new ExtractOptions(
                        Task.SEGMENTATION,
                        1,
                        EnumSet.of(Intermediate.Q, Intermediate.MLP_HIDDEN),
                        DType.F32,
                        4,
                        new PatchSelection(3, 5)),
                out);
        for (Intermediate which : List.of(Intermediate.Q, Intermediate.MLP_HIDDEN)) {
            int width = which == Intermediate.MLP_HIDDEN ? TinyModel.CONFIG.mlpDim() : TinyModel.CONFIG.dim();
            FeatureStore.Features f = FeatureStore.read(out.resolve(which.key()).resolve("train"));
            assertEquals(width, f.dim(), which.key());
            assertEquals(4 * 3, f.size(), which.key());
            for (int s = 0; s < f.size(); s++) {
                TestSource.Item item = source.samples("train").get((int) f.groups()[s]);
                int patch = (int) f.patches()[s];
                assertClose(
                        reference(item, Task.SEGMENTATION, which, 1 + patch),
                        f.features(),
                        s * width,
                        1e-5f,
                        which.key() + " " + item.id() + " patch " + patch);
            }
        }
    }

    @Test
    void attentionMapsAreRefusedWithTheReason() {
        Set<Intermediate> tokens = EnumSet.of(Intermediate.X, Intermediate.ATTN);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> new ExtractOptions(Task.CLASSIFICATION, 1, tokens, DType.F32, 2, PatchSelection.ALL));
        assertEquals(
                "attn cannot be extracted: it is an attention map [B, heads, N, N], not a feature per token "
                        + "(vitprobe tokens writes it whole)",
                e.getMessage());
    }

    @Test
    void corruptAndUnreadableImagesAreSkippedCountedAndReported() throws Exception {
        TestSource source = TestSource.of(3, 5, 2, List.of("train/img1.png"), List.of("test/img0.png"), 0);
        Path out = dir.resolve("bad");
        Extractor.Result r = extract(
                source,
                new ExtractOptions(
                        Task.CLASSIFICATION, 0, EnumSet.of(Intermediate.K), DType.F32, 3, PatchSelection.ALL),
                out);
        assertEquals(2, r.skipped());
        List<String> report = Files.readAllLines(out.resolve(FeatureStore.REPORT));
        assertEquals(3, report.size(), String.join("\n", report));
        assertTrue(
                report.get(1).startsWith("train\ttrain/img1.png\ttrain/img1.png: not a PNG or JPEG image"),
                report.get(1));
        assertTrue(report.get(2).startsWith("test\ttest/img0.png\ttest/img0.png: permission denied"), report.get(2));
        assertArrayEquals(
                new long[] {0, 2, 3, 4},
                FeatureStore.read(out.resolve("k/train")).groups());
        assertArrayEquals(
                new long[] {1}, FeatureStore.read(out.resolve("k/test")).groups());
    }

    @Test
    void rerunResumesCompleteShardsAndRefusesOtherSettings() throws Exception {
        TestSource source = TestSource.of(4, 4, 0, List.of(), List.of(), 0);
        Path out = dir.resolve("again");
        ExtractOptions options = new ExtractOptions(
                Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.V), DType.F32, 2, PatchSelection.ALL);
        extract(source, options, out);
        byte[] before = Files.readAllBytes(out.resolve("v/train/shard-00001.safetensors"));
        Extractor.Result again = extract(source, options, out);
        assertEquals(2, again.resumed());
        assertArrayEquals(before, Files.readAllBytes(out.resolve("v/train/shard-00001.safetensors")));
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> extract(
                        source,
                        new ExtractOptions(
                                Task.CLASSIFICATION, 0, EnumSet.of(Intermediate.V), DType.F32, 2, PatchSelection.ALL),
                        out));
        assertTrue(e.getMessage().contains("differs in: block"), e.getMessage());
    }

    /** Deleting, adding or renaming images keeps the counts only by chance; a resume must not mix two data sets. */
    @Test
    void resumeRefusesADataSetWhoseImagesChanged() throws Exception {
        TestSource source = TestSource.of(4, 4, 2, List.of("train/img1.png"), List.of(), 0);
        Path out = dir.resolve("changed");
        ExtractOptions options = new ExtractOptions(
                Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.V), DType.F32, 2, PatchSelection.ALL);
        extract(source, options, out);
        Files.delete(out.resolve("v/test/shard-00000.safetensors"));
        // One stored image and one skipped one, each renamed in turn (same counts, so the manifest still matches).
        for (int index : new int[] {3, 1}) {
            String old = "train/img" + index + ".png";
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> extract(renamed(source, old), options, out));
            assertEquals(
                    out + " holds features of other images: train image " + index + " was " + old
                            + ", the data set now has train/renamed.png; use a new output folder (--out)"
                            + " or delete this one",
                    e.getMessage());
        }
        assertEquals(2, extract(source, options, out).resumed());
    }

    /** {@code source} with image {@code id} of the train split renamed to train/renamed.png. */
    private static TestSource renamed(TestSource source, String id) {
        Map<String, List<TestSource.Item>> parts = new java.util.LinkedHashMap<>(source.parts());
        parts.put(
                "train",
                source.parts().get("train").stream()
                        .map(it -> it.id().equals(id)
                                ? new TestSource.Item("train/renamed.png", it.bytes(), it.colour(), false, 0)
                                : it)
                        .toList());
        return new TestSource(parts, 0);
    }

    @Test
    void resumeExtractsATruncatedShardAgain() throws Exception {
        TestSource source = TestSource.of(4, 4, 0, List.of(), List.of(), 0);
        Path out = dir.resolve("truncated");
        ExtractOptions options = new ExtractOptions(
                Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.V), DType.F32, 2, PatchSelection.ALL);
        extract(source, options, out);
        Path shard = out.resolve("v/train/shard-00001.safetensors");
        byte[] whole = Files.readAllBytes(shard);
        Files.write(shard, Arrays.copyOf(whole, whole.length - 10));
        java.io.StringWriter log = new java.io.StringWriter();
        Extractor.Result again;
        try (VisionTransformer vit = TinyModel.create()) {
            again = new Extractor(vit, new ModelId("tiny", null), options, 2, 2, new java.io.PrintWriter(log))
                    .run(source, out);
        }
        assertEquals(1, again.resumed());
        assertArrayEquals(whole, Files.readAllBytes(shard));
        assertTrue(log.toString().startsWith("damaged shard, extracting it again: " + shard + ": "), log.toString());
    }

    /** The tiny model runs from memory; the file stands for the checkpoint it would have been read from. */
    @Test
    void resumeTrustsAnUnchangedWeightsFileAndOtherwiseComparesItsSha256() throws Exception {
        TestSource source = TestSource.of(8, 2, 0, List.of(), List.of(), 0);
        ExtractOptions options = new ExtractOptions(
                Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.X), DType.F32, 1, PatchSelection.ALL);
        Path out = dir.resolve("fingerprinted");
        Path weights = Files.write(dir.resolve("weights.safetensors"), new byte[] {1, 2, 3, 4});
        ModelId model = new ModelId("tiny", weights);
        FileTime written = FileTime.fromMillis(1_700_000_000_000L);
        Files.setLastModifiedTime(weights, written);
        extract(source, options, out, model);
        Map<String, Object> manifest = Json.parseObject(Files.readString(out.resolve(FeatureStore.MANIFEST)));
        String sha256 =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(new byte[] {1, 2, 3, 4}));
        assertEquals(
                Map.of(
                        "file",
                        weights.toString(),
                        "size",
                        4L,
                        "modified",
                        written.to(TimeUnit.NANOSECONDS),
                        "sha256",
                        sha256),
                manifest.get("weights"));

        // Same path, size and time: trusted without reading the file (other bytes written behind its back pass).
        Files.write(weights, new byte[] {9, 9, 9, 9});
        Files.setLastModifiedTime(weights, written);
        assertEquals(2, extract(source, options, out, model).resumed());
        // The time changed, so the bytes are hashed: other weights are refused, the original ones resume.
        Files.setLastModifiedTime(weights, FileTime.fromMillis(1_800_000_000_000L));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> extract(source, options, out, model));
        assertTrue(
                e.getMessage().contains("(differs in: weights (the sha256 of " + weights + " changed))"),
                e.getMessage());
        Files.write(weights, new byte[] {1, 2, 3, 4});
        assertEquals(2, extract(source, options, out, model).resumed());
        // Weights generated in memory where a file was fingerprinted are other weights too.
        ModelId generated = new ModelId("tiny", null);
        e = assertThrows(IllegalArgumentException.class, () -> extract(source, options, out, generated));
        assertTrue(e.getMessage().contains("(differs in: weights)"), e.getMessage());
    }

    @Test
    void readingAnIncompleteFolderNamesWhatIsMissing() throws Exception {
        TestSource source = TestSource.of(5, 5, 0, List.of(), List.of(), 0);
        Path out = dir.resolve("partial");
        extract(
                source,
                new ExtractOptions(
                        Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.X), DType.F32, 2, PatchSelection.ALL),
                out);
        Files.delete(out.resolve("x/train/shard-00001.safetensors"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> FeatureStore.read(out.resolve("x/train")));
        assertTrue(e.getMessage().contains("2 of 3 shards present"), e.getMessage());
    }

    @Test
    void aNonEmptyFolderThatIsNoExtractionIsRefused() throws Exception {
        Path out = Files.createDirectories(dir.resolve("taken"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        TestSource source = TestSource.of(6, 1, 0, List.of(), List.of(), 0);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> extract(
                        source,
                        new ExtractOptions(
                                Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.X), DType.F32, 2, PatchSelection.ALL),
                        out));
        assertTrue(e.getMessage().contains("is not an extraction folder"), e.getMessage());
        assertFalse(Files.exists(out.resolve(FolderLock.FILE)), "no lock file put into a folder that is not ours");
    }
}
