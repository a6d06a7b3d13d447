package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.Json;
import vitprobe.kernels.Backend;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Inputs of other sizes than the checkpoint's: the forward against float64 references made with PyTorch by
 * scripts/make-resolution-fixtures.py (fixtures/resolution/HxW.safetensors), position embeddings resampled as timm
 * (antialiased bicubic) and transformers (plain bicubic) do, every intermediate within 1e-5 relative error.
 */
class AnySizeForwardTest {
    private static final Backend CPU = new CpuBackend();

    @AfterAll
    static void close() {
        CPU.close();
    }

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({"timm, 448x448", "hf, 448x448", "timm, 280x392", "hf, 280x392"})
    void everyIntermediateMatchesTheLibrarysResampling(String model, String size) {
        try (SafeTensors ref = reference(size);
                ViTWeights w = CheckpointLoader.load(checkpoint(model));
                VisionTransformer vit = new VisionTransformer(w, CPU)) {
            assertEquals(model.equals("timm") ? PosResample.TIMM : PosResample.TRANSFORMERS, vit.posResample());
            FloatTensor input = input(ref);
            TokenGrid grid = vit.grid(input.dim(2), input.dim(3));
            long[] kept = ref.tensor(model + ".tokens").toLongArray();
            PositionEmbeddings table = new PositionEmbeddings(
                    w.posEmbed().toFloatArray(),
                    w.config().gridSize(),
                    w.config().dim(),
                    vit.posResample());
            assertWithin(
                    ref.tensor(model + ".pos_embed"),
                    rows(table.forGrid(grid), w.config().dim(), kept),
                    "pos");
            int last = w.config().depth() - 1;
            Activations acts = vit.forward(input, Capture.paper(last));
            for (Intermediate which : Intermediate.PAPER) {
                FloatTensor got = acts.get(last, which);
                assertArrayEquals(new int[] {1, grid.tokens(), w.config().dim()}, got.shape(), which.key());
                assertWithin(ref.tensor(model + "." + which.key()), rows(got.data(), got.dim(2), kept), which.key());
            }
        }
    }

    @Test
    void theOtherLibrarysRuleGivesOtherNumbers() {
        try (SafeTensors ref = reference("448x448");
                ViTWeights w = CheckpointLoader.load(checkpoint("timm"));
                VisionTransformer vit = new VisionTransformer(w, CPU, PosResample.TRANSFORMERS)) {
            PositionEmbeddings table = new PositionEmbeddings(
                    w.posEmbed().toFloatArray(),
                    w.config().gridSize(),
                    w.config().dim(),
                    vit.posResample());
            float[] got = rows(
                    table.forGrid(new TokenGrid(56, 56)),
                    w.config().dim(),
                    ref.tensor("timm.tokens").toLongArray());
            double err = FixtureAgreementTest.relativeError(
                    got, ref.tensor("timm.pos_embed").toFloatArray());
            assertTrue(err > 1e-3, "plain bicubic is not timm's antialiased bicubic: " + err);
        }
    }

    /** The acceptance check: DINO ViT-S/8 at 448 × 448 has a 56 × 56 grid of patch tokens. */
    @Test
    void vitSmall8At448Has56By56Patches() {
        ViTConfig s8 = ViTConfig.vit(384, 1, 6, 8);
        try (ViTWeights w = ViTWeights.random(s8, 3);
                VisionTransformer vit = new VisionTransformer(w, CPU)) {
            FloatTensor images = new FloatTensor(new float[3 * 448 * 448], 1, 3, 448, 448);
            assertEquals(new TokenGrid(56, 56), vit.grid(448, 448));
            FloatTensor y = vit.forward(images, Capture.of(0, EnumSet.of(Intermediate.Y)))
                    .get(0, Intermediate.Y);
            assertArrayEquals(new int[] {1, 1 + 56 * 56, 384}, y.shape());
            assertEquals(3137, y.dim(1), "[CLS] and 3136 patch tokens");
        }
    }

    @Test
    void theOwnGridUsesTheStoredTableAndGridsDoNotMix() {
        try (ViTWeights w = CheckpointLoader.load(checkpoint("hf"));
                VisionTransformer vit = new VisionTransformer(w, CPU)) {
            PositionEmbeddings table = new PositionEmbeddings(
                    w.posEmbed().toFloatArray(), 28, w.config().dim(), PosResample.TIMM);
            assertArrayEquals(w.posEmbed().toFloatArray(), table.forGrid(new TokenGrid(28, 28)));
            Capture y = Capture.of(1, EnumSet.of(Intermediate.Y));
            FloatTensor small = noise(224, 224), wide = noise(64, 128);
            float[] first = vit.forward(small, y).get(1, Intermediate.Y).data();
            float[] other = vit.forward(wide, y).get(1, Intermediate.Y).data();
            assertEquals(1 + 8 * 16, other.length / w.config().dim());
            assertArrayEquals(
                    first, vit.forward(small, y).get(1, Intermediate.Y).data(), "cached grids stay apart");
        }
    }

