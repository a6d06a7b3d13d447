package vitprobe.engine.extract;

import vitprobe.engine.image.ImageTransform;

/**
 * Where the pixels of an image end up on the model's token grid after the evaluation transform (resize the
 * shorter side, center crop), so that masks given in image coordinates can be turned into patch labels.
 * Positions are fractions (u, v) of the original image's width and height, 0 ≤ u, v &lt; 1.
 *
 * @param resizedWidth  width after resizing
 * @param resizedHeight height after resizing
 * @param crop          side of the square crop the model sees
 * @param patchSize     side of one patch in crop pixels
 */
public record PatchGrid(int resizedWidth, int resizedHeight, int crop, int patchSize) {
    public PatchGrid {
        if (crop % patchSize != 0)
            throw new IllegalArgumentException("crop " + crop + " is not a multiple of patch size " + patchSize);
        if (resizedWidth < crop || resizedHeight < crop) {
            throw new IllegalArgumentException(
                    "resized image " + resizedWidth + "x" + resizedHeight + " is smaller than the crop " + crop);
        }
    }

    /** The grid for an image of the given size under {@code transform}, with torchvision's resize arithmetic. */
    public static PatchGrid of(int width, int height, ImageTransform transform, int patchSize) {
        int r = transform.resize();
        int w = width <= height ? r : (int) ((double) r * width / height);
        int h = width <= height ? (int) ((double) r * height / width) : r;
        return new PatchGrid(w, h, transform.crop(), patchSize);
    }

    /** Patches per side. */
    public int side() {
        return crop / patchSize;
    }

    public int patches() {
        return side() * side();
    }

    private int left() {
        return (int) Math.rint((resizedWidth - crop) / 2.0);
    }

    private int top() {
        return (int) Math.rint((resizedHeight - crop) / 2.0);
    }

    /** The patch (row-major) that the image point (u, v) falls in, or -1 when the crop cuts it off. */
    public int patchAt(double u, double v) {
        double x = u * resizedWidth - left(), y = v * resizedHeight - top();
        if (x < 0 || y < 0 || x >= crop || y >= crop) return -1;
        return (int) (y / patchSize) * side() + (int) (x / patchSize);
    }

    /** The image point (u, v) at the centre of a patch. */
    public double[] center(int patch) {
        double x = left() + (patch % side() + 0.5) * patchSize, y = top() + (patch / side() + 0.5) * patchSize;
        return new double[] {x / resizedWidth, y / resizedHeight};
    }
}
