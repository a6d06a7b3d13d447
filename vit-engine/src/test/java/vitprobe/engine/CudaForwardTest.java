package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import vitprobe.kernels.Matrix;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.kernels.cuda.CudaBackend;
import vitprobe.kernels.cuda.CudaUnavailableException;
import vitprobe.kernels.cuda.Precision;
import vitprobe.testing.TestSeeds;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.Param;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * The whole forward on the CUDA backend: against the float64 oracle fixtures in every precision, against the CPU
 * backend on fresh random inputs for every intermediate, and over 1,000 repeated forwards (one graph, no leak).
 * Skipped without a GPU unless VITPROBE_REQUIRE_GPU=1.
 */
class CudaForwardTest {
    private static final CpuBackend CPU = new CpuBackend();
    private static final long SEED = TestSeeds.seed("CudaForwardTest");

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** The backend, or a skipped test without a GPU (a failure when VITPROBE_REQUIRE_GPU=1). */
    private static CudaBackend open(Precision precision) {
        try {
            return CudaBackend.open(precision);
        } catch (CudaUnavailableException e) {
            if ("1".equals(System.getenv("VITPROBE_REQUIRE_GPU")))
                throw new AssertionError("VITPROBE_REQUIRE_GPU=1 but " + e.getMessage(), e);
            Assumptions.abort("GPU test skipped: " + e.getMessage());
            throw e;
        }
    }

    /** On the CPU emulator of the kernels (-Dvitprobe.cuda.driver=.../libcudaemu.so) the cases are smaller. */
    private static boolean emulated() {
        return System.getProperty("vitprobe.cuda.driver", "").contains("cudaemu");
    }

    private static double tolerance(Precision precision) {
        return precision == Precision.FP32 ? 1e-5 : 1e-2;
    }

    static Stream<Arguments> fixturesAndPrecisions() {
        return Stream.of(
                        "hf-vit-dino-format-small",
                        "hf-vitmae-pretraining-format-small",
                        "timm-dino-vits8-depth2",
                        "timm-mae-vitb16-depth1")
                .flatMap(f -> Stream.of(Precision.values()).map(p -> Arguments.of(f, p)));
    }

    @ParameterizedTest
    @MethodSource("fixturesAndPrecisions")
    void lastBlockMatchesReference(String name, Precision precision) {
        // 785 tokens through 384-wide GEMMs take minutes per case on the emulator; the small fixtures test the same
        // path.
        Assumptions.assumeFalse(emulated() && name.startsWith("timm-"), "timm fixtures run on a real GPU only");
        Path dir = FixtureAgreementTest.fixture(name);
        try (CudaBackend gpu = open(precision)) {
            FixtureAgreementTest.assertLastBlockMatchesReference(
                    dir, gpu, tolerance(precision), "cuda " + precision.key() + " " + name);
        }
    }

