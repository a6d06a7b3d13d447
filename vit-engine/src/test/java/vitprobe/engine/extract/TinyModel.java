package vitprobe.engine.extract;

import vitprobe.engine.VisionTransformer;
import vitprobe.kernels.Backends;
import vitprobe.weights.CheckpointFormat;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** A seeded random ViT small enough for unit tests: 32×32 input, patch 8 (4×4 grid), width 32, 2 blocks. */
final class TinyModel {
    static final ViTConfig CONFIG = new ViTConfig(
            CheckpointFormat.TIMM,
            32,
            2,
            2,
            8,
            32,
            3,
            64,
            1e-6,
            ViTConfig.imagenetMean(),
            ViTConfig.imagenetStd(),
            "bicubic");

    private TinyModel() {}

    static VisionTransformer create() {
        return new VisionTransformer(ViTWeights.random(CONFIG, 7), Backends.create("cpu"));
    }
}
