package vitprobe.bench;

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
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.kernels.Backends;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

import java.util.EnumSet;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Full-depth forward (like timm's forward_features: every block, final LayerNorm) of DINO ViT-S/8 and MAE
 * ViT-B/16 with random weights on the CPU backend. Score = seconds per batch; images/s = batch / score.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx8g"})
public class ForwardBenchmark {
    @Param({"vits8", "vitb16"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    @Param({"cpu"})
    public String device;

    private VisionTransformer vit;
    private FloatTensor images;
    private Capture capture;

    @Setup(Level.Trial)
    public void setUp() {
        ViTConfig config = model.equals("vits8") ? ViTConfig.vitSmall8() : ViTConfig.vitBase16();
        vit = new VisionTransformer(ViTWeights.random(config, 42), Backends.create(device));
        float[] pixels = new float[batch * 3 * 224 * 224];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        images = new FloatTensor(pixels, batch, 3, 224, 224);
        capture = Capture.of(config.depth() - 1, EnumSet.of(Intermediate.Y_NORM));
    }

    @Benchmark
    public Activations forward() {
        return vit.forward(images, capture);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        vit.close();
        vit.backend().close();
    }
}
