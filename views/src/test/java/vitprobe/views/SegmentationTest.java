package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.ImageInputs;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.Json;
import vitprobe.kernels.Backends;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.Rule;
import vitprobe.probe.SampleKind;
import vitprobe.testing.Chromium;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** Segmenter and SegmentationWriter on a small random-weight ViT (dim 64, 2 blocks, patch 16: a 14×14 grid). */
class SegmentationTest {
    private static final ViTConfig CONFIG = ViTConfig.vit(64, 2, 4, 16);
    private static final int BLOCK = 1, CONCEPTS = 6, GRID = 14;
    private static VisionTransformer vit;

    @TempDir
    Path dir;

    @BeforeAll
    static void model() {
        vit = new VisionTransformer(ViTWeights.random(CONFIG, 3), Backends.create("cpu"));
    }

    @AfterAll
    static void close() {
        vit.close();
    }

    /** A picture of random blocks, as the model would see it after preprocessing. */
    private static InputImage image(Path file, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] rgb = new byte[224 * 224 * 3];
        for (int by = 0; by < 224; by += 32) {
            for (int bx = 0; bx < 224; bx += 32) {
                int[] colour = {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
                for (int y = by; y < by + 32; y++)
                    for (int x = bx; x < bx + 32; x++)
                        for (int c = 0; c < 3; c++) rgb[(y * 224 + x) * 3 + c] = (byte) colour[c];
            }
        }
        RgbImage picture = new RgbImage(224, 224, rgb);
        ImageTransform transform = ImageInputs.transformFor(CONFIG);
        return new InputImage(file, picture, transform.normalize(picture));
    }

    /** Hyperplane templates through the origin: each fires on about half of the tokens. */
    private static ConceptTemplates templates(SampleKind kind, int dim, FeatureOrigin origin) {
        SplittableRandom r = new SplittableRandom(7);
        float[] directions = new float[CONCEPTS * dim];
        for (int i = 0; i < directions.length; i++) directions[i] = (float) r.nextGaussian();
        List<String> names =
                IntStream.range(0, CONCEPTS).mapToObj(c -> "concept " + c).toList();
        return new ConceptTemplates(Rule.HYPERPLANE, kind, names, dim, directions, new float[CONCEPTS], null, origin);
    }

    private static ConceptTemplates templates(SampleKind kind) {
        return templates(kind, CONFIG.dim(), new FeatureOrigin("k", BLOCK, "random"));
    }

    /** The k tokens of block 1 for one image, [1 + patches, 64], straight from the model. */
    private static float[] tokens(InputImage image) {
        FloatTensor pixels = new FloatTensor(image.pixels(), 1, 3, 224, 224);
        return vit.forward(pixels, Capture.of(BLOCK, java.util.EnumSet.of(Intermediate.K)))
                .get(BLOCK, Intermediate.K)
                .data();
    }

    @Test
    void patchDecisionsAreTheTemplatesOwnOnEachPatchToken() {
        ConceptTemplates t = templates(SampleKind.PATCH);
        InputImage image = image(dir.resolve("a.png"), 1);
        Segmentation s = Segmenter.of(vit, t).apply(image);
        float[] tokens = tokens(image);
        int dim = CONFIG.dim();
        int firing = 0;
        for (int p = 0; p < GRID * GRID; p++) {
            float[] feature = Arrays.copyOfRange(tokens, (1 + p) * dim, (2 + p) * dim);
            boolean[] decided = t.decide(feature);
            float[] scores = t.score(feature);
            for (int c = 0; c < CONCEPTS; c++) {
                ConceptScores concept = s.concepts().get(c);
                assertEquals(scores[c], concept.scores().at(p / GRID, p % GRID), "patch " + p + ", concept " + c);
                assertEquals(decided[c], concept.decisions()[p], "patch " + p + ", concept " + c);
                if (decided[c]) firing++;
            }
        }
        assertTrue(firing > 0 && firing < GRID * GRID * CONCEPTS, "some patches fire, some do not: " + firing);
        for (ConceptScores c : s.concepts()) {
            long inside = 0;
            for (boolean b : c.mask(224, 224)) if (b) inside++;
            assertEquals(inside / (224.0 * 224), c.area());
        }
        List<ConceptScores> ranked = s.ranked();
        for (int i = 1; i < ranked.size(); i++)
            assertTrue(ranked.get(i - 1).area() >= ranked.get(i).area());
        assertTrue(ranked.stream().allMatch(ConceptScores::fires));
    }

