package vitprobe.engine.image;

import java.util.Arrays;
import vitprobe.weights.ViTConfig;

/**
 * torchvision's evaluation transform {@code Resize → CenterCrop → ToTensor → Normalize(mean, std)} on a PIL image,
 * reproduced exactly: the same size and offset arithmetic, Pillow's resampling, and float32 arithmetic for the
 * normalisation. The {@link Geometry} says where the pixels go: resize and center-crop ({@link CenterCrop}, a square
 * one is torchvision's {@code Resize(resize)} + {@code CenterCrop(crop)}), or resize only, keeping the aspect ratio
 * ({@link KeepAspect}).
 *
 * @param geometry      the resize (and crop) that sets the model input's size
 * @param interpolation the Pillow filter torchvision passes to {@code Image.resize}
 * @param mean          per-channel mean (R, G, B) as the float32 values torch uses
 * @param std           per-channel standard deviation (R, G, B), float32, non-zero
 */
public record ImageTransform(Geometry geometry, PillowResample.Filter interpolation, float[] mean, float[] std) {
    /** The longest side of a model input, in pixels. */
    public static final int MAX_INPUT_SIDE = 4096;

    /** The most bytes one Java array holds, and so one RGB image. */
    private static final long MAX_RGB_BYTES = Integer.MAX_VALUE - 8;

    /**
     * Where an image lands: the size it is resized to and the window of that the model sees (at left, top; width ×
     * height pixels).
     */
    public record Placement(int resizedWidth, int resizedHeight, int left, int top, int width, int height) {}

    /** How an image of any size becomes the model's input. */
    public sealed interface Geometry permits CenterCrop, KeepAspect {
        /** Where the image lands; one whose resize or input would not fit is refused naming {@code source}. */
        Placement place(int width, int height, String source);
    }

    /**
     * Refuses a resize to {@code width} × {@code height} whose pixels, or the horizontal pass's rows of
     * {@code sourceHeight} before it, would not fit in one array (a thin image resized by its shorter side).
     */
    private static void checkResize(long width, long height, int sourceHeight, String source) {
        if (width * Math.max(height, sourceHeight) * 3 > MAX_RGB_BYTES) {
            throw new ImageDecodeException(
                    source, "would be resized to " + width + "x" + height + " pixels (WxH), too large to hold");
        }
    }

    /**
     * Resize keeping the aspect ratio until the image covers {@code resizeHeight} × {@code resizeWidth}, then cut
     * {@code height} × {@code width} from the centre. The side that needs the larger scale gets its target length,
     * the other one {@code int(target · side / leading side)}, as torchvision sizes the longer side; so a square
     * target resizes the shorter side, exactly as {@code Resize(int)} does.
     */
    public record CenterCrop(int resizeHeight, int resizeWidth, int height, int width) implements Geometry {
        public CenterCrop {
            if (resizeHeight <= 0 || resizeWidth <= 0 || height <= 0 || width <= 0) {
                throw new IllegalArgumentException("resize and crop must be positive, got resize=" + resizeHeight + "x"
                        + resizeWidth + " crop=" + height + "x" + width);
            }
            if (height > resizeHeight || width > resizeWidth) {
                throw new IllegalArgumentException(
                        resizeHeight == resizeWidth && height == width
                                ? "crop " + height + " is larger than the resized shorter side " + resizeHeight
                                : "crop " + height + "x" + width + " is larger than the resize " + resizeHeight + "x"
                                        + resizeWidth);
            }
        }

        @Override
        public Placement place(int width, int height, String source) {
            // Height leads when resizeHeight / height >= resizeWidth / width (compared without rounding); for a
            // square image and target both branches give the target.
            long newWidth, newHeight;
            if ((long) resizeHeight * width >= (long) resizeWidth * height) {
                newHeight = resizeHeight;
                newWidth = (long) ((double) resizeHeight * width / height);
            } else {
                newWidth = resizeWidth;
                newHeight = (long) ((double) resizeWidth * height / width);
            }
            checkResize(newWidth, newHeight, height, source);
            // torchvision's offsets: int(round((size - crop) / 2.0)), Python rounding halves to even (Math.rint).
            int top = (int) Math.rint((newHeight - this.height) / 2.0);
            int left = (int) Math.rint((newWidth - this.width) / 2.0);
            return new Placement((int) newWidth, (int) newHeight, left, top, this.width, this.height);
        }
    }

