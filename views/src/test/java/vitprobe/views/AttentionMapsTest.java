package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.Backend;
import vitprobe.testing.Chromium;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.ViTWeights;

class AttentionMapsTest {
    @TempDir
    Path dir;

    private static boolean[] patches(int count, int... kept) {
        boolean[] out = new boolean[count];
        for (int i : kept) out[i] = true;
        return out;
    }

    @Test
    void masksKeepTheSmallestSetOfMostAttendedPatchesThatReachesTheShare() {
        // Descending: patch 4 (1/2), 1 (1/4), 0 (1/8), then 2 and 5 (1/16 each, in patch order), 3 (0).
        float[] map = {0.125f, 0.25f, 0.0625f, 0, 0.5f, 0.0625f};
        assertArrayEquals(patches(6, 4), AttentionMaps.keepMass(map, 0.5)); // reached exactly by patch 4 alone
        assertArrayEquals(patches(6, 4, 1), AttentionMaps.keepMass(map, 0.6));
        assertArrayEquals(patches(6, 4, 1), AttentionMaps.keepMass(map, 0.75));
        assertArrayEquals(patches(6, 4, 1, 0), AttentionMaps.keepMass(map, 0.8));
        assertArrayEquals(patches(6, 4, 1, 0, 2), AttentionMaps.keepMass(map, 0.9));
        assertArrayEquals(patches(6, 4, 1, 0, 2, 5), AttentionMaps.keepMass(map, 1)); // the zero is never needed
        // Shares of the map's own total: scaling the map changes nothing.
        float[] scaled = new float[map.length];
        for (int i = 0; i < map.length; i++) scaled[i] = 0.8f * map[i];
        assertArrayEquals(patches(6, 4, 1), AttentionMaps.keepMass(scaled, 0.6));
    }

    @Test
    void masksMatchDinosAscendingFormulationOnRandomMaps() {
        // DINO sorts ascending, divides by the sum and keeps the patches whose cumulative share exceeds 1 − keep.
        Random random = new Random(5);
        for (int trial = 0; trial < 200; trial++) {
            float[] map = new float[1 + random.nextInt(60)];
            for (int i = 0; i < map.length; i++) map[i] = (float) Math.exp(3 * random.nextGaussian());
            double keep = 0.05 + 0.95 * random.nextDouble(), total = 0;
            for (float v : map) total += v;
            Integer[] ascending = new Integer[map.length];
            for (int i = 0; i < map.length; i++) ascending[i] = i;
            Arrays.sort(ascending, (a, b) -> Float.compare(map[a], map[b]));
            boolean[] expected = new boolean[map.length];
            double cumulative = 0;
            for (int i : ascending) {
                cumulative += map[i] / total;
                expected[i] = cumulative > 1 - keep;
            }
            assertArrayEquals(expected, AttentionMaps.keepMass(map, keep), "trial " + trial + ", keep " + keep);
        }
    }

    @Test
    void refusesAShareOutsideZeroToOne() {
        for (double keep : new double[] {0, -0.1, 1.01, Double.NaN})
            assertThrows(IllegalArgumentException.class, () -> AttentionMaps.keepMass(new float[] {1}, keep));
    }

    @Test
    void theClsRowOfTheCapturedAttentionSumsToOneAndTheMapsAreItsPatchColumns() {
        List<InputImage> images = ViewsTesting.images("a.png", "b.png", "c.png");
        try (ViTWeights w = ViewsTesting.weights();
                Backend backend = ViewsTesting.backend();
                VisionTransformer vit = new VisionTransformer(w, backend)) {
            List<FloatTensor> captured = new ArrayList<>();
            ImageForward.run(vit, images, Capture.of(1, EnumSet.of(Intermediate.ATTN)), 2, null, (i, image, acts) -> {
                captured.add(acts.get(1, Intermediate.ATTN));
            });
            AttentionMaps.Result result = AttentionMaps.compute(vit, "random", images, -1, 2, null);
            assertEquals(1, result.block());
            int tokens = 1 + 28 * 28;
            for (int i = 0; i < images.size(); i++) {
                FloatTensor attention = captured.get(i);
                assertArrayEquals(new int[] {1, 4, tokens, tokens}, attention.shape());
                List<PatchMap> heads = result.images().get(i).heads();
                assertEquals(4, heads.size());
                for (int h = 0; h < 4; h++) {
                    double row = 0;
                    for (int t = 0; t < tokens; t++) row += attention.data()[h * tokens * tokens + t];
                    assertEquals(1, row, 1e-5, "image " + i + ", head " + h);
                    PatchMap map = heads.get(h);
                    assertEquals(28, map.rows());
                    assertEquals(28, map.cols());
                    float[] columns =
                            Arrays.copyOfRange(attention.data(), h * tokens * tokens + 1, (h * tokens + 1) * tokens);
                    assertArrayEquals(columns, map.values(), "image " + i + ", head " + h);
                }
            }
        }
    }

