package vitprobe.views;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import vitprobe.engine.ImageInputs;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** A small seeded random ViT (patch 8, 224 pixels) and seeded pictures, for the views' tests. */
final class ViewsTesting {
    /** D = 64, 2 blocks, 4 heads, patch 8: a 28x28 grid, fast enough on the CPU. */
    static final ViTConfig CONFIG = ViTConfig.vit(64, 2, 4, 8);

    private ViewsTesting() {}

    static ViTWeights weights() {
        return ViTWeights.random(CONFIG, 1);
    }

    static Backend backend() {
        return Backends.create("cpu", "fp32");
    }

    /** Pictures of 7x7 random blocks of colour with noise, as the model's transform leaves them (224x224). */
    static List<InputImage> images(String... names) {
        ImageTransform transform = ImageInputs.transformFor(CONFIG);
        List<InputImage> out = new ArrayList<>();
        Random random = new Random(names.length);
        for (String name : names) {
            int[] cells = new int[7 * 7 * 3];
            for (int i = 0; i < cells.length; i++) cells[i] = random.nextInt(240);
            byte[] rgb = new byte[224 * 224 * 3];
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    for (int c = 0; c < 3; c++)
                        rgb[(y * 224 + x) * 3 + c] =
                                (byte) (cells[((y / 32) * 7 + x / 32) * 3 + c] + random.nextInt(16));
                }
            }
            RgbImage picture = new RgbImage(224, 224, rgb);
            out.add(new InputImage(Path.of(name), picture, transform.normalize(picture)));
        }
        return out;
    }
}