    @Test
    void clsTemplatesScoreTheClsTokenAndRankByMargin() {
        ConceptTemplates t = templates(SampleKind.CLS);
        InputImage image = image(dir.resolve("a.png"), 2);
        Segmentation s = Segmenter.of(vit, t).apply(image);
        float[] scores = t.score(Arrays.copyOf(tokens(image), CONFIG.dim()));
        for (int c = 0; c < CONCEPTS; c++) {
            PatchMap map = s.concepts().get(c).scores();
            assertEquals(1, map.rows() * map.cols());
            assertEquals(scores[c], map.at(0, 0));
            assertEquals(scores[c] > 0 ? 1.0 : 0.0, s.concepts().get(c).area());
        }
        List<ConceptScores> ranked = s.ranked();
        assertFalse(ranked.isEmpty());
        for (int i = 1; i < ranked.size(); i++)
            assertTrue(ranked.get(i - 1).margin() >= ranked.get(i).margin());
    }

    /**
     * Tester report: the README's Java example prepared images with the classification transform (resize 256, crop
     * 224), so patch templates scored another crop than `vitprobe segment` and its numbers differed from the CLI's.
     */
    @Test
    void theSegmenterNamesThePreprocessingItsTemplatesWereTrainedWith() {
        ImageTransform patch = Segmenter.of(vit, templates(SampleKind.PATCH)).transform();
        assertEquals(new ImageTransform.CenterCrop(224, 224, 224, 224), patch.geometry(), "the whole picture");
        assertEquals(
                ImageInputs.transformFor(CONFIG).geometry(),
                Segmenter.of(vit, templates(SampleKind.CLS)).transform().geometry(),
                "[CLS] templates: resize and centre crop, as classification extractions");
    }

    @Test
    void refusesTemplatesThatDoNotFitTheModel() {
        var wide = assertThrows(
                IllegalArgumentException.class,
                () -> Segmenter.of(vit, templates(SampleKind.PATCH, 32, new FeatureOrigin("k", 1, null))));
        assertEquals(
                "the templates are 32 wide but the model's k tokens are 64 wide (templates of another model?)",
                wide.getMessage());
        ConceptTemplates t = templates(SampleKind.PATCH);
        var attn = assertThrows(IllegalArgumentException.class, () -> new Segmenter(vit, t, Intermediate.ATTN, 1));
        assertTrue(attn.getMessage().contains("attention map"), attn.getMessage());
        var block = assertThrows(IllegalArgumentException.class, () -> new Segmenter(vit, t, Intermediate.K, 2));
        assertEquals("block 2 is not a block of the model (0 to 1)", block.getMessage());
        var none = assertThrows(
                IllegalArgumentException.class, () -> new Segmenter(vit, t.withConcepts(List.of()), Intermediate.K, 1));
        assertEquals("the templates hold no concept", none.getMessage());
        var unknown = assertThrows(
                IllegalArgumentException.class,
                () -> Segmenter.of(vit, templates(SampleKind.PATCH, 64, FeatureOrigin.UNKNOWN)));
        assertTrue(unknown.getMessage().contains("do not record their token type"), unknown.getMessage());
    }

    @Test
    void writesOverlaysHeatmapsJsonScoresAndAGalleryThatRenders() throws Exception {
        ConceptTemplates t = templates(SampleKind.PATCH);
        Segmenter segmenter = Segmenter.of(vit, t);
        // Two images of the same stem: their files must not overwrite each other.
        List<InputImage> images = List.of(image(dir.resolve("a/cat.png"), 1), image(dir.resolve("b/cat.jpg"), 2));
        Path out = dir.resolve("out");
        var writer = new SegmentationWriter(
                out, segmenter, "t.safetensors", "random", new SegmentationWriter.Options(3, true));
        List<Segmentation> results = new ArrayList<>();
        segmenter.apply(images, 2, null, s -> {
            results.add(s);
            writer.add(s);
        });
        Path page = writer.finish();

        Map<String, Object> json = Json.parseObject(Files.readString(out.resolve(SegmentationWriter.JSON)));
        assertEquals("k", json.get("token_type"));
        assertEquals(1L, json.get("block"));
        assertEquals("patch", json.get("samples"));
        List<?> entries = (List<?>) json.get("images");
        assertEquals(2, entries.size());
        int pictures = 0;
        for (int i = 0; i < 2; i++) {
            Map<?, ?> entry = (Map<?, ?>) entries.get(i);
            assertEquals(i == 0 ? "cat-segments.png" : "cat-2-segments.png", entry.get("overlay"));
            assertEquals((long) GRID, entry.get("rows"));
            BufferedImage overlay =
                    ImageIO.read(out.resolve((String) entry.get("overlay")).toFile());
            assertTrue(overlay.getWidth() > 224 + 120 && overlay.getHeight() >= 224 + 28, overlay.toString());
            List<ConceptScores> drawn = results.get(i).ranked().stream()
                    .filter(c -> c.area() > 0)
                    .limit(3)
                    .toList();
            List<?> heatmaps = (List<?>) entry.get("heatmaps");
            assertEquals(drawn.size(), heatmaps.size());
            assertTrue(drawn.size() > 0);
            for (int k = 0; k < drawn.size(); k++) {
                String file = (String) heatmaps.get(k);
                String stem = i == 0 ? "cat" : "cat-2";
                assertEquals(stem + "-score-" + drawn.get(k).concept().replace(' ', '_') + ".png", file);
                BufferedImage heat = ImageIO.read(out.resolve(file).toFile());
                assertTrue(heat.getWidth() >= 224 && heat.getHeight() > 224, heat.toString());
            }
            pictures += 1 + drawn.size();
            List<?> concepts = (List<?>) entry.get("concepts");
            assertEquals(CONCEPTS, concepts.size());
            for (int c = 0; c < CONCEPTS; c++) {
                Map<?, ?> concept = (Map<?, ?>) concepts.get(c);
                ConceptScores expected = results.get(i).concepts().get(c);
                assertEquals(expected.concept(), concept.get("concept"));
                assertEquals(expected.fires(), concept.get("fires"));
                assertEquals(expected.area(), ((Number) concept.get("area")).doubleValue());
                assertEquals(expected.meanScore(), ((Number) concept.get("mean_score")).floatValue());
            }
        }
        try (SafeTensors st = SafeTensors.open(out.resolve(SegmentationWriter.SCORES))) {
            Tensor scores = st.tensor("scores");
            assertArrayEquals(new long[] {2, CONCEPTS, GRID, GRID}, scores.shape());
            float[] values = scores.toFloatArray();
            for (int i = 0; i < 2; i++)
                for (int c = 0; c < CONCEPTS; c++)
                    assertArrayEquals(
                            results.get(i).concepts().get(c).scores().values(),
                            Arrays.copyOfRange(
                                    values, (i * CONCEPTS + c) * GRID * GRID, (i * CONCEPTS + c + 1) * GRID * GRID));
        }
        Chromium.assertRendersWithAllImages(page, pictures);
    }

