package vitprobe.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import vitprobe.kernels.Activation;
import vitprobe.kernels.Backend;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.testing.TestSeeds;
import vitprobe.weights.DType;
import vitprobe.weights.Param;
import vitprobe.weights.Tensor;

/**
 * Every CUDA operation against the CPU backend on fresh random data (the seed is printed), with device outputs
 * poisoned with NaN before each run so that an unwritten element fails. Skipped without a GPU unless
 * VITPROBE_REQUIRE_GPU=1.
 */
class CudaBackendTest {
    private static final CpuBackend CPU = new CpuBackend();
    private static final long SEED = TestSeeds.seed("CudaBackendTest");
    private final SplittableRandom rng = new SplittableRandom(SEED);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private float[] random(int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * rng.nextGaussian());
        return v;
    }

    private static Matrix poisoned(Backend b, int rows, int cols) {
        float[] nan = new float[rows * cols];
        Arrays.fill(nan, Float.NaN);
        return b.upload(nan, rows, cols);
    }

    private static float[] host(Backend b, Matrix m) {
        float[] h = new float[Math.toIntExact(m.size())];
        b.download(m, h, 0);
        return h;
    }

    private static Param param(String name, float[] data, long... shape) {
        MemorySegment seg = MemorySegment.ofArray(new byte[data.length * 4]);
        MemorySegment.copy(
                data, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, data.length);
        return Param.of(new Tensor(name, DType.F32, shape, seg));
    }

    private static void assertClose(float[] got, float[] expected, double tolerance, String what) {
        double err = GpuTests.relativeError(got, expected);
        System.out.printf("%-48s relative error %.3e (seed %d)%n", what, err, SEED);
        assertTrue(err <= tolerance, what + ": relative error " + err + " above " + tolerance + " (seed " + SEED + ")");
    }

    /** Runs a check (given the backend and a label for its output) on the default kernels of a precision. */
    private static void onGpu(Precision precision, BiConsumer<CudaBackend, String> check) {
        try (CudaBackend gpu = GpuTests.open(precision)) {
            check.accept(gpu, precision.key());
        }
    }

    /** Runs a check on the fp32 CUDA-core (SIMT) variant that the backend property selects. */
    private static void onSimtGpu(String variantProperty, BiConsumer<CudaBackend, String> check) {
        try (CudaBackend gpu = GpuTests.open(Precision.FP32, variantProperty, "simt")) {
            check.accept(gpu, "fp32 simt");
        }
    }

    /**
     * The launch shape of every kernel as the backend reads it, through the driver from the loaded module, is the one
     * compiled into the PTX: the same symbol, size and field order on both sides.
     */
    @Test
    void launchShapesAreReadAsTheKernelsExportThem() {
        try (CudaBackend current = GpuTests.open(Precision.FP32); // makes the device's context current
                KernelLibrary library = new KernelLibrary(CudaDriver.get())) {
            for (Map.Entry<String, KernelLibrary.Spec> e : KernelLibrary.SPECS.entrySet()) {
                String kernel = e.getKey(), ptx = KernelPtx.of(e.getValue().module());
                assertEquals(
                        KernelPtx.launchShape(ptx, kernel).orElseThrow(),
                        library.kernel(kernel).shape(),
                        kernel);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void linearMatchesCpu(Precision precision) {
        onGpu(precision, this::checkLinear);
    }

    @Test
    void simtLinearMatchesCpu() {
        onSimtGpu(CudaBackend.FP32_GEMM_PROPERTY, this::checkLinear);
    }

    /** Shapes covering both tile sizes, ragged edges (197 rows, 1 row) and every epilogue combination. */
    private void checkLinear(CudaBackend gpu, String label) {
        int[][] shapes = GpuTests.emulated()
                ? new int[][] {{1, 64, 96}, {197, 96, 64}, {300, 64, 1152}}
                : new int[][] {{1, 64, 96}, {197, 384, 1152}, {300, 96, 64}, {4096, 384, 1536}};
        double tolerance = GpuTests.tolerance(gpu.precision());
        for (int[] s : shapes) {
            int m = s[0], k = s[1], n = s[2];
            Param w = param("w", random(n * k, 0.05), n, k), bias = param("b", random(n, 0.1), n);
            float[] x = random(m * k, 1), r = random(m * n, 1);
            try (LinearWeights gw = gpu.linear(w, bias);
                    LinearWeights cw = CPU.linear(w, bias);
                    Matrix gx = gpu.upload(x, m, k);
                    Matrix cx = CPU.upload(x, m, k);
                    Matrix gr = gpu.upload(r, m, n);
                    Matrix cr = CPU.upload(r, m, n)) {
                for (Activation act : Activation.values()) {
                    for (boolean residual : new boolean[] {false, true}) {
                        try (Matrix gy = poisoned(gpu, m, n);
                                Matrix cy = CPU.allocate(m, n)) {
                            gpu.linear(gx, gw, gy, act, residual ? gr : null);
                            CPU.linear(cx, cw, cy, act, residual ? cr : null);
                            assertClose(
                                    host(gpu, gy),
                                    host(CPU, cy),
                                    tolerance,
                                    label + " linear " + m + "x" + k + "x" + n + " " + act + (residual ? " +res" : ""));
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void attentionMatchesCpu(Precision precision) {
        onGpu(precision, this::checkAttention);
    }

    @Test
    void simtAttentionMatchesCpu() {
        onSimtGpu(CudaBackend.FP32_ATTENTION_PROPERTY, this::checkAttention);
    }

    private void checkAttention(CudaBackend gpu, String label) {
        Precision precision = gpu.precision();
        int[][] cases = GpuTests.emulated()
                ? new int[][] {{1, 197, 2, 64}, {1, 50, 4, 16}, {2, 130, 3, 32}}
                : new int[][] {{2, 197, 3, 64}, {1, 50, 4, 16}, {2, 130, 3, 32}, {1, 785, 6, 64}
                }; // batch, tokens, heads, head dim
        for (int[] c : cases) {
            int batch = c[0], tokens = c[1], heads = c[2], d = heads * c[3], rows = batch * tokens;
            float[] qkv = random(rows * 3 * d, 1);
            for (boolean withProbabilities : new boolean[] {false, true}) {
                int probRows = batch * heads * tokens;
                try (Matrix gq = gpu.upload(qkv, rows, 3 * d);
                        Matrix cq = CPU.upload(qkv, rows, 3 * d);
                        Matrix gc = poisoned(gpu, rows, d);
                        Matrix cc = CPU.allocate(rows, d);
                        Matrix gp = withProbabilities ? poisoned(gpu, probRows, tokens) : null;
                        Matrix cp = withProbabilities ? CPU.allocate(probRows, tokens) : null) {
                    gpu.attention(gq, batch, tokens, heads, gc, gp);
                    CPU.attention(cq, batch, tokens, heads, cc, cp);
                    String what = label + " attention b" + batch + " n" + tokens + " h" + heads + " hd" + c[3];
                    assertClose(
                            host(gpu, gc),
                            host(CPU, cc),
                            GpuTests.tolerance(precision),
                            what + (withProbabilities ? " (probs run)" : ""));
                    if (withProbabilities)
                        assertClose(
                                host(gpu, gp), host(CPU, cp), GpuTests.tolerance(precision), what + " probabilities");
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void layerNormMatchesCpu(Precision precision) {
        try (CudaBackend gpu = GpuTests.open(precision)) {
            for (int width : new int[] {64, 96, 384, 1024}) {
                int rows = 197;
                float[] x = random(rows * width, 3), w = random(width, 1), b = random(width, 1);
                for (int i = 0; i < x.length; i++) x[i] += 5; // a large mean: one-pass variance would lose digits here
                try (Matrix gx = gpu.upload(x, rows, width);
                        Matrix cx = CPU.upload(x, rows, width);
                        Matrix gw = gpu.upload(w, 1, width);
                        Matrix cw = CPU.upload(w, 1, width);
                        Matrix gb = gpu.upload(b, 1, width);
                        Matrix cb = CPU.upload(b, 1, width);
                        Matrix gy = poisoned(gpu, rows, width);
                        Matrix cy = CPU.allocate(rows, width)) {
                    gpu.layerNorm(gx, gw, gb, 1e-6f, gy);
                    CPU.layerNorm(cx, cw, cb, 1e-6f, cy);
                    double tolerance =
                            precision == Precision.BF16 ? 1e-2 : 1e-6; // LayerNorm itself is fp32 in every mode
                    assertClose(host(gpu, gy), host(CPU, cy), tolerance, precision.key() + " layerNorm width " + width);
                }
            }
        }
    }

    /**
     * A LayerNorm output that is also downloaded stays fp32 in every precision (bf16 stores LayerNorm outputs as the
     * next GEMM's bf16 input), and the linear layer reading it computes exactly what it does after a plain LayerNorm.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void keptLayerNormIsFp32AndFeedsTheSameBits(Precision precision) {
        int rows = 197, width = 384, out = 64;
        float[] x = random(rows * width, 3), w = random(width, 1), b = random(width, 1);
        Param weights = param("w", random(out * width, 0.05), out, width), biases = param("b", random(out, 0.1), out);
        try (CudaBackend gpu = GpuTests.open(precision);
                LinearWeights linear = gpu.linear(weights, biases);
                Matrix gx = gpu.upload(x, rows, width);
                Matrix gw = gpu.upload(w, 1, width);
                Matrix gb = gpu.upload(b, 1, width);
                Matrix plain = poisoned(gpu, rows, width);
                Matrix kept = poisoned(gpu, rows, width);
                Matrix afterPlain = poisoned(gpu, rows, out);
                Matrix afterKept = poisoned(gpu, rows, out);
                Matrix cx = CPU.upload(x, rows, width);
                Matrix cw = CPU.upload(w, 1, width);
                Matrix cb = CPU.upload(b, 1, width);
                Matrix cy = CPU.allocate(rows, width)) {
            gpu.layerNorm(gx, gw, gb, 1e-6f, plain);
            gpu.linear(plain, linear, afterPlain, Activation.NONE, null);
            gpu.layerNormKeepingFp32(gx, gw, gb, 1e-6f, kept);
            float[] keptHost = new float[rows * width];
            gpu.downloadAsync(kept, keptHost, 0);
            gpu.linear(kept, linear, afterKept, Activation.NONE, null);
            gpu.synchronize();
            CPU.layerNorm(cx, cw, cb, 1e-6f, cy);
            assertClose(keptHost, host(CPU, cy), 1e-6, precision.key() + " kept layerNorm");
            assertArrayEquals(host(gpu, afterPlain), host(gpu, afterKept), precision.key() + " linear after it");
        }
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void tokenAssemblyMatchesCpu(Precision precision) {
        // A non-square image (3 x 5 patches) for patchify; its 15 patches are embedded as a grid of any shape.
        int batch = 2, channels = 3, height = 24, wide = 40, patch = 8, width = channels * patch * patch;
        int patches = (height / patch) * (wide / patch), d = 16, tokens = patches + 1;
        float[] images = random(batch * channels * height * wide, 1), cls = random(d, 1), pos = random(tokens * d, 1);
        float[] pe = random(batch * patches * d, 1);
        try (CudaBackend gpu = GpuTests.open(precision)) {
            try (Matrix gi = gpu.upload(images, batch, channels * height * wide);
                    Matrix ci = CPU.upload(images, batch, channels * height * wide);
                    Matrix gp = poisoned(gpu, batch * patches, width);
                    Matrix cp = CPU.allocate(batch * patches, width)) {
                gpu.patchify(gi, batch, channels, height, wide, patch, gp);
                CPU.patchify(ci, batch, channels, height, wide, patch, cp);
                // bf16 mode stores patches in bf16 (GEMM input): 2^-9 relative rounding at most.
                assertClose(
                        host(gpu, gp),
                        host(CPU, cp),
                        precision == Precision.BF16 ? 4e-3 : 0,
                        precision.key() + " patchify");
            }
            try (Matrix gpe = gpu.upload(pe, batch * patches, d);
                    Matrix cpe = CPU.upload(pe, batch * patches, d);
                    Matrix gc = gpu.upload(cls, 1, d);
                    Matrix cc = CPU.upload(cls, 1, d);
                    Matrix gpos = gpu.upload(pos, tokens, d);
                    Matrix cpos = CPU.upload(pos, tokens, d);
                    Matrix gt = poisoned(gpu, batch * tokens, d);
                    Matrix ct = CPU.allocate(batch * tokens, d);
                    Matrix gs = poisoned(gpu, batch * tokens, d);
                    Matrix cs = CPU.allocate(batch * tokens, d);
                    Matrix gcol = poisoned(gpu, batch * tokens, 5);
                    Matrix ccol = CPU.allocate(batch * tokens, 5)) {
                gpu.embedTokens(gpe, gc, gpos, batch, gt);
                CPU.embedTokens(cpe, cc, cpos, batch, ct);
                assertArrayEquals(host(CPU, ct), host(gpu, gt), precision.key() + " embedTokens");
                gpu.add(gt, gt, gs);
                CPU.add(ct, ct, cs);
                assertArrayEquals(host(CPU, cs), host(gpu, gs), precision.key() + " add");
                gpu.copyColumns(gs, 7, gcol);
                CPU.copyColumns(cs, 7, ccol);
                assertArrayEquals(host(CPU, ccol), host(gpu, gcol), precision.key() + " copyColumns");
            }
        }
    }

    @Test
    void profileModeTimesEveryKernel() {
        int rows = 50, d = 64;
        try (CudaBackend gpu = GpuTests.open(Precision.BF16, CudaBackend.PROFILE_PROPERTY, "true")) {
            Param w = param("w", random(3 * d * d, 0.05), 3 * d, d), b = param("b", random(3 * d, 0.1), 3 * d);
            try (LinearWeights qkvWeights = gpu.linear(w, b);
                    Matrix in = gpu.upload(random(rows * d, 1), rows, d);
                    Matrix qkv = gpu.allocate(rows, 3 * d);
                    Matrix ctx = gpu.allocate(rows, d)) {
                gpu.takeKernelProfile();
                gpu.linear(in, qkvWeights, qkv, Activation.NONE, null);
                gpu.attention(qkv, 1, rows, 4, ctx, null);
                gpu.synchronize();
                Map<String, double[]> profile = gpu.takeKernelProfile();
                assertEquals(
                        List.of("convert_f32_to_bf16", "gemm_bf16_64x64_bf16out", "attention_bf16_hd16"),
                        List.copyOf(profile.keySet()));
                for (double[] v : profile.values()) assertTrue(v[0] >= 0 && v[1] == 1, Arrays.toString(v));
                assertEquals(0, gpu.graphsCaptured(), "profiling launches eagerly");
            }
        }
    }

    /** A download followed by work that overwrites the same buffer, in one flush: the snapshot path. */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void deferredDownloadSeesContentsAtTheTimeItWasAsked(Precision precision) {
        int rows = 33, width = 64;
        float[] x = random(rows * width, 1), ones = new float[width], zeros = new float[width];
        Arrays.fill(ones, 1f);
        try (CudaBackend gpu = GpuTests.open(precision);
                Matrix gx = gpu.upload(x, rows, width);
                Matrix gw = gpu.upload(ones, 1, width);
                Matrix gb = gpu.upload(zeros, 1, width);
                Matrix gy = poisoned(gpu, rows, width);
                Matrix cx = CPU.upload(x, rows, width);
                Matrix cw = CPU.upload(ones, 1, width);
                Matrix cb = CPU.upload(zeros, 1, width);
                Matrix cy = CPU.allocate(rows, width)) {
            float[] first = new float[rows * width], second = new float[rows * width];
            gpu.layerNorm(gx, gw, gb, 1e-6f, gy);
            gpu.downloadAsync(gy, first, 0);
            gpu.add(gy, gy, gy);
            gpu.downloadAsync(gy, second, 0);
            gpu.synchronize();
            CPU.layerNorm(cx, cw, cb, 1e-6f, cy);
            float[] expected = host(CPU, cy);
            assertClose(
                    first,
                    expected,
                    precision == Precision.BF16 ? 1e-2 : 1e-6,
                    precision.key() + " download before overwrite");
            for (int i = 0; i < expected.length; i++) expected[i] *= 2;
            assertClose(
                    second,
                    expected,
                    precision == Precision.BF16 ? 1e-2 : 1e-6,
                    precision.key() + " download after overwrite");
        }
    }

    /**
     * A fixed sequence of work repeated 1,000 times (12 on the emulator): one graph, replayed (bit-identical results), and no growth in
     * the pool or in the driver's free memory.
     */
    @ParameterizedTest
    @EnumSource(Precision.class)
    void repeatedWorkReplaysOneGraphWithoutLeaking(Precision precision) {
        int rows = 197, d = 64, heads = 4;
        float[] x = random(rows * d, 1);
        try (CudaBackend gpu = GpuTests.open(precision)) {
            Param w = param("w", random(3 * d * d, 0.05), 3 * d, d), b = param("b", random(3 * d, 0.1), 3 * d);
            try (LinearWeights qkvWeights = gpu.linear(w, b)) {
                float[] reference = null;
                long owned = 0, free = 0;
                int graphs = 0;
                int rounds = GpuTests.emulated() ? 12 : 1000;
                for (int round = 0; round < rounds; round++) {
                    float[] out = new float[rows * d];
                    try (Matrix in = gpu.upload(x, rows, d);
                            Matrix qkv = gpu.allocate(rows, 3 * d);
                            Matrix ctx = gpu.allocate(rows, d)) {
                        gpu.linear(in, qkvWeights, qkv, Activation.NONE, null);
                        gpu.attention(qkv, 1, rows, heads, ctx, null);
                        gpu.downloadAsync(ctx, out, 0);
                        gpu.synchronize();
                    }
                    if (round == 1) {
                        reference = out;
                        owned = gpu.deviceBytesOwned();
                        free = gpu.deviceBytesFree();
                        graphs = gpu.graphsCaptured();
                    } else if (round > 1) {
                        assertArrayEquals(reference, out, "round " + round + " differs from round 1");
                    }
                }
                assertEquals(owned, gpu.deviceBytesOwned(), "pool grew over " + rounds + " rounds");
                assertEquals(graphs, gpu.graphsCaptured(), "new graphs captured for identical work");
                long drift = free - gpu.deviceBytesFree();
                assertTrue(drift <= 0, "driver free memory dropped by " + drift + " bytes over " + rounds + " rounds");
            }
        }
    }
}
