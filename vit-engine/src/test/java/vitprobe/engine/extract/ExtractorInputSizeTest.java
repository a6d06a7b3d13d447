package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.PosResample;
import vitprobe.engine.TokenGrid;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.Json;
import vitprobe.weights.DType;

/** Extraction at other input sizes than the tiny model's 32 × 32: a fixed non-square one, and a kept aspect ratio. */
class ExtractorInputSizeTest {
    @TempDir
    Path dir;

    private static final InputResolution WIDE = InputResolution.parse("24,40", false, null);
    private static final InputResolution KEEP = InputResolution.parse("32", true, null);

    private static void extract(TestSource source, ExtractOptions options, Path out) throws Exception {
        try (VisionTransformer vit = TinyModel.create()) {
            new Extractor(vit, new ModelId("tiny", null), options, 3, 2, null).run(source, out);
        }
    }

    private static ExtractOptions segmentation(InputResolution input) {
        return new ExtractOptions(
                Task.SEGMENTATION, 1, EnumSet.of(Intermediate.Y), DType.F32, 4, new PatchSelection(6, 3), input);
    }

    /** What the model gives for one patch token of one image run alone at the transform's size. */
    private static float[] alone(TestSource.Item item, ImageTransform transform, int token) throws Exception {
        RgbImage image = ImageDecoder.decode(item.read(), item.id());
        ImageTransform.Placement p = transform.place(image.width(), image.height(), "test image");
        try (VisionTransformer vit = TinyModel.create()) {
            FloatTensor y = vit.forward(
                            new FloatTensor(transform.apply(image, "test image"), 1, 3, p.height(), p.width()),
                            Capture.of(1, Set.of(Intermediate.Y)))
                    .get(1, Intermediate.Y);
            return Arrays.copyOfRange(y.data(), token * 32, (token + 1) * 32);
        }
    }

    /** Every stored patch is that image's own token at its own grid, with the labels of that grid's patch. */
    private static Set<TokenGrid> assertPatchesAreTheImagesOwn(TestSource source, Path out, InputResolution input)
            throws Exception {
        ImageTransform transform = Task.SEGMENTATION.transform(TinyModel.CONFIG, input);
        FeatureStore.Features f = FeatureStore.read(out.resolve("y").resolve("train"));
        Set<TokenGrid> grids = new HashSet<>();
        for (int s = 0; s < f.size(); s++) {
            TestSource.Item item = source.samples("train").get((int) f.groups()[s]);
            RgbImage image = ImageDecoder.decode(item.read(), item.id());
            PatchGrid grid = PatchGrid.of(image.width(), image.height(), transform, 8, "test image");
            grids.add(grid.tokens());
            int patch = (int) f.patches()[s];
            assertTrue(patch < grid.patches(), item.id() + " patch " + patch + " outside " + grid.tokens());
            byte[] labels = item.patchLabels(grid);
            assertArrayEquals(
                    Arrays.copyOfRange(labels, patch * 3, patch * 3 + 3),
                    f.labels().row(s),
                    item.id() + " labels of patch " + patch);
            float[] expected = alone(item, transform, 1 + patch);
            for (int j = 0; j < 32; j++) {
                float tolerance = 1e-5f * Math.max(1, Math.abs(expected[j]));
                assertEquals(expected[j], f.features()[s * 32 + j], tolerance, item.id() + " patch " + patch);
            }
        }
        return grids;
    }

    @Test
    void aNonSquareInputStoresItsOwnPatchesAndRecordsItsGrid() throws Exception {
        TestSource source = TestSource.of(21, 5, 1, List.of(), List.of(), 0);
        Path out = dir.resolve("wide");
        extract(source, segmentation(WIDE), out);
        assertEquals(Set.of(new TokenGrid(3, 5)), assertPatchesAreTheImagesOwn(source, out, WIDE));
        Map<String, Object> manifest = Json.parseObject(Files.readString(out.resolve(FeatureStore.MANIFEST)));
        assertEquals(List.of(3L, 5L), manifest.get("grid"));
        assertEquals(PosResample.TIMM.key(), manifest.get("pos_resample"));
        assertEquals(
                Map.of("interpolation", "bicubic", "resize_to", List.of(24L, 40L), "crop_to", List.of(24L, 40L)),
                manifest.get("transform"));
        assertEquals(null, manifest.get("patch_grid"), "the square side is only written at the model's own size");
    }

    @Test
    void aKeptAspectRatioGivesEveryImageItsOwnGrid() throws Exception {
        TestSource source = TestSource.of(22, 6, 1, List.of(), List.of(), 0);
        Path out = dir.resolve("aspect");
        extract(source, segmentation(KEEP), out);
        Set<TokenGrid> grids = assertPatchesAreTheImagesOwn(source, out, KEEP);
        assertTrue(grids.size() > 1, "images of several shapes give several grids: " + grids);
        for (TokenGrid g : grids) assertEquals(4, Math.min(g.rows(), g.columns()), "shorter side 32 = 4 patches");
        Map<String, Object> manifest = Json.parseObject(Files.readString(out.resolve(FeatureStore.MANIFEST)));
        assertEquals(null, manifest.get("grid"), "no single grid");
        assertEquals(Map.of("interpolation", "bicubic", "shorter_side", 32L), manifest.get("transform"));
    }

    @Test
    void classificationAtAnotherSizeKeepsEachImagesClsToken() throws Exception {
        TestSource source = TestSource.of(23, 4, 1, List.of(), List.of(), 0);
        Path out = dir.resolve("cls");
        extract(
                source,
                new ExtractOptions(
                        Task.CLASSIFICATION, 1, EnumSet.of(Intermediate.Y), DType.F32, 4, PatchSelection.ALL, KEEP),
                out);
        FeatureStore.Features f = FeatureStore.read(out.resolve("y").resolve("train"));
        ImageTransform transform = Task.CLASSIFICATION.transform(TinyModel.CONFIG, KEEP);
        for (int s = 0; s < f.size(); s++) {
            TestSource.Item item = source.samples("train").get((int) f.groups()[s]);
            float[] expected = alone(item, transform, 0);
            for (int j = 0; j < 32; j++) {
                assertEquals(expected[j], f.features()[s * 32 + j], 1e-5f * Math.max(1, Math.abs(expected[j])));
            }
        }
    }

    @Test
    void aRerunAtAnotherSizeIsRefusedNamingWhatDiffers() throws Exception {
        TestSource source = TestSource.of(24, 2, 1, List.of(), List.of(), 0);
        Path out = dir.resolve("again");
        extract(source, segmentation(InputResolution.NATIVE), out);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> extract(source, segmentation(WIDE), out));
        assertTrue(e.getMessage().contains("differs in: grid, patch_grid, pos_resample, transform"), e.getMessage());
        Path other = dir.resolve("other");
        extract(source, segmentation(WIDE), other);
        e = assertThrows(
                IllegalArgumentException.class,
                () -> extract(source, segmentation(InputResolution.parse("40,24", false, null)), other));
        assertTrue(e.getMessage().contains("differs in: grid, transform"), e.getMessage());
    }

    @Test
    void sidesThatAreNotMultiplesOfThePatchAreRefused() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> extract(
                        TestSource.of(25, 1, 1, List.of(), List.of(), 0),
                        segmentation(InputResolution.parse("30,40", false, null)),
                        dir.resolve("bad")));
        assertEquals("image size 30x40 is not a multiple of the model's patch size 8 (e.g. 32,40)", e.getMessage());
    }
}
