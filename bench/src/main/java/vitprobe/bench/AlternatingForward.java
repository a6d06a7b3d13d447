package vitprobe.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.SplittableRandom;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * vitprobe and ONNX Runtime in one JVM, one forward of each in turn, so that both engines of a pair see the machine
 * in the same state (on a shared host its speed drifts by several percent within minutes, more than separate JMH
 * runs of the two can tell apart). ONNX Runtime's threads do not spin between runs (they would take the cores from
 * our forward); ours park 200 µs after a loop. Prints per row the median images/s of each engine and the median of
 * the pairs' ratios, with their range. Same shapes and inputs as {@link ForwardBenchmark} and
 * {@link OrtForwardBenchmark}.
 *
 * <p>Usage: {@code AlternatingForward MODELS BATCHES PAIRS} (e.g. {@code vitb16,vits8 1,8 7}), threads from
 * -Dvitprobe.threads, the .onnx files from -Dvitprobe.onnx.dir (default bench/target/onnx).
 */
public final class AlternatingForward {
    private static final int WARM_UP = 3;

    private AlternatingForward() {}

    public static void main(String[] args) throws OrtException {
        if (args.length != 3) {
            System.err.println("usage: AlternatingForward MODELS BATCHES PAIRS   (e.g. vitb16,vits8 1,8 7)");
            System.exit(2);
        }
        int pairs = Integer.parseInt(args[2]);
        int threads =
                Integer.getInteger("vitprobe.threads", Runtime.getRuntime().availableProcessors());
        System.out.printf(
                "%-8s %5s %9s %9s %8s %15s%n", "model", "batch", "vitprobe", "onnxrt", "/onnxrt", "pairs min-max");
        for (String model : args[0].split(",")) {
            for (String b : args[1].split(",")) row(model, Integer.parseInt(b), pairs, threads);
        }
        System.exit(0); // the CPU backend's helper threads are daemons, ONNX Runtime's are not
    }

    private static void row(String model, int batch, int pairs, int threads) throws OrtException {
        ViTConfig config = model.equals("vits8") ? ViTConfig.vitSmall8() : ViTConfig.vitBase16();
        Path file = Path.of(System.getProperty("vitprobe.onnx.dir", "bench/target/onnx"), model + ".onnx");
        if (!Files.isRegularFile(file))
            throw new IllegalStateException(file + " is missing: run bench/peers/export_onnx.py first");
        float[] pixels = new float[batch * 3 * 224 * 224];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor images = new FloatTensor(pixels, batch, 3, 224, 224);
        Capture capture = Capture.of(config.depth() - 1, EnumSet.of(Intermediate.Y_NORM));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        double[] ours = new double[pairs], ort = new double[pairs], ratios = new double[pairs];
        try (Backend backend = Backends.create("cpu");
                VisionTransformer vit = new VisionTransformer(ViTWeights.random(config, 42), backend);
                OrtSession session = env.createSession(file.toString(), options);
                OnnxTensor input =
                        OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {batch, 3, 224, 224})) {
            for (int i = -WARM_UP; i < pairs; i++) {
                long t0 = System.nanoTime();
                vit.forward(images, capture);
                long t1 = System.nanoTime();
                try (OrtSession.Result result = session.run(Map.of("pixels", input))) {
                    long t2 = System.nanoTime();
                    if (i < 0) continue;
                    ours[i] = batch * 1e9 / (t1 - t0);
                    ort[i] = batch * 1e9 / (t2 - t1);
                    ratios[i] = ours[i] / ort[i];
                }
            }
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "%-8s %5d %9.3f %9.3f %8.2f %7.2f-%.2f%n",
                model, batch, median(ours), median(ort), median(ratios), sorted[0], sorted[pairs - 1]);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }
}
