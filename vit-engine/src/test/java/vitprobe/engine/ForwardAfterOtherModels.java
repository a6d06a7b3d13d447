package vitprobe.engine;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.EnumSet;
import java.util.SplittableRandom;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Runs a small model (D=64, head dim 16, like the transformers fixture) and then a ViT-S/8-shaped model in one
 * JVM, and prints the bytes the JVM allocated during the last ViT-S/8 forward. A forward whose vector code is
 * compiled as intended allocates only its activation buffers; one whose Vector API calls fell back to their Java
 * implementations allocates a box per vector operation, gigabytes per forward. Run in a fresh JVM by
 * {@link WarmJvmForwardTest}: what matters is what ran before in that JVM.
 */
public final class ForwardAfterOtherModels {
    private ForwardAfterOtherModels() {}

    public static void main(String[] args) {
        int smallForwards = Integer.parseInt(args[0]);
        try (Backend backend = Backends.create("cpu")) {
            run(backend, ViTConfig.vit(64, 2, 4, 8), smallForwards);
            System.out.println("allocated-bytes " + run(backend, ViTConfig.vit(384, 2, 6, 8), 3));
        }
    }

    /** Returns the bytes allocated by all threads during the last of {@code forwards} forwards. */
    private static long run(Backend backend, ViTConfig config, int forwards) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        int batch = 4, size = config.imageSize();
        float[] pixels = new float[batch * 3 * size * size];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
        FloatTensor images = new FloatTensor(pixels, batch, 3, size, size);
        Capture capture = Capture.of(config.depth() - 1, EnumSet.of(Intermediate.Y));
        long last = 0;
        try (VisionTransformer vit = new VisionTransformer(ViTWeights.random(config, 1), backend)) {
            for (int i = 0; i < forwards; i++) {
                long before = threads.getTotalThreadAllocatedBytes();
                vit.forward(images, capture);
                last = threads.getTotalThreadAllocatedBytes() - before;
            }
        }
        return last;
    }
}
