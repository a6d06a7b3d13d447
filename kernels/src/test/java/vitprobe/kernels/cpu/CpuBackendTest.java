package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import vitprobe.kernels.Activation;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.weights.DType;
import vitprobe.weights.Param;
import vitprobe.weights.Tensor;

/** Each CPU kernel against a plain double-precision implementation of the same math. */
class CpuBackendTest {
    final CpuBackend cpu = new CpuBackend();
    final SplittableRandom rng = new SplittableRandom(1234);

    float[] random(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    static Param param(String name, float[] v, long... shape) {
        MemorySegment seg = MemorySegment.ofArray(new byte[v.length * 4]);
        MemorySegment.copy(v, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, v.length);
        return Param.of(new Tensor(name, DType.F32, shape, seg));
    }

    static float[] host(Matrix m) {
        return ((CpuMatrix) m).data();
    }

    static void assertClose(double expected, float actual, double relTol, String what) {
        double tol = relTol * Math.max(1, Math.abs(expected));
        assertTrue(Math.abs(expected - actual) <= tol, what + ": expected " + expected + " got " + actual);
    }

    /**
     * Linear shapes (m, n, k) that hit full tiles, leftover rows (as many as a narrow tile or more), partial panels
     * (ending in a panel's first half or in its second: 29 columns) and several K blocks.
     */
    static final String[] LINEAR_SHAPES = {
        "1,1,1",
        "5,7,3",
        "6,32,64",
        "13,33,257",
        "50,100,600",
        "197,96,384",
        "7,40,1700",
        "13,64,800",
        "33,40,70",
        "9,29,33"
    };
    /** Attention shapes (batch, tokens, heads, head dim); 57 tokens end in a block of 25 queries. */
    static final String[] ATTENTION_SHAPES = {"1,5,2,8", "2,70,3,16", "1,130,4,32", "1,197,2,64", "1,57,2,16"};

    static Stream<Arguments> linearShapes() {
        return arguments(LINEAR_SHAPES);
    }

    static Stream<Arguments> attentionShapes() {
        return arguments(ATTENTION_SHAPES);
    }

    private static Stream<Arguments> arguments(String[] shapes) {
        return Stream.of(shapes)
                .map(s -> Arguments.of(
                        Stream.of(s.split(",")).map(Integer::valueOf).toArray()));
    }

    @ParameterizedTest
    @MethodSource("linearShapes")
    void linearMatchesDoublePrecision(int m, int n, int k) {
        float[] x = random(m * k), w = random(n * k), b = random(n), res = random(m * n);
        LinearWeights lw = cpu.linear(param("w", w, n, k), param("b", b, n));
        for (Activation act : Activation.values()) {
            for (boolean withResidual : new boolean[] {false, true}) {
                Matrix out = cpu.allocate(m, n);
                cpu.linear(cpu.upload(x, m, k), lw, out, act, withResidual ? cpu.upload(res, m, n) : null);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = b[j];
                        for (int kk = 0; kk < k; kk++) s += (double) x[i * k + kk] * w[j * k + kk];
                        if (act == Activation.GELU) s = geluReference(s);
                        if (withResidual) s += res[i * n + j];
                        assertClose(
                                s,
                                host(out)[i * n + j],
                                1e-5 * Math.sqrt(k),
                                act + " residual=" + withResidual + " at " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void geluIsExactErfGelu() {
        double worst = 0;
        for (double x = -12; x <= 12; x += 1.0 / 512) {
            double ref = geluReference(x);
            float[] lane = new float[Gemm.L];
            java.util.Arrays.fill(lane, (float) x);
            VectorMath.gelu(lane, 0, lane.length);
            float scalar = VectorMath.gelu((float) x);
            double scaleOfX = Math.max(Math.abs(ref), 1e-30);
            worst = Math.max(worst, Math.abs(lane[0] - ref) / Math.max(scaleOfX, Math.abs(x) * 1e-7));
            assertClose(ref, lane[0], 1e-6, "vector gelu(" + x + ")");
            assertClose(ref, scalar, 1e-6, "scalar gelu(" + x + ")");
        }
        assertTrue(worst < 1e-5, "worst relative error " + worst);
    }

    @Test
    void expIsAccurateAndVectorMatchesScalarBitForBit() {
        for (float x = -90f; x <= 0f; x += 0.0137f) {
            float lane = onEveryLane(VectorMath::exp, x);
            float scalar = VectorMath.exp(x);
            assertEquals(Float.floatToIntBits(scalar), Float.floatToIntBits(lane), "bits at " + x);
            double ref = Math.exp(x);
            if (x >= -87f)
                assertTrue(
                        Math.abs(scalar - ref) <= 2 * Math.ulp((float) ref),
                        "exp(" + x + ") = " + scalar + " vs " + ref);
            else assertEquals(0f, scalar);
        }
    }

    @Test
    void pow2IsAccurateAndClampedAtTheSmallestNormal() {
        for (float t = -130f; t <= 0f; t += 0.00731f) {
            float got = onEveryLane(VectorMath::pow2, t);
            double ref = Math.pow(2, Math.max(t, -126f));
            assertTrue(Math.abs(got - ref) <= 2 * Math.ulp((float) ref), "2^" + t + " = " + got + " vs " + ref);
        }
        float padding = onEveryLane(VectorMath::pow2, Float.NEGATIVE_INFINITY);
        assertEquals(Float.MIN_NORMAL, padding);
        assertEquals(1f, 1f + Gemm.NR * padding, "padding numerators vanish in a row's sum");
    }

    /** Lane 0 of f applied to a vector with x in every lane. */
    private static float onEveryLane(UnaryOperator<FloatVector> f, float x) {
        return f.apply(FloatVector.broadcast(Gemm.S, x)).lane(0);
    }

    /** GELU in double with an erf good to ~1e-15: Taylor series near zero, continued fraction for the tails. */
    static double geluReference(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double erf(double z) {
        double a = Math.abs(z);
        double r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = a;
            for (int n = 60; n >= 1; n--) f = a + n / (2 * f);
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
        }
        return Math.copySign(r, z);
    }

    @Test
    void layerNormMatchesDoublePrecision() {
        int rows = 9, n = 77;
        float[] x = random(rows * n), w = random(n), b = random(n);
        for (int i = 0; i < x.length; i++) x[i] = x[i] * 3 + 10; // an offset that naive one-pass variance would lose
        Matrix out = cpu.allocate(rows, n);
        cpu.layerNorm(cpu.upload(x, rows, n), cpu.upload(w, 1, n), cpu.upload(b, 1, n), 1e-6f, out);
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < n; i++) mean += x[r * n + i];
            mean /= n;
            for (int i = 0; i < n; i++) var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
            var /= n;
            for (int i = 0; i < n; i++) {
                double ref = (x[r * n + i] - mean) / Math.sqrt(var + 1e-6) * w[i] + b[i];
                assertClose(ref, host(out)[r * n + i], 1e-5, "row " + r + " col " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("attentionShapes")
    void attentionMatchesDoublePrecision(int batch, int tokens, int heads, int headDim) {
        int d = heads * headDim;
        float[] qkv = random(batch * tokens * 3 * d);
        Matrix ctx = cpu.allocate(batch * tokens, d);
        Matrix probs = cpu.allocate(batch * heads * tokens, tokens);
        cpu.attention(cpu.upload(qkv, batch * tokens, 3 * d), batch, tokens, heads, ctx, probs);
        double scale = 1 / Math.sqrt(headDim);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < tokens; i++) {
                    double[] p = new double[tokens];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < tokens; j++) {
                        double s = 0;
                        for (int c = 0; c < headDim; c++) {
                            s += (double) qkv[(b * tokens + i) * 3 * d + h * headDim + c]
                                    * qkv[(b * tokens + j) * 3 * d + d + h * headDim + c];
                        }
                        p[j] = s * scale;
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j < tokens; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int j = 0; j < tokens; j++) {
                        p[j] /= sum;
                        assertClose(
                                p[j], host(probs)[((b * heads + h) * tokens + i) * tokens + j], 1e-5, "probability");
                    }
                    for (int c = 0; c < headDim; c++) {
                        double o = 0;
                        for (int j = 0; j < tokens; j++)
                            o += p[j] * qkv[(b * tokens + j) * 3 * d + 2 * d + h * headDim + c];
                        assertClose(o, host(ctx)[(b * tokens + i) * d + h * headDim + c], 1e-5, "context");
                    }
                }
            }
        }
    }

    /** Tasks of one Spark executor share a backend: concurrent attention calls must not see each other's data. */
    @Test
    void concurrentAttentionCallsOnOneBackendGiveTheSerialResults() throws Exception {
        int tokens = 70, heads = 3, headDim = 16, d = heads * headDim, threads = 4, rounds = 40;
        float[][] inputs = new float[threads][];
        float[][] serial = new float[threads][];
        for (int t = 0; t < threads; t++) {
            inputs[t] = random(tokens * 3 * d);
            Matrix ctx = cpu.allocate(tokens, d);
            cpu.attention(cpu.upload(inputs[t], tokens, 3 * d), 1, tokens, heads, ctx, null);
            serial[t] = host(ctx).clone();
        }
        var pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            var results = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int t = 0; t < threads; t++) {
                int input = t;
                results.add(pool.submit(() -> {
                    int differing = 0;
                    for (int r = 0; r < rounds; r++) {
                        Matrix ctx = cpu.allocate(tokens, d);
                        cpu.attention(cpu.upload(inputs[input], tokens, 3 * d), 1, tokens, heads, ctx, null);
                        if (!java.util.Arrays.equals(host(ctx), serial[input])) differing++;
                    }
                    return differing;
                }));
            }
            for (int t = 0; t < threads; t++) assertEquals(0, results.get(t).get(), "rounds differing, thread " + t);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void patchifyAndEmbedTokens() {
        // A non-square image: 2 rows of 3 patches.
        int batch = 2, channels = 3, height = 8, width = 12, patch = 4, rows = 2, cols = 3, d = 5;
        float[] img = new float[batch * channels * height * width];
        for (int i = 0; i < img.length; i++) img[i] = i;
        int patchWidth = channels * patch * patch;
        Matrix patches = cpu.allocate(batch * rows * cols, patchWidth);
        cpu.patchify(cpu.upload(img, batch, channels * height * width), batch, channels, height, width, patch, patches);
        float[] got = host(patches);
        for (int b = 0; b < batch; b++)
            for (int gy = 0; gy < rows; gy++)
                for (int gx = 0; gx < cols; gx++)
                    for (int ch = 0; ch < channels; ch++)
                        for (int y = 0; y < patch; y++)
                            for (int x = 0; x < patch; x++) {
                                int row = (b * rows + gy) * cols + gx, col = (ch * patch + y) * patch + x;
                                float expected =
                                        img[((b * channels + ch) * height + gy * patch + y) * width + gx * patch + x];
                                assertEquals(expected, got[row * patchWidth + col], "patch " + row + " column " + col);
                            }

        int grid = 2;
        float[] pe = random(batch * grid * grid * d), cls = random(d), pos = random((grid * grid + 1) * d);
        Matrix tokens = cpu.allocate(batch * (grid * grid + 1), d);
        cpu.embedTokens(
                cpu.upload(pe, batch * grid * grid, d),
                cpu.upload(cls, 1, d),
                cpu.upload(pos, grid * grid + 1, d),
                batch,
                tokens);
        assertEquals(cls[3] + pos[3], host(tokens)[(grid * grid + 1) * d + 3]);
        assertEquals(pe[(grid * grid + 2) * d + 4] + pos[3 * d + 4], host(tokens)[(grid * grid + 1 + 3) * d + 4]);
    }
}