    @Test
    void theCacheOfGridsIsBounded() {
        try (ViTWeights w = CheckpointLoader.load(checkpoint("hf"));
                VisionTransformer vit = new VisionTransformer(w, CPU)) {
            Capture y = Capture.of(0, EnumSet.of(Intermediate.Y));
            for (int columns = 1; columns <= VisionTransformer.CACHED_GRIDS + 6; columns++)
                vit.forward(noise(8, 8 * columns), y);
            assertEquals(VisionTransformer.CACHED_GRIDS, vit.cachedGrids());
        }
    }

    @Test
    void anInputTooLargeForOneArrayIsRefusedNamingTheWayOut() {
        try (ViTWeights w = CheckpointLoader.load(checkpoint("hf"));
                VisionTransformer vit = new VisionTransformer(w, CPU)) {
            // 256 x 128 patches: 32,769 tokens, 4 heads of 32,769² attention probabilities each.
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> vit.forward(noise(2048, 1024), Capture.of(0, EnumSet.of(Intermediate.ATTN))));
            assertEquals(
                    "1 images of 2048x1024 pixels (32769 tokens each) need 4295229444 values in one activation matrix,"
                            + " more than one array holds: use a smaller batch or image size",
                    e.getMessage());
        }
    }

    @Test
    void refusesSidesThatAreNotMultiplesOfThePatch() {
        try (ViTWeights w = CheckpointLoader.load(checkpoint("hf"));
                VisionTransformer vit = new VisionTransformer(w, CPU)) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> vit.forward(noise(60, 64), Capture.paper(0)));
            assertEquals(
                    "input of 60x64 pixels: height and width must be positive multiples of the patch size 8",
                    e.getMessage());
        }
    }

    private static Path checkpoint(String model) {
        return model.equals("timm")
                ? SharedFixtures.resolve(SharedFixtures.TIMM_DINO)
                : Fixtures.bundled(SharedFixtures.HF_VIT);
    }

    private static SafeTensors reference(String size) {
        return SafeTensors.open(Fixtures.bundled("resolution").resolve(size + ".safetensors"));
    }

    /** The crop of the decoded astronaut the reference was made from, normalised as torchvision does. */
    private static FloatTensor input(SafeTensors ref) {
        Map<String, Object> crop = Json.parseObject(ref.metadata().get("crop"));
        int top = ((Number) crop.get("top")).intValue(), left = ((Number) crop.get("left")).intValue();
        int height = ((Number) crop.get("height")).intValue(), width = ((Number) crop.get("width")).intValue();
        try (SafeTensors images = SafeTensors.open(SharedFixtures.resolve("images/preprocess_oracle.safetensors"))) {
            Tensor decoded = images.tensor("decoded_astronaut");
            byte[] all = decoded.toByteArray();
            int fullWidth = (int) decoded.dim(1);
            byte[] rgb = new byte[height * width * 3];
            for (int y = 0; y < height; y++)
                System.arraycopy(all, ((top + y) * fullWidth + left) * 3, rgb, y * width * 3, width * 3);
            float[] pixels = ImageTransform.imagenetDefaults().normalize(new RgbImage(width, height, rgb));
            return new FloatTensor(pixels, 1, 3, height, width);
        }
    }

    /** The kept token rows of a [tokens, width] table. */
    private static float[] rows(float[] table, int width, long[] kept) {
        float[] out = new float[kept.length * width];
        for (int i = 0; i < kept.length; i++) System.arraycopy(table, (int) kept[i] * width, out, i * width, width);
        return out;
    }

    private static void assertWithin(Tensor expected, float[] got, String what) {
        double err = FixtureAgreementTest.relativeError(got, expected.toFloatArray());
        System.out.printf("%-22s relative error %.3e%n", expected.name(), err);
        assertTrue(err <= 1e-5, what + ": relative error " + err + " above 1e-5");
    }

    private static FloatTensor noise(int height, int width) {
        float[] data = new float[3 * height * width];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(height * 31L + width);
        for (int i = 0; i < data.length; i++) data[i] = (float) rng.nextGaussian();
        return new FloatTensor(data, 1, 3, height, width);
    }
}
