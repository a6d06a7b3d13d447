package vitprobe.engine;

/**
 * The patch grid of one input: rows × columns patches, numbered row-major after the [CLS] token.
 *
 * @param rows    patches down (image height / patch size)
 * @param columns patches across (image width / patch size)
 */
public record TokenGrid(int rows, int columns) {
    public TokenGrid {
        if (rows < 1 || columns < 1)
            throw new IllegalArgumentException("a patch grid needs at least one patch, got " + rows + "x" + columns);
    }

    /** The grid of an image of {@code height} × {@code width} pixels, both multiples of {@code patch}. */
    public static TokenGrid of(int height, int width, int patch) {
        if (height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException(
                    "image " + height + "x" + width + " is not a multiple of the patch size " + patch);
        }
        return new TokenGrid(height / patch, width / patch);
    }

    public int patches() {
        return rows * columns;
    }

    /** Patches and the [CLS] token. */
    public int tokens() {
        return patches() + 1;
    }

    @Override
    public String toString() {
        return rows + "x" + columns;
    }
}
