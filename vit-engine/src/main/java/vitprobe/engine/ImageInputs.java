package vitprobe.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.PillowResample;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.cpu.Parallel;
import vitprobe.weights.ViTConfig;

/** Turns image files into the model's input tensor, decoding and preprocessing them in parallel. */
public final class ImageInputs {
    private ImageInputs() {}

    /**
     * The evaluation transform for a model: crop to its image size after resizing the shorter side to
     * crop / 0.875 (256 for 224, as DINO and MAE evaluate), with the checkpoint's mean, std and interpolation.
     */
    public static ImageTransform transformFor(ViTConfig c) {
        int resize = (int) Math.round(c.imageSize() / 0.875);
        PillowResample.Filter filter =
                PillowResample.Filter.valueOf(c.interpolation().toUpperCase(Locale.ROOT));
        return new ImageTransform(resize, c.imageSize(), filter, c.mean(), c.std());
    }

    /** Decodes and preprocesses the files into [B, 3, size, size]; a bad file fails with its name. */
    public static FloatTensor load(List<Path> files, ViTConfig c) {
        return load(files, transformFor(c));
    }

    public static FloatTensor load(List<Path> files, ImageTransform transform) {
        int size = transform.crop(), per = 3 * size * size;
        float[] data = new float[files.size() * per];
        Parallel.forEach(files.size(), i -> {
            RgbImage image = ImageDecoder.decode(files.get(i));
            System.arraycopy(transform.apply(image), 0, data, i * per, per);
        });
        return new FloatTensor(data, files.size(), 3, size, size);
    }
}
