package vitprobe.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
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

/**
 * The peer of {@link ForwardBenchmark}: ONNX Runtime's Java session running the PyTorch peer's encoder exported to
 * ONNX ({@code bench/peers/export_onnx.py}, into bench/target/onnx or -Dvitprobe.onnx.dir), same shapes, fp32, full
 * graph optimisation, as many intra-op threads as ours (-Dvitprobe.threads). Score = seconds per batch.
 * {@code spinning} off stops ONNX Runtime's idle threads from spinning, which otherwise steal the cores from
 * whatever runs beside it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx8g"})
public class OrtForwardBenchmark {
    @Param({"vits8", "vitb16"})
    public String model;

    @Param({"1", "8"})
    public int batch;

    @Param({"on"})
    public String spinning;

    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor images;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        Path file = Path.of(System.getProperty("vitprobe.onnx.dir", "bench/target/onnx"), model + ".onnx");
        if (!Files.isRegularFile(file))
            throw new IllegalStateException(file + " is missing: run bench/peers/export_onnx.py first");
        int threads =
                Integer.getInteger("vitprobe.threads", Runtime.getRuntime().availableProcessors());
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", spinning.equals("on") ? "1" : "0");
        session = env.createSession(file.toString(), options);
        float[] pixels = new float[batch * 3 * 224 * 224];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        images = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {batch, 3, 224, 224});
        long[] shape = (long[]) forward();
        long tokens = model.equals("vits8") ? 785 : 197, width = model.equals("vits8") ? 384 : 768;
        if (!Arrays.equals(shape, new long[] {batch, tokens, width}))
            throw new IllegalStateException(file + " returns " + Arrays.toString(shape) + ", expected [" + batch + ", "
                    + tokens + ", " + width + "]");
    }

    @Benchmark
    public Object forward() throws OrtException {
        try (OrtSession.Result result = session.run(Map.of("pixels", images))) {
            return ((OnnxTensor) result.get(0)).getInfo().getShape();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        images.close();
        session.close();
    }
}
