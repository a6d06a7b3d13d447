package vitprobe.engine.extract;

import vitprobe.engine.TokenGrid;
import vitprobe.engine.image.ImageTransform;

/**
 * Where the pixels of an image end up on the model's token grid after the transform (resize, center crop), so that
 * masks given in image coordinates can be turned into patch labels. Positions are fractions (u, v) of the original
 * image's width and height, 0 ≤ u, v &lt; 1.
 *
 * @param placement the image's size after resizing and the window of it the model sees
 * @param patchSize side of one patch in input pixels
 */
public record PatchGrid(ImageTransform.Placement placement, int patchSize) {
    public PatchGrid {
        if (placement.width() % patchSize != 0 || placement.height() % patchSize != 0) {
            throw new IllegalArgumentException("input " + placement.height() + "x" + placement.width()
                    + " is not a multiple of patch size " + patchSize);
        }
    }

    /** The grid for an image of the given size under {@code transform}; {@code source} names it in an error. */
    public static PatchGrid of(int width, int height, ImageTransform transform, int patchSize, String source) {
        return new PatchGrid(transform.place(width, height, source), patchSize);
    }

    public int resizedWidth() {
        return placement.resizedWidth();
    }

    /** The model's patch grid for this image. */
    public TokenGrid tokens() {
        return new TokenGrid(placement.height() / patchSize, placement.width() / patchSize);
    }

    public int patches() {
        return tokens().patches();
    }

    /** The patch (row-major) that the image point (u, v) falls in, or -1 when the crop cuts it off. */
    public int patchAt(double u, double v) {
        double x = u * placement.resizedWidth() - placement.left();
        double y = v * placement.resizedHeight() - placement.top();
        if (x < 0 || y < 0 || x >= placement.width() || y >= placement.height()) return -1;
        return (int) (y / patchSize) * tokens().columns() + (int) (x / patchSize);
    }

    /** The image point (u, v) at the centre of a patch. */
    public double[] center(int patch) {
        int columns = tokens().columns();
        double x = placement.left() + (patch % columns + 0.5) * patchSize;
        double y = placement.top() + (patch / columns + 0.5) * patchSize;
        return new double[] {x / placement.resizedWidth(), y / placement.resizedHeight()};
    }
}
