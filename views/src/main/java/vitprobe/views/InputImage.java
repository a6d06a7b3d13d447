package vitprobe.views;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import vitprobe.engine.image.ImageDecoder;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.RgbImage;
import vitprobe.kernels.cpu.Parallel;

/**
 * An image file as the model sees it: the picture after resizing and cropping (what the views draw on) and its
 * normalized CHW pixels (what the model reads).
 */
public record InputImage(Path file, RgbImage picture, float[] pixels) {

    /**
     * Decodes and preprocesses every file before any model work, so a corrupt file fails with its name first. An
     * empty list is refused, as {@link vitprobe.engine.ImageInputs#load} refuses it.
     */
    public static List<InputImage> load(List<Path> files, ImageTransform transform) {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(transform, "transform");
        if (files.isEmpty()) throw new IllegalArgumentException("no images");
        InputImage[] out = new InputImage[files.size()];
        Parallel.forEach(files.size(), i -> {
            RgbImage picture = transform.resizeAndCrop(
                    ImageDecoder.decode(files.get(i)), files.get(i).toString());
            out[i] = new InputImage(files.get(i), picture, transform.normalize(picture));
        });
        return Arrays.asList(out);
    }

    public int width() {
        return picture.width();
    }

    public int height() {
        return picture.height();
    }

    /** File name without its extension, for the names of the pictures made from this one. */
    public String stem() {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** Rows of the patch grid the model makes of this picture with square patches of {@code patch} pixels. */
    public int gridRows(int patch) {
        return height() / patch;
    }

    /** Columns of the patch grid the model makes of this picture with square patches of {@code patch} pixels. */
    public int gridCols(int patch) {
        return width() / patch;
    }

    /** A name per image for the files made from it: its stem made safe and unique by {@link FileNames}. */
    public static List<String> names(List<InputImage> images) {
        FileNames names = new FileNames();
        return images.stream().map(image -> names.claim(image.stem(), "")).toList();
    }
}
