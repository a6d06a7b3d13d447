package vitprobe.views;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.engine.Capture;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.kernels.Backend;
import vitprobe.testing.Chromium;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.ViTWeights;

class FeaturePcaTest {
    private static final List<InputImage> IMAGES = ViewsTesting.images("a.png", "b.png", "c.png");
    private static final int PATCHES = 28 * 28, WIDTH = 64;

    private static ViTWeights weights;
    private static Backend backend;
    private static VisionTransformer vit;

    @TempDir
    Path dir;

    @BeforeAll
    static void model() {
        weights = ViewsTesting.weights();
        backend = ViewsTesting.backend();
        vit = new VisionTransformer(weights, backend);
    }

    @AfterAll
    static void close() {
        vit.close();
        backend.close();
        weights.close();
    }

    /** The y_norm patch tokens of block 0 of all images, row after row, captured without FeaturePca. */
    private static float[] patchTokens() {
        List<float[]> rows = new ArrayList<>();
        ImageForward.run(vit, IMAGES, Capture.of(0, EnumSet.of(Intermediate.Y_NORM)), 8, null, (i, image, acts) -> {
            float[] t = acts.get(0, Intermediate.Y_NORM).data();
            rows.add(java.util.Arrays.copyOfRange(t, WIDTH, t.length));
        });
        float[] out = new float[IMAGES.size() * PATCHES * WIDTH];
        for (int i = 0; i < rows.size(); i++)
            System.arraycopy(rows.get(i), 0, out, i * PATCHES * WIDTH, PATCHES * WIDTH);
        return out;
    }

    private static float[] channel(FeaturePca.Result result, int c) {
        float[] out = new float[IMAGES.size() * PATCHES];
        for (int i = 0; i < IMAGES.size(); i++)
            System.arraycopy(result.images().get(i).colours().get(c).values(), 0, out, i * PATCHES, PATCHES);
        return out;
    }