    @Test
    void writesSheetsTheMapsAndAPageWhosePicturesAllLoad() throws Exception {
        List<InputImage> images = ViewsTesting.images("cats/a.png", "dogs/a.png");
        AttentionMaps.Result result;
        try (ViTWeights w = ViewsTesting.weights();
                Backend backend = ViewsTesting.backend();
                VisionTransformer vit = new VisionTransformer(w, backend)) {
            result = AttentionMaps.compute(vit, "random", images, 0, 8, null);
        }
        Path page = result.write(dir, 0.6);
        assertEquals(dir.resolve("index.html"), page);
        for (String name : List.of("a", "a-2")) {
            // 1 + 4 heads + mean + key = 7 tiles in rows of 5; 5 mask tiles in one row.
            assertSize(dir.resolve(name + "-attention.png"), 8 + 5 * (224 + 8), 28 + 2 * (224 + 20 + 8) + 8);
            assertSize(dir.resolve(name + "-masks.png"), 8 + 5 * (224 + 8), 28 + (224 + 20 + 8) + 8);
        }
        try (SafeTensors st = SafeTensors.open(dir.resolve("attention.safetensors"))) {
            assertArrayEquals(new long[] {2, 4, 28, 28}, st.tensor("attention").shape());
            float[] data = st.tensor("attention").toFloatArray();
            assertArrayEquals(
                    result.images().get(1).heads().get(3).values(),
                    Arrays.copyOfRange(data, (4 + 3) * 784, (4 + 4) * 784));
            assertEquals("0", st.metadata().get("block"));
            assertEquals("[\"cats/a.png\",\"dogs/a.png\"]", st.metadata().get("images"));
        }
        Chromium.assertRendersWithAllImages(page, 4);
        String html = Files.readString(page);
        assertTrue(html.contains("60%"), html);
    }

    @Test
    void imagesOfDifferentGridsGetATensorEach() throws Exception {
        InputImage wide =
                new InputImage(Path.of("wide.png"), new RgbImage(24, 16, new byte[24 * 16 * 3]), new float[0]);
        InputImage tall =
                new InputImage(Path.of("tall.png"), new RgbImage(16, 24, new byte[16 * 24 * 3]), new float[0]);
        float[] six = {1, 2, 3, 4, 5, 6};
        AttentionMaps.Result result = new AttentionMaps.Result(
                "hand-made",
                3,
                List.of(
                        new AttentionMaps.ImageAttention(wide, List.of(new PatchMap(2, 3, six))),
                        new AttentionMaps.ImageAttention(tall, List.of(new PatchMap(3, 2, six)))));
        result.write(dir, 0.5);
        try (SafeTensors st = SafeTensors.open(dir.resolve("attention.safetensors"))) {
            assertArrayEquals(new long[] {1, 1, 2, 3}, st.tensor("attention.0").shape());
            assertArrayEquals(new long[] {1, 1, 3, 2}, st.tensor("attention.1").shape());
            assertArrayEquals(six, st.tensor("attention.1").toFloatArray());
        }
    }

    /**
     * Tester report: the "share of the image" column printed 58.8% beside 59.06% (trailing zeros dropped). Every
     * share has two decimals, so the column lines up.
     */
    @Test
    void theShareOfTheImageHasTwoDecimalsInEveryRow() throws Exception {
        InputImage image =
                new InputImage(Path.of("flat.png"), new RgbImage(16, 16, new byte[16 * 16 * 3]), new float[0]);
        // Keeping half of an even map takes 2 of its 4 patches, half of a map of one bright patch takes 1.
        AttentionMaps.Result result = new AttentionMaps.Result(
                "hand-made",
                0,
                List.of(new AttentionMaps.ImageAttention(
                        image,
                        List.of(new PatchMap(2, 2, new float[] {1, 1, 1, 1}), new PatchMap(2, 2, new float[] {0, 9, 0, 0
                        })))));
        String html = Files.readString(result.write(dir, 0.5));
        assertTrue(html.contains(">2 of 4</td><td class=\"num\">50.00%</td>"), html);
        assertTrue(html.contains(">1 of 4</td><td class=\"num\">25.00%</td>"), html);
    }

    /**
     * Tester report: a 1200x150 picture with --keep-aspect made a 9008x540 attention sheet, five wide tiles a row,
     * whose captions and colour key were a few pixels high on the page. Wide tiles get fewer a row.
     */
    @Test
    void aSheetOfVeryWideTilesStaysReadable() throws Exception {
        InputImage wide =
                new InputImage(Path.of("wide.png"), new RgbImage(1792, 224, new byte[1792 * 224 * 3]), new float[0]);
        float[] grid = new float[28 * 224];
        Arrays.fill(grid, 1);
        List<PatchMap> heads = new ArrayList<>();
        for (int h = 0; h < 6; h++) heads.add(new PatchMap(28, 224, grid));
        new AttentionMaps.Result("hand-made", 0, List.of(new AttentionMaps.ImageAttention(wide, heads)))
                .write(dir, 0.6);
        for (String sheet : List.of("wide-attention.png", "wide-masks.png")) {
            BufferedImage image = ImageIO.read(dir.resolve(sheet).toFile());
            assertTrue(
                    image.getWidth() <= 2.5 * image.getHeight(),
                    sheet + " is " + image.getWidth() + "x" + image.getHeight());
        }
    }

    static void assertSize(Path png, int width, int height) throws Exception {
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(width + "x" + height, image.getWidth() + "x" + image.getHeight(), png.toString());
    }
}