    /**
     * Resize only: the shorter side to {@code shorter}, the longer one in proportion (truncated, as torchvision
     * does), then both floored to a multiple of {@code multiple} (the patch size), the image resized to that size
     * in one step and never cropped. {@code shorter} must itself be a multiple.
     */
    public record KeepAspect(int shorter, int multiple) implements Geometry {
        public KeepAspect {
            if (shorter <= 0 || multiple <= 0 || shorter % multiple != 0) {
                throw new IllegalArgumentException(
                        "shorter side " + shorter + " must be a positive multiple of " + multiple);
            }
        }

        @Override
        public Placement place(int width, int height, String source) {
            long newWidth = width <= height ? shorter : (long) ((double) shorter * width / height);
            long newHeight = width <= height ? (long) ((double) shorter * height / width) : shorter;
            newWidth -= newWidth % multiple;
            newHeight -= newHeight % multiple;
            // Not cropped, so the resize is the model input: held to the sides the other paths allow.
            if (Math.max(newWidth, newHeight) > MAX_INPUT_SIDE) {
                throw new ImageDecodeException(
                        source,
                        "would become a " + newWidth + "x" + newHeight + " (WxH) input, over " + MAX_INPUT_SIDE
                                + " pixels on a side");
            }
            return new Placement((int) newWidth, (int) newHeight, 0, 0, (int) newWidth, (int) newHeight);
        }
    }

    public ImageTransform {
        if (geometry == null) throw new IllegalArgumentException("geometry is required");
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

    /** torchvision's {@code Resize(resize)} (shorter side) + {@code CenterCrop(crop)}. */
    public ImageTransform(int resize, int crop, PillowResample.Filter interpolation, float[] mean, float[] std) {
        this(new CenterCrop(resize, resize, crop, crop), interpolation, mean, std);
    }

    /** DINO's and MAE's evaluation transform: resize 256 bicubic, crop 224, ImageNet mean and std. */
    public static ImageTransform imagenetDefaults() {
        return new ImageTransform(
                256, 224, PillowResample.Filter.BICUBIC, ViTConfig.imagenetMean(), ViTConfig.imagenetStd());
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    /**
     * Where an image of {@code width} × {@code height} pixels lands. An image whose resize would not fit in memory,
     * or whose uncropped input would be over {@link #MAX_INPUT_SIDE} on a side, fails with an
     * {@link ImageDecodeException} naming {@code source} and the size it would get.
     */
    public Placement place(int width, int height, String source) {
        return geometry.place(width, height, source);
    }

    /** Resize, then crop: the image the model sees; {@code source} (its file) names it in an error. */
    public RgbImage resizeAndCrop(RgbImage image, String source) {
        Placement p = place(image.width(), image.height(), source);
        RgbImage resized = PillowResample.resize(image, p.resizedWidth(), p.resizedHeight(), interpolation);
        if (p.width() == p.resizedWidth() && p.height() == p.resizedHeight()) return resized;
        byte[] out = new byte[p.width() * p.height() * 3];
        for (int y = 0; y < p.height(); y++) {
            System.arraycopy(
                    resized.rgb(),
                    ((p.top() + y) * resized.width() + p.left()) * 3,
                    out,
                    y * p.width() * 3,
                    p.width() * 3);
        }
        return new RgbImage(p.width(), p.height(), out);
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

    /** The whole transform: CHW float32 of shape 3 × height × width of {@link #place}. */
    public float[] apply(RgbImage image, String source) {
        return normalize(resizeAndCrop(image, source));
    }
}