    @Test
    void fitsThePatchTokensOfAllImagesJointlyAndScalesEachComponentOverAllOfThem() {
        FeaturePca.Result result = FeaturePca.compute(vit, "random", IMAGES, Intermediate.Y_NORM, -2, null, 2, null);
        assertEquals(0, result.block());
        assertNull(result.foreground());
        float[] tokens = patchTokens();
        PrincipalComponents expected = PrincipalComponents.fit(tokens, IMAGES.size() * PATCHES, WIDTH, 3);
        assertArrayEquals(expected.mean(), result.all().pca().mean(), 1e-6f);
        for (int c = 0; c < 3; c++)
            assertArrayEquals(expected.components()[c], result.all().pca().components()[c], 1e-5f, "component " + c);
        float[][] scores = expected.project(tokens, IMAGES.size() * PATCHES);
        for (int c = 0; c < 3; c++) {
            float[] got = channel(result, c);
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (float s : scores[c]) {
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
            for (int r = 0; r < got.length; r++) assertEquals((scores[c][r] - min) / (max - min), got[r], 1e-4);
        }
        for (FeaturePca.ImageComponents image : result.images()) {
            assertEquals(28, image.first().rows());
            assertEquals(28, image.first().cols());
            assertArrayEquals(image.colours().getFirst().values(), image.first().values());
            assertNull(image.foreground());
        }
    }

    @Test
    void backgroundPatchesAreBlackAndTheComponentsAreFittedAgainOnTheOthers() {
        FeaturePca.Result result = FeaturePca.compute(
                vit, "random", IMAGES, Intermediate.Y_NORM, 0, new FeaturePca.Background(0.5, false), 8, null);
        FeaturePca.Result flipped = FeaturePca.compute(
                vit, "random", IMAGES, Intermediate.Y_NORM, 0, new FeaturePca.Background(0.5, true), 8, null);
        float[] tokens = patchTokens();
        List<Integer> foreground = new ArrayList<>();
        int background = 0;
        for (int i = 0; i < IMAGES.size(); i++) {
            FeaturePca.ImageComponents image = result.images().get(i);
            for (int p = 0; p < PATCHES; p++) {
                boolean kept = image.first().values()[p] >= 0.5;
                assertEquals(kept, image.foreground()[p], "image " + i + ", patch " + p);
                assertEquals(
                        !kept || image.first().values()[p] == 0.5,
                        flipped.images().get(i).foreground()[p]);
                if (kept) foreground.add(i * PATCHES + p);
                else {
                    background++;
                    for (PatchMap c : image.colours()) assertEquals(0, c.values()[p]);
                }
            }
        }
        assertTrue(background > 0 && !foreground.isEmpty(), background + " background patches");
        float[] kept = new float[foreground.size() * WIDTH];
        for (int f = 0; f < foreground.size(); f++)
            System.arraycopy(tokens, foreground.get(f) * WIDTH, kept, f * WIDTH, WIDTH);
        PrincipalComponents expected = PrincipalComponents.fit(kept, foreground.size(), WIDTH, 3);
        for (int c = 0; c < 3; c++)
            assertArrayEquals(
                    expected.components()[c], result.foreground().pca().components()[c], 1e-5f);
        assertEquals(result.foreground(), result.colours());
    }

    @Test
    void refusesBadThresholdsAndTokensThatAreNotPerPatch() {
        for (double t : new double[] {-0.01, 1.5, Double.NaN})
            assertThrows(IllegalArgumentException.class, () -> new FeaturePca.Background(t, false));
        // Only the patch at the very top of the range is above 1 - nothing: too few to fit.
        IllegalArgumentException few = assertThrows(
                IllegalArgumentException.class,
                () -> FeaturePca.compute(
                        vit, "random", IMAGES, Intermediate.Y_NORM, 0, new FeaturePca.Background(1, false), 8, null));
        assertTrue(few.getMessage().contains("leaves 1 of 2352 patches"), few.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> FeaturePca.compute(vit, "random", IMAGES, Intermediate.ATTN, 0, null, 8, null));
    }

    @Test
    void writesEachImageBesideItsComponentsAndAPageWhosePicturesAllLoad() throws Exception {
        FeaturePca.Result result = FeaturePca.compute(
                vit, "random", IMAGES, Intermediate.Y_NORM, 0, new FeaturePca.Background(0.3, false), 8, null);
        Path page = result.write(dir);
        BufferedImage sheet = ImageIO.read(dir.resolve("pca.png").toFile());
        // Three pairs (input, components) side by side in one row of 224-pixel tiles.
        assertEquals(8 + 6 * (224 + 8), sheet.getWidth());
        assertEquals(28 + 224 + 20 + 8 + 8, sheet.getHeight());
        for (int i = 0; i < 3; i++) {
            BufferedImage own =
                    ImageIO.read(dir.resolve("abc".charAt(i) + "-pca.png").toFile());
            assertEquals(224, own.getWidth());
            assertEquals(224, own.getHeight());
            int x0 = 8 + (2 * i + 1) * (224 + 8), y0 = 28;
            for (int y = 0; y < 224; y += 7)
                for (int x = 0; x < 224; x += 7)
                    assertEquals(own.getRGB(x, y), sheet.getRGB(x0 + x, y0 + y), "image " + i + " at " + x + "," + y);
        }
        AttentionMapsTest.assertSize(dir.resolve("first-component.png"), 8 + 4 * (224 + 8), 28 + 224 + 20 + 8 + 8);
        try (SafeTensors st = SafeTensors.open(dir.resolve("pca.safetensors"))) {
            assertArrayEquals(new long[] {WIDTH}, st.tensor("mean").shape());
            assertArrayEquals(new long[] {3, WIDTH}, st.tensor("components").shape());
            assertArrayEquals(
                    result.foreground().pca().mean(), st.tensor("mean").toFloatArray());
            assertArrayEquals(new long[] {3}, st.tensor("explained_variance").shape());
            assertArrayEquals(result.foreground().min(), st.tensor("score_min").toFloatArray());
            assertArrayEquals(
                    result.all().pca().components()[0],
                    st.tensor("background_component").toFloatArray());
            assertEquals("y_norm", st.metadata().get("tokens"));
            assertEquals("first component below 0.3", st.metadata().get("background"));
        }
        Chromium.assertRendersWithAllImages(page, 5);
    }
}
