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
 *   <li>device_ms: the CUDA-event time of the forward's graph(s), pixels already on the device and outputs left
 *   there, as PyTorch is timed;</li>
 *   <li>wall_ms: the whole {@code VisionTransformer.forward} call, host-to-device pixels and device-to-host y_norm
 *   included;</li>
 *   <li>six_device_ms, six_d2h_ms, six_wall_ms: the same forward extracting the paper's six intermediates of the
 *   last block: its device time, the device time of copying them to the host, and the whole call (what extraction
 *   pays: the copies, then into Java arrays).</li>
 * </ul>
 * Prints one line per case: {@code ours MODEL BATCH PRECISION img_s=... wall_img_s=... device_ms=... ...}. With
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
                double[] device = new double[runs], wall = new double[runs];
                double[] sixDevice = new double[runs], sixTransfer = new double[runs], sixWall = new double[runs];
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
                    t0 = System.nanoTime();
                    vit.forward(images, six);
                    sixWall[i] = (System.nanoTime() - t0) / 1e6;
                    CudaBackend.DeviceTiming t = gpu.takeTiming();
                    sixDevice[i] = t.computeMillis();
                    sixTransfer[i] = t.transferMillis();
                }
                double d = median(device), wallMs = median(wall);
                System.out.printf(
                        "ours %s %d %s img_s=%.1f wall_img_s=%.1f device_ms=%.3f wall_ms=%.3f six_device_ms=%.3f"
                                + " six_d2h_ms=%.3f six_wall_ms=%.3f%n",
                        model,
                        batch,
                        precision.key(),
                        batch * 1000 / d,
                        batch * 1000 / wallMs,
                        d,
                        wallMs,
                        median(sixDevice),
                        median(sixTransfer),
                        median(sixWall));
                System.err.printf(
                        "%s on %s: device %s ms, wall %s ms, six device %s ms, six wall %s ms%n",
                        spec,
                        gpu.name(),
                        Arrays.toString(device),
                        Arrays.toString(wall),
                        Arrays.toString(sixDevice),
                        Arrays.toString(sixWall));
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
