package vitprobe.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import vitprobe.kernels.Activation;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.weights.Tensor;

/**
 * One linear layer of the CPU backend, out = in · Wᵀ + bias, on the layer shapes of a batch of 8 images: the GEMM
 * micro-kernel's speed without the rest of the forward. Shape M×K×N; GFLOP/s = 2·M·K·N / score (ns).
 * <ul>
 *   <li>DINO ViT-S/8 (6,280 tokens): qkv 6280x384x1152, fc1 6280x384x1536, fc2 6280x1536x384;</li>
 *   <li>MAE ViT-B/16 (1,576 tokens): qkv 1576x768x2304, fc1 1576x768x3072, fc2 1576x3072x768.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class LinearBenchmark {
    @Param({"6280x384x1152", "6280x384x1536", "6280x1536x384", "1576x768x2304", "1576x768x3072", "1576x3072x768"})
    public String shape;

    /**
     * Weight matrices taken in turn, one per call: with 1 the weights stay in the caches between calls; with 32 (over
     * 250 MB for the ViT-B/16 shapes) each call reads them from memory, as a forward at batch 1 does, whose 86 M
     * parameters of ViT-B/16 outgrow the caches.
     */
    @Param({"1"})
    public int weightSets;

    private Backend backend;
    private LinearWeights[] weights;
    private int next;
    private Matrix in, out;

    @Setup(Level.Trial)
    public void setUp() {
        String[] mkn = shape.split("x");
        int m = Integer.parseInt(mkn[0]), k = Integer.parseInt(mkn[1]), n = Integer.parseInt(mkn[2]);
        SplittableRandom rng = new SplittableRandom(11);
        backend = Backends.create("cpu");
        weights = new LinearWeights[weightSets];
        for (int i = 0; i < weightSets; i++) {
            weights[i] = backend.linear(
                    vitprobe.weights.Param.of(tensor("weight", rng, n, k)),
                    vitprobe.weights.Param.of(tensor("bias", rng, n)));
        }
        in = backend.upload(gaussian(rng, m * k), m, k);
        out = backend.allocate(m, n);
    }

    private static float[] gaussian(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    private static Tensor tensor(String name, SplittableRandom rng, long... shape) {
        return Tensor.ofFloats(name, gaussian(rng, Math.toIntExact(Tensor.product(shape))), shape);
    }

    @Benchmark
    public Matrix linear() {
        backend.linear(in, weights[next], out, Activation.NONE, null);
        next = (next + 1) % weightSets;
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (LinearWeights w : weights) w.close();
        backend.close();
    }
}
