package vitprobe.engine.image;

import java.util.Arrays;
import vitprobe.weights.ViTConfig;

/**
 * torchvision's evaluation transform {@code Resize(resize) → CenterCrop(crop) → ToTensor → Normalize(mean, std)} on
 * a PIL image, reproduced exactly: the same size and offset arithmetic, Pillow's resampling, and float32 arithmetic
 * for the normalisation.
 *
 * @param resize        length of the shorter side after resizing
 * @param crop          side of the square center crop, at most {@code resize}
 * @param interpolation the Pillow filter torchvision passes to {@code Image.resize}
 * @param mean          per-channel mean (R, G, B) as the float32 values torch uses
 * @param std           per-channel standard deviation (R, G, B), float32, non-zero
 */
public record ImageTransform(int resize, int crop, PillowResample.Filter interpolation, float[] mean, float[] std) {

    public ImageTransform {
        if (resize <= 0 || crop <= 0) {
            throw new IllegalArgumentException(
                    "resize and crop must be positive, got resize=" + resize + " crop=" + crop);
        }
        if (crop > resize) {
            throw new IllegalArgumentException("crop " + crop + " is larger than the resized shorter side " + resize);
        }
        if (interpolation == null) throw new IllegalArgumentException("interpolation is required");
        if (mean == null || mean.length != 3 || std == null || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values (R, G, B), got " + Arrays.toString(mean)
                    + " and " + Arrays.toString(std));
        }
        for (int c = 0; c < 3; c++) {
            if (!Float.isFinite(mean[c]) || !Float.isFinite(std[c]) || std[c] == 0) {
                throw new IllegalArgumentException("mean must be finite and std finite and non-zero, got mean="
                        + Arrays.toString(mean) + " std=" + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** DINO's and MAE's evaluation transform: resize 256 bicubic, crop 224, ImageNet mean and std. */
    public static ImageTransform imagenetDefaults() {
        return new ImageTransform(
                256, 224, PillowResample.Filter.BICUBIC, ViTConfig.IMAGENET_MEAN, ViTConfig.IMAGENET_STD);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /** Resize then crop: returns a crop × crop image. */
    public RgbImage resizeAndCrop(RgbImage image) {
        int width = image.width(), height = image.height();
        // torchvision: the shorter side becomes `resize`, the longer int(resize * long / short) (truncated).
        int newWidth, newHeight;
        if (width <= height) {
            newWidth = resize;
            newHeight = (int) ((double) resize * height / width);
        } else {
            newHeight = resize;
            newWidth = (int) ((double) resize * width / height);
        }
        return centerCrop(PillowResample.resize(image, newWidth, newHeight, interpolation));
    }

    /** torchvision's offsets: int(round((size - crop) / 2.0)), where Python rounds halves to even (Math.rint). */
    private RgbImage centerCrop(RgbImage image) {
        int top = (int) Math.rint((image.height() - crop) / 2.0);
        int left = (int) Math.rint((image.width() - crop) / 2.0);
        byte[] out = new byte[crop * crop * 3];
        for (int y = 0; y < crop; y++) {
            System.arraycopy(image.rgb(), ((top + y) * image.width() + left) * 3, out, y * crop * 3, crop * 3);
        }
        return new RgbImage(crop, crop, out);
    }

    /**
     * ToTensor + Normalize: CHW float32 with x = u8 / 255f, then (x - mean) / std, every step in float32 as torch does.
     * Works for any image size; {@link #apply} feeds it the crop.
     */
    public float[] normalize(RgbImage image) {
        int pixels = image.width() * image.height();
        byte[] rgb = image.rgb();
        float[] chw = new float[3 * pixels];
        for (int c = 0; c < 3; c++) {
            for (int p = 0; p < pixels; p++) {
                float x = (rgb[p * 3 + c] & 0xff) / 255f;
                chw[c * pixels + p] = (x - mean[c]) / std[c];
            }
        }
        return chw;
    }

    /** The whole transform: CHW float32 of shape 3 × crop × crop. */
    public float[] apply(RgbImage image) {
        return normalize(resizeAndCrop(image));
    }
}
