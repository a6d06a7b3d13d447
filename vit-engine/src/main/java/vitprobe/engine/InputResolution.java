package vitprobe.engine;

import java.util.Locale;
import vitprobe.engine.image.ImageTransform;
import vitprobe.engine.image.PillowResample;
import vitprobe.weights.ViTConfig;

/**
 * The input size a model runs at and how its position embeddings follow, one setting for every command that turns
 * images into model inputs:
 * <ul>
 *   <li>the checkpoint's own size ({@link #NATIVE}, the default);
 *   <li>a fixed height × width: images are resized keeping their aspect ratio until they cover
 *       (height / 0.875) × (width / 0.875) and center-cropped to height × width (the evaluation transform DINO and
 *       MAE use at 224); whole-image tasks (segmentation) resize to cover height × width, then crop;
 *   <li>{@code keepAspect}: resize only, the shorter side to {@code height}, the longer one in proportion, both
 *       floored to a multiple of the patch size, so every image has its own patch grid.
 * </ul>
 * Sides must be multiples of the model's patch size ({@link #requireFits}).
 *
 * @param height      pixels; 0 for the checkpoint's own size; the shorter side with {@code keepAspect}
 * @param width       pixels; 0 for the checkpoint's own size; equal to {@code height} with {@code keepAspect}
 * @param keepAspect  resize only, keeping the aspect ratio
 * @param posResample how position embeddings are resampled, or null for the rule of the checkpoint's library
 */
public record InputResolution(int height, int width, boolean keepAspect, PosResample posResample)
        implements java.io.Serializable {
    /** The largest side accepted, in pixels. */
    public static final int MAX_SIDE = ImageTransform.MAX_INPUT_SIDE;

    public static final InputResolution NATIVE = new InputResolution(0, 0, false, null);

    /** The evaluation crop's share of the resized image, as DINO and MAE evaluate (224 of 256). */
    public static final double CROP_SHARE = 0.875;

    public InputResolution {
        if ((height == 0) != (width == 0) || height < 0 || width < 0 || height > MAX_SIDE || width > MAX_SIDE) {
            throw new IllegalArgumentException(
                    "image size " + height + "x" + width + ": sides must be 1 to " + MAX_SIDE + " pixels");
        }
        if (keepAspect && (height == 0 || height != width)) {
            throw new IllegalArgumentException("keeping the aspect ratio takes one size, the shorter side");
        }
    }

    /**
     * The setting from its text form: {@code imageSize} "H" or "H,W" (null or blank: the checkpoint's own),
     * {@code keepAspect} with H the shorter side, {@code posResample} "timm" or "transformers" (null: the
     * checkpoint's). The message of a bad value names the value, not the flag or key, which the caller adds.
     */
    public static InputResolution parse(String imageSize, boolean keepAspect, String posResample) {
        PosResample rule = posResample == null ? null : PosResample.byKey(posResample);
        if (imageSize == null || imageSize.isBlank()) {
            if (keepAspect) throw new IllegalArgumentException("keeping the aspect ratio needs the shorter side");
            return new InputResolution(0, 0, false, rule);
        }
        String[] parts = imageSize.trim().split("\\s*,\\s*", -1);
        if (parts.length > 2) throw notASize(imageSize);
        int h = side(parts[0], imageSize), w = parts.length == 2 ? side(parts[1], imageSize) : h;
        if (keepAspect && parts.length == 2) {
            throw new IllegalArgumentException(
                    "'" + imageSize.trim() + "': keeping the aspect ratio takes one size, the shorter side");
        }
        return new InputResolution(h, w, keepAspect, rule);
    }

    private static int side(String text, String whole) {
        int n;
        try {
            n = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw notASize(whole);
        }
        if (n < 1 || n > MAX_SIDE) {
            throw new IllegalArgumentException(
                    "'" + whole.trim() + "': sides must be 1 to " + MAX_SIDE + " pixels, got " + n);
        }
        return n;
    }

    private static IllegalArgumentException notASize(String text) {
        return new IllegalArgumentException("'" + text.trim() + "' is not a size: give H or H,W in pixels");
    }

    /** This setting, refused unless its sides are multiples of the model's patch size. */
    public InputResolution requireFits(ViTConfig c) {
        int p = c.patchSize();
        if (height % p != 0 || width % p != 0) {
            String size = keepAspect ? "shorter side " + height : "image size " + text();
            throw new IllegalArgumentException(size + " is not a multiple of the model's patch size " + p + " (e.g. "
                    + nearest(height, p) + (height == width ? "" : "," + nearest(width, p)) + ")");
        }
        return this;
    }

    private static int nearest(int side, int patch) {
        return Math.max(patch, Math.round((float) side / patch) * patch);
    }

    /** Whether images reach the model at the checkpoint's own size, exactly as without this setting. */
    public boolean isNative(ViTConfig c) {
        return height == 0 || (!keepAspect && height == c.imageSize() && width == c.imageSize());
    }

    /** The resampling rule: the one given, else the rule of the library whose layout the checkpoint has. */
    public PosResample posResample(ViTConfig c) {
        return posResample != null ? posResample : PosResample.of(c.format());
    }

    /** The patch grid every image gets, or null with {@code keepAspect} (each image has its own). */
    public TokenGrid grid(ViTConfig c) {
        if (keepAspect) return null;
        return TokenGrid.of(inputHeight(c), inputWidth(c), c.patchSize());
    }

    /**
     * Patches per image: the grid's; with {@code keepAspect} those of a square image, the fewest an image can have
     * (for sizing shards, not a bound).
     */
    public int patches(ViTConfig c) {
        if (!keepAspect) return grid(c).patches();
        int side = height / c.patchSize();
        return side * side;
    }

    /** The evaluation transform (classification, the tokens command): resize to cover H/0.875 × W/0.875, crop. */
    public ImageTransform evaluation(ViTConfig c) {
        if (keepAspect) return transform(c, new ImageTransform.KeepAspect(height, c.patchSize()));
        int h = inputHeight(c), w = inputWidth(c);
        return transform(
                c,
                new ImageTransform.CenterCrop(
                        (int) Math.round(h / CROP_SHARE), (int) Math.round(w / CROP_SHARE), h, w));
    }

    /** The transform of whole-image tasks (segmentation): resize to cover H × W, then crop to it. */
    public ImageTransform whole(ViTConfig c) {
        if (keepAspect) return transform(c, new ImageTransform.KeepAspect(height, c.patchSize()));
        int h = inputHeight(c), w = inputWidth(c);
        return transform(c, new ImageTransform.CenterCrop(h, w, h, w));
    }

    private static ImageTransform transform(ViTConfig c, ImageTransform.Geometry geometry) {
        PillowResample.Filter filter =
                PillowResample.Filter.valueOf(c.interpolation().toUpperCase(Locale.ROOT));
        return new ImageTransform(geometry, filter, c.mean(), c.std());
    }

    private int inputHeight(ViTConfig c) {
        return height == 0 ? c.imageSize() : height;
    }

    private int inputWidth(ViTConfig c) {
        return width == 0 ? c.imageSize() : width;
    }

    /** "448x448", "shorter side 448, aspect kept", or "native" for the checkpoint's own size. */
    public String text() {
        if (height == 0) return "native";
        return keepAspect ? "shorter side " + height + ", aspect kept" : height + "x" + width;
    }
}
