package vitprobe.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.cpu.Parallel;
import vitprobe.weights.ViTConfig;

/** Turns image files into the model's input tensor, decoding and preprocessing them in parallel. */
public final class ImageInputs {
    private ImageInputs() {}

    /**
     * The evaluation transform for a model at its own size: crop to its image size after resizing the shorter side
     * to crop / 0.875 (256 for 224, as DINO and MAE evaluate), with the checkpoint's mean, std and interpolation.
     */
    public static ImageTransform transformFor(ViTConfig c) {
        Objects.requireNonNull(c, "config");
        return InputResolution.NATIVE.evaluation(c);
    }

    /** Decodes and preprocesses the files into [B, 3, size, size]; a bad file fails with its name. */
    public static FloatTensor load(List<Path> files, ViTConfig c) {
        return load(files, transformFor(c));
    }

    /**
     * Decodes and preprocesses the files into [B, 3, H, W]. A bad file fails with its name, and so do images whose
     * inputs differ in size (possible when the transform keeps the aspect ratio): one tensor has one size. An empty
     * list is refused.
     */
    public static FloatTensor load(List<Path> files, ImageTransform transform) {
        Objects.requireNonNull(files, "files");
        if (files.isEmpty()) throw new IllegalArgumentException("no images");
        float[][] inputs = new float[files.size()][];
        ImageTransform.Placement[] placed = new ImageTransform.Placement[files.size()];
        Parallel.forEach(files.size(), i -> {
            RgbImage image = ImageDecoder.decode(files.get(i));
            placed[i] =
                    transform.place(image.width(), image.height(), files.get(i).toString());
            inputs[i] = transform.apply(image, files.get(i).toString());
        });
        int height = placed[0].height(), width = placed[0].width(), per = 3 * height * width;
        for (int i = 1; i < files.size(); i++) {
            if (placed[i].height() != height || placed[i].width() != width) {
                throw new IllegalArgumentException(files.get(i) + " becomes a " + placed[i].height() + "x"
                        + placed[i].width() + " input but " + files.getFirst() + " a " + height + "x" + width
                        + " one: images written together need one input size");
            }
        }
        float[] data = new float[files.size() * per];
        for (int i = 0; i < files.size(); i++) System.arraycopy(inputs[i], 0, data, i * per, per);
        return new FloatTensor(data, files.size(), 3, height, width);
    }
}