    /** Every intermediate of the last block, random pixels drawn anew each run, against the CPU backend. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void everyIntermediateMatchesCpuOnRandomInput(Precision precision) {
        Path dir = FixtureAgreementTest.fixture(emulated() ? "hf-vit-dino-format-small" : "timm-dino-vits8-depth2");
        SplittableRandom rng = new SplittableRandom(SEED);
        int batch = emulated() ? 2 : 3;
        float[] pixels = new float[batch * 3 * 224 * 224];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor images = new FloatTensor(pixels, batch, 3, 224, 224);
        try (CudaBackend gpu = open(precision);
                ViTWeights w = CheckpointLoader.load(dir);
                VisionTransformer onGpu = new VisionTransformer(w, gpu);
                VisionTransformer onCpu = new VisionTransformer(w, CPU)) {
            int last = w.config().depth() - 1;
            Capture all = Capture.of(last, EnumSet.allOf(Intermediate.class));
            Map<Intermediate, FloatTensor> expected = onCpu.forward(images, all).block(last);
            Map<Intermediate, FloatTensor> got = onGpu.forward(images, all).block(last);
            for (Intermediate which : Intermediate.values()) {
                double err = FixtureAgreementTest.relativeError(
                        got.get(which).data(), expected.get(which).data());
                System.out.printf(
                        "cuda %s random input (seed %d) %-10s relative error %.3e%n",
                        precision.key(), SEED, which.key(), err);
                assertTrue(
                        err < tolerance(precision),
                        precision.key() + " " + which.key() + ": relative error " + err + " (seed " + SEED + ")");
            }
        }
    }

    /**
     * A non-square input (8 × 16 patches) after the checkpoint's own size: the position embeddings resampled on the
     * host and uploaded once per grid; every paper intermediate as on the CPU, and repeated forwards at that grid
     * replay a graph.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void anotherInputSizeMatchesCpu(Precision precision) {
        Path dir = FixtureAgreementTest.fixture("hf-vit-dino-format-small");
        SplittableRandom rng = new SplittableRandom(SEED + 1);
        float[] pixels = new float[2 * 3 * 64 * 128], own = new float[3 * 224 * 224];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor wide = new FloatTensor(pixels, 2, 3, 64, 128);
        try (CudaBackend gpu = open(precision);
                ViTWeights w = CheckpointLoader.load(dir);
                VisionTransformer onGpu = new VisionTransformer(w, gpu);
                VisionTransformer onCpu = new VisionTransformer(w, CPU)) {
            int last = w.config().depth() - 1;
            Capture paper = Capture.paper(last);
            onGpu.forward(new FloatTensor(own, 1, 3, 224, 224), paper);
            Map<Intermediate, FloatTensor> expected = onCpu.forward(wide, paper).block(last);
            Map<Intermediate, FloatTensor> got = onGpu.forward(wide, paper).block(last);
            onGpu.forward(wide, paper); // the buffer pool settles (addresses are part of a graph's key)
            int graphs = gpu.graphsCaptured();
            assertArrayEquals(
                    got.get(Intermediate.Y_NORM).data(),
                    onGpu.forward(wide, paper).get(last, Intermediate.Y_NORM).data());
            assertEquals(graphs, gpu.graphsCaptured(), "a third forward at 64x128 replays a graph");
            for (Intermediate which : Intermediate.PAPER) {
                assertArrayEquals(new int[] {2, 1 + 8 * 16, 64}, got.get(which).shape(), which.key());
                double err = FixtureAgreementTest.relativeError(
                        got.get(which).data(), expected.get(which).data());
                System.out.printf("cuda %s 64x128 input %-6s relative error %.3e%n", precision.key(), which.key(), err);
                assertTrue(err < tolerance(precision), precision.key() + " " + which.key() + ": " + err);
            }
        }
    }

    /**
     * The benchmarks' shape, which the fixtures do not reach: batch 64 of ViT-S/8 (random weights, depth cut to 2 to
     * keep the CPU reference short; 50,240 rows through 128x128 GEMM tiles, 384 attention grids) in every precision
     * against the CPU backend, every intermediate. All precisions run before the verdict, so one run names every
     * miss. On the emulator: batch 2 of a narrow model with the same head dimension.
     */
    @Test
    void batch64MatchesCpuInEveryPrecision() {
        ViTConfig config = emulated() ? ViTConfig.vit(128, 1, 2, 16) : ViTConfig.vit(384, 2, 6, 8);
        int batch = emulated() ? 2 : 64, last = config.depth() - 1;
        SplittableRandom rng = new SplittableRandom(SEED);
        float[] pixels = new float[batch * 3 * 224 * 224];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor images = new FloatTensor(pixels, batch, 3, 224, 224);
        Capture all = Capture.of(last, EnumSet.allOf(Intermediate.class));
        List<String> misses = new ArrayList<>();
        try (ViTWeights w = ViTWeights.random(config, SEED);
                VisionTransformer onCpu = new VisionTransformer(w, CPU)) {
            Map<Intermediate, FloatTensor> expected = null;
            for (Precision precision : Precision.values()) {
                try (CudaBackend gpu = open(precision);
                        VisionTransformer onGpu = new VisionTransformer(w, gpu)) {
                    if (expected == null) expected = onCpu.forward(images, all).block(last); // once a GPU is there
                    Map<Intermediate, FloatTensor> got =
                            onGpu.forward(images, all).block(last);
                    for (Intermediate which : Intermediate.values()) {
                        double err = FixtureAgreementTest.relativeError(
                                got.get(which).data(), expected.get(which).data());
                        String line = String.format(
                                "cuda %s batch %d %-10s relative error %.3e", precision.key(), batch, which.key(), err);
                        System.out.println(line + " (seed " + SEED + ")");
                        if (!(err < tolerance(precision))) misses.add(line);
                    }
                }
            }
        }
        assertTrue(misses.isEmpty(), "above tolerance (seed " + SEED + "): " + String.join("; ", misses));
    }

