package vitprobe.engine;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.SplittableRandom;
import vitprobe.kernels.cuda.CudaBackend;
import vitprobe.kernels.cuda.Precision;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Times full-depth forwards (timm's forward_features: every block, final LayerNorm) of random-weight DINO ViT-S/8
 * and MAE ViT-B/16 on the CUDA backend, for bench/gpu-check.sh. Arguments: MODEL:BATCH:PRECISION ... (e.g.
 * vits8:64:bf16). For each, after warm-up, the median over the timed forwards of:
 * <ul>
 *   <li>device: the CUDA-event time of the forward's graph(s), pixels already on the device and outputs left there,
 *   as PyTorch is timed;</li>
 *   <li>wall: the whole {@code VisionTransformer.forward} call, host-to-device pixels and device-to-host y_norm
 *   included;</li>
 *   <li>six: device time of the same forward extracting the paper's six intermediates of the last block.</li>
 * </ul>
 * Prints one line per case: {@code ours MODEL BATCH PRECISION DEVICE_IMG_S WALL_IMG_S PLAIN_MS SIX_MS}. With
 * -Dvitprobe.cuda.profile=true it instead prints, per case, where a plain forward's device time goes:
 * {@code profile MODEL:BATCH:PRECISION KERNEL MS_PER_FORWARD LAUNCHES_PER_FORWARD SHARE}.
 */
public final class CudaForwardBenchmark {
    private CudaForwardBenchmark() {}

    public static void main(String[] args) {
        int warmup = Integer.getInteger("warmup", 3), runs = Integer.getInteger("runs", 10);
        boolean profiling = Boolean.getBoolean(CudaBackend.PROFILE_PROPERTY);
        for (String spec : args) {
            String[] p = spec.split(":");
            String model = p[0];
            int batch = Integer.parseInt(p[1]);
            Precision precision = Precision.byKey(p[2]);
            ViTConfig config =
                    switch (model) {
                        case "vits8" -> ViTConfig.vitSmall8();
                        case "vitb16" -> ViTConfig.vitBase16();
                        default -> throw new IllegalArgumentException("model " + model + " (known: vits8, vitb16)");
                    };
            float[] pixels = new float[batch * 3 * 224 * 224];
            SplittableRandom rng = new SplittableRandom(System.nanoTime());
            for (int i = 0; i < pixels.length; i++) pixels[i] = (float) rng.nextGaussian();
            FloatTensor images = new FloatTensor(pixels, batch, 3, 224, 224);
            int last = config.depth() - 1;
            Capture plain = Capture.of(last, EnumSet.of(Intermediate.Y_NORM)), six = Capture.paper(last);
            try (CudaBackend gpu = CudaBackend.open(precision);
                    ViTWeights w = ViTWeights.random(config, 42);
                    VisionTransformer vit = new VisionTransformer(w, gpu)) {
                if (profiling) {
                    profile(spec, gpu, vit, images, plain, warmup, runs);
                    continue;
                }
                double[] device = new double[runs], wall = new double[runs], sixDevice = new double[runs];
                for (int i = 0; i < warmup; i++) {
                    vit.forward(images, plain);
                    vit.forward(images, six);
                }
                gpu.takeTiming();
                for (int i = 0; i < runs; i++) {
                    long t0 = System.nanoTime();
                    vit.forward(images, plain);
                    wall[i] = (System.nanoTime() - t0) / 1e6;
                    device[i] = gpu.takeTiming().computeMillis();
                    vit.forward(images, six);
                    sixDevice[i] = gpu.takeTiming().computeMillis();
                }
                double d = median(device), s = median(sixDevice);
                System.out.printf(
                        "ours %s %d %s %.1f %.1f %.3f %.3f%n",
                        model, batch, precision.key(), batch * 1000 / d, batch * 1000 / median(wall), d, s);
                System.err.printf(
                        "%s on %s: device %s ms, wall %s ms, six %s ms%n",
                        spec, gpu.name(), Arrays.toString(device), Arrays.toString(wall), Arrays.toString(sixDevice));
            }
        }
    }

    private static void profile(
            String spec,
            CudaBackend gpu,
            VisionTransformer vit,
            FloatTensor images,
            Capture capture,
            int warmup,
            int runs) {
        for (int i = 0; i < warmup; i++) vit.forward(images, capture);
        gpu.takeKernelProfile();
        for (int i = 0; i < runs; i++) vit.forward(images, capture);
        Map<String, double[]> kernels = gpu.takeKernelProfile();
        double total = kernels.values().stream().mapToDouble(v -> v[0]).sum();
        kernels.entrySet().stream()
                .sorted((a, b) -> Double.compare(b.getValue()[0], a.getValue()[0]))
                .forEach(e -> System.out.printf(
                        "profile %s %-28s %8.3f ms %5.1f launches %5.1f%%%n",
                        spec,
                        e.getKey(),
                        e.getValue()[0] / runs,
                        e.getValue()[1] / runs,
                        100 * e.getValue()[0] / total));
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
