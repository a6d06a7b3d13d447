package vitprobe.bench;

import java.util.EnumSet;
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
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Full-depth forward (like timm's forward_features: every block, final LayerNorm) of DINO ViT-S/8 and MAE
 * ViT-B/16 with random weights on the CPU backend. Score = seconds per batch; images/s = batch / score.
 * {@code after} runs another model's forwards first in the same JVM ({@code small}: D=64 with head dim 16, like
 * the transformers fixture; {@code vitb16}), so a row shows whether the speed depends on what ran before.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class ForwardBenchmark {
    @Param({"vits8", "vitb16"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    @Param({"cpu"})
    public String device;

    @Param({"none"})
    public String after;

    private VisionTransformer vit;
    private FloatTensor images;
    private Capture capture;

    @Setup(Level.Trial)
    public void setUp() {
        if (!after.equals("none")) runBefore();
        ViTConfig config = model.equals("vits8") ? ViTConfig.vitSmall8() : ViTConfig.vitBase16();
        vit = new VisionTransformer(ViTWeights.random(config, 42), Backends.create(device));
        images = randomImages(batch);
        capture = Capture.of(config.depth() - 1, EnumSet.of(Intermediate.Y_NORM));
    }

    private static FloatTensor randomImages(int batch) {
        float[] pixels = new float[batch * 3 * 224 * 224];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        return new FloatTensor(pixels, batch, 3, 224, 224);
    }

    /** Enough forwards of the other model for the JIT to compile the kernels on its shapes. */
    private void runBefore() {
        ViTConfig other =
                switch (after) {
                    case "small" -> ViTConfig.vit(64, 2, 4, 8);
                    case "vitb16" -> ViTConfig.vitBase16();
                    default -> throw new IllegalArgumentException("after: none, small or vitb16, not " + after);
                };
        int forwards = after.equals("small") ? 40 : 6;
        FloatTensor batch4 = randomImages(4);
        try (Backend backend = Backends.create(device);
                VisionTransformer before = new VisionTransformer(ViTWeights.random(other, 1), backend)) {
            Capture last = Capture.of(other.depth() - 1, EnumSet.of(Intermediate.Y));
            for (int i = 0; i < forwards; i++) before.forward(batch4, last);
        }
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