    @Test
    void clsResultsListTheConceptsThatFireRanked() throws Exception {
        Segmenter segmenter = Segmenter.of(vit, templates(SampleKind.CLS));
        Path out = dir.resolve("out");
        var writer = new SegmentationWriter(
                out, segmenter, "t.safetensors", "random", new SegmentationWriter.Options(5, false));
        Segmentation s = segmenter.apply(image(dir.resolve("dog.png"), 2));
        writer.add(s);
        Path page = writer.finish();
        Map<?, ?> entry =
                (Map<?, ?>) ((List<?>) Json.parseObject(Files.readString(out.resolve(SegmentationWriter.JSON)))
                                .get("images"))
                        .getFirst();
        assertEquals("dog-concepts.png", entry.get("overlay"));
        List<?> fired = (List<?>) entry.get("fired");
        assertEquals(
                s.ranked().stream().map(ConceptScores::concept).toList(),
                fired.stream().map(f -> ((Map<?, ?>) f).get("concept")).toList());
        assertFalse(Files.exists(out.resolve(SegmentationWriter.SCORES)));
        assertTrue(Files.readString(page).contains("<th>score − threshold</th>"));
        Chromium.assertRendersWithAllImages(page, 1);
    }

    @Test
    void scoresOfPicturesWithAnotherPatchGridAreRefused() throws Exception {
        Segmenter segmenter = Segmenter.of(vit, templates(SampleKind.PATCH));
        var writer = new SegmentationWriter(
                dir.resolve("out"), segmenter, "t", "m", new SegmentationWriter.Options(2, true));
        writer.add(segmenter.apply(image(dir.resolve("a.png"), 1)));
        InputImage wide =
                new InputImage(dir.resolve("wide.png"), new RgbImage(448, 224, new byte[448 * 224 * 3]), null);
        var other = new Segmentation(
                wide,
                SampleKind.PATCH,
                List.of(ConceptScores.over(
                        "concept 0", 0f, new PatchMap(GRID, 2 * GRID, new float[2 * GRID * GRID]), 224, 448)));
        var e = assertThrows(IllegalArgumentException.class, () -> writer.add(other));
        assertTrue(e.getMessage().startsWith(wide.file() + ": a 14x28 patch grid"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out/wide-segments.png")));
    }

    @Test
    void aFinishedWriterRefusesMoreImagesAndASecondFinish() throws Exception {
        Segmenter segmenter = Segmenter.of(vit, templates(SampleKind.PATCH));
        Path out = dir.resolve("out");
        var writer = new SegmentationWriter(out, segmenter, "t", "m", new SegmentationWriter.Options(2, false));
        writer.add(segmenter.apply(image(dir.resolve("a.png"), 1)));
        writer.finish();
        Segmentation late = segmenter.apply(image(dir.resolve("late.png"), 2));
        var added = assertThrows(IllegalStateException.class, () -> writer.add(late));
        assertEquals("segmentation of " + out + " already finished: no image can be added", added.getMessage());
        assertFalse(Files.exists(out.resolve("late-segments.png")));
        var twice = assertThrows(IllegalStateException.class, writer::finish);
        assertEquals("segmentation of " + out + " already finished", twice.getMessage());
    }
}
