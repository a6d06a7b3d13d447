package vitprobe.engine.extract;

import java.io.IOException;

/**
 * One image of a data set and its concept labels (multi-hot, one byte per concept of the source's
 * {@link Concepts}). Called from several decoding threads at once, so implementations must be thread-safe.
 */
public interface Sample {
    /** A name unique within the data set, e.g. the image path relative to its root; it ends up in the report. */
    String id();

    /** The encoded image (PNG or JPEG, recognised by content). */
    byte[] read() throws IOException;

    /** Labels of the whole image, [concepts]. */
    byte[] imageLabels() throws IOException;

    /**
     * Labels of every patch of the token grid, [grid.patches() × concepts] row-major. Without masks every patch
     * carries the whole-image labels.
     */
    default byte[] patchLabels(PatchGrid grid) throws IOException {
        byte[] image = imageLabels();
        byte[] out = new byte[grid.patches() * image.length];
        for (int p = 0; p < grid.patches(); p++) System.arraycopy(image, 0, out, p * image.length, image.length);
        return out;
    }
}