    /**
     * bf16 stores LayerNorm outputs in bf16 for the GEMM that reads them; captured ones (norm1, norm2, y_norm) are
     * fp32, as PyTorch's autocast LayerNorm returns: each equals the CPU's LayerNorm of the captured input within
     * fp32 rounding.
     */
    @Test
    void capturedLayerNormsAreFp32InBf16() {
        Path dir = FixtureAgreementTest.fixture("hf-vit-dino-format-small");
        SplittableRandom rng = new SplittableRandom(SEED);
        float[] pixels = new float[2 * 3 * 224 * 224];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor images = new FloatTensor(pixels, 2, 3, 224, 224);
        try (CudaBackend gpu = open(Precision.BF16);
                ViTWeights w = CheckpointLoader.load(dir);
                VisionTransformer vit = new VisionTransformer(w, gpu)) {
            int last = w.config().depth() - 1;
            Set<Intermediate> norms = EnumSet.of(Intermediate.NORM1, Intermediate.X, Intermediate.NORM2);
            norms.addAll(EnumSet.of(Intermediate.Y, Intermediate.Y_NORM));
            Activations acts = vit.forward(images, new Capture(Map.of(last - 1, Set.of(Intermediate.Y), last, norms)));
            ViTWeights.Block block = w.blocks().get(last);
            float eps = (float) w.config().layerNormEps();
            assertLayerNormOf(
                    acts.get(last - 1, Intermediate.Y),
                    block.norm1Weight(),
                    block.norm1Bias(),
                    eps,
                    acts.get(last, Intermediate.NORM1),
                    "norm1");
            assertLayerNormOf(
                    acts.get(last, Intermediate.X),
                    block.norm2Weight(),
                    block.norm2Bias(),
                    eps,
                    acts.get(last, Intermediate.NORM2),
                    "norm2");
            assertLayerNormOf(
                    acts.get(last, Intermediate.Y),
                    w.normWeight(),
                    w.normBias(),
                    eps,
                    acts.get(last, Intermediate.Y_NORM),
                    "y_norm");
        }
    }

    private static void assertLayerNormOf(
            FloatTensor in, Param weight, Param bias, float eps, FloatTensor got, String what) {
        int d = Math.toIntExact(weight.elementCount()), rows = in.data().length / d;
        float[] expected = new float[in.data().length];
        try (Matrix x = CPU.upload(in.data(), rows, d);
                Matrix wm = CPU.upload(weight, 1, d);
                Matrix bm = CPU.upload(bias, 1, d);
                Matrix y = CPU.allocate(rows, d)) {
            CPU.layerNorm(x, wm, bm, eps, y);
            CPU.download(y, expected, 0);
        }
        double err = FixtureAgreementTest.relativeError(got.data(), expected);
        System.out.printf("cuda bf16 captured %-6s against the CPU's LayerNorm of its input: %.3e%n", what, err);
        assertTrue(err < 1e-6, "bf16 " + what + " is not the fp32 LayerNorm of its input: relative error " + err);
    }

    /** 1,000 forwards of one shape (4 emulated): identical results, no new graphs after the second, no memory growth. */
    @Test
    void thousandForwardsReplayWithoutLeaking() {
        Path dir = FixtureAgreementTest.fixture("hf-vit-dino-format-small");
        float[] pixels = new float[2 * 3 * 224 * 224];
        SplittableRandom rng = new SplittableRandom(SEED);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor images = new FloatTensor(pixels, 2, 3, 224, 224);
        try (CudaBackend gpu = open(Precision.BF16);
                ViTWeights w = CheckpointLoader.load(dir);
                VisionTransformer vit = new VisionTransformer(w, gpu)) {
            Capture capture = Capture.paper(w.config().depth() - 1);
            float[] reference = null;
            long owned = 0, free = 0;
            int graphs = 0;
            int forwards = emulated() ? 4 : 1000;
            for (int i = 0; i < forwards; i++) {
                float[] y = vit.forward(images, capture)
                        .get(w.config().depth() - 1, Intermediate.Y_NORM)
                        .data();
                if (i == 1) {
                    reference = y;
                    owned = gpu.deviceBytesOwned();
                    free = gpu.deviceBytesFree();
                    graphs = gpu.graphsCaptured();
                } else if (i > 1) {
                    assertArrayEquals(reference, y, "forward " + i + " differs");
                }
            }
            assertEquals(owned, gpu.deviceBytesOwned(), "pool grew over " + forwards + " forwards");
            assertEquals(graphs, gpu.graphsCaptured(), "graphs captured after the second forward");
            assertTrue(gpu.deviceBytesFree() >= free, "driver free memory dropped over " + forwards + " forwards");
        }
    }
}
