package vitprobe.bench;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.kernels.Backends;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Two or more builds of vitprobe in one JVM, each in a class loader of its own, their CPU forwards alternating two
 * by two: every build sees the machine in the same state, so a change of a percent shows through the drift of a
 * shared host, which moves separate runs by up to 13 %. Prints per build the median images/s, the median (and
 * quartiles) of its speed against the first build's, round by round, and a checksum of its output, which tells
 * whether a change kept the results bit-identical. Same shapes and inputs as {@link ForwardBenchmark}.
 *
 * <p>Usage: {@code BuildAB MODEL BATCH ROUNDS JAR...} (the bench module's benchmarks.jar of each build; a build
 * that predates this class gets it from this one's jar).
 */
public final class BuildAB {
    private BuildAB() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 5) {
            System.err.println("usage: BuildAB MODEL BATCH ROUNDS JAR JAR...   (e.g. vits8 1 10 old.jar new.jar)");
            System.exit(2);
        }
        String model = args[0];
        int batch = Integer.parseInt(args[1]), rounds = Integer.parseInt(args[2]);
        String[] jars = Arrays.copyOfRange(args, 3, args.length);
        Callable<?>[] builds = new Callable<?>[jars.length];
        for (int j = 0; j < jars.length; j++) {
            Path jar = Path.of(jars[j]);
            if (!Files.isRegularFile(jar)) {
                System.err.println("BuildAB: " + jar + ": no such jar");
                System.exit(2);
            }
            builds[j] = load(jar, model, batch);
        }
        double[][] seconds = new double[jars.length][rounds];
        Object[] checksums = new Object[jars.length];
        for (int round = -2; round < rounds; round++) {
            for (int j = 0; j < jars.length; j++) {
                long start = System.nanoTime();
                checksums[j] = builds[j].call();
                builds[j].call();
                if (round >= 0) seconds[j][round] = (System.nanoTime() - start) / 2e9;
            }
        }
        for (int j = 0; j < jars.length; j++) {
            double[] speed = new double[rounds];
            for (int i = 0; i < rounds; i++) speed[i] = seconds[0][i] / seconds[j][i];
            Arrays.sort(speed);
            System.out.printf(
                    "%s batch %d %-40s %7.3f images/s  vs first: median %.3f (quartiles %.3f-%.3f)  checksum %08x%n",
                    model,
                    batch,
                    jars[j],
                    batch / median(seconds[j]),
                    speed[rounds / 2],
                    speed[rounds / 4],
                    speed[3 * rounds / 4],
                    checksums[j]);
        }
        System.exit(0); // each build's CPU helper threads
    }

    private static double median(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** A {@link Forward} of the build in {@code jar}, defined from this jar's bytes if the build lacks the class. */
    private static Callable<?> load(Path jar, String model, int batch) throws Exception {
        byte[] code;
        try (InputStream in = BuildAB.class.getResourceAsStream("BuildAB$Forward.class")) {
            code = in.readAllBytes();
        }
        URLClassLoader build =
                new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
        ClassLoader loader = new ClassLoader(build) {
            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                if (!name.equals(Forward.class.getName())) throw new ClassNotFoundException(name);
                return defineClass(name, code, 0, code.length);
            }
        };
        return (Callable<?>) Class.forName(Forward.class.getName(), true, loader)
                .getConstructor(String.class, int.class)
                .newInstance(model, batch);
    }

    /**
     * One build's full-depth forward; its call returns a hash of the output's bits. It runs inside other builds, older
     * ones too, so it uses only the engine's public API, not the bench module's helpers (ForwardBenchmark's inputs).
     */
    public static final class Forward implements Callable<Integer> {
        private final VisionTransformer vit;
        private final FloatTensor images;
        private final Capture capture;
        private final int last;

        public Forward(String model, int batch) {
            ViTConfig config = model.equals("vits8") ? ViTConfig.vitSmall8() : ViTConfig.vitBase16();
            vit = new VisionTransformer(ViTWeights.random(config, 42), Backends.create("cpu"));
            float[] pixels = new float[batch * 3 * 224 * 224];
            SplittableRandom rng = new SplittableRandom(7);
            for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
            images = new FloatTensor(pixels, batch, 3, 224, 224);
            last = config.depth() - 1;
            capture = Capture.of(last, EnumSet.of(Intermediate.Y_NORM));
        }

        @Override
        public Integer call() {
            return Arrays.hashCode(
                    vit.forward(images, capture).get(last, Intermediate.Y_NORM).data());
        }
    }
}
