package vitprobe.views;

/** Block numbers as users give them: 0-based, a negative one counting from the end (-1 is the last block). */
public final class Blocks {
    private Blocks() {}

    /** The 0-based index of {@code block} in a model of {@code depth} blocks, or an error naming the range. */
    public static int resolve(int block, int depth) {
        int index = block < 0 ? depth + block : block;
        if (index < 0 || index >= depth)
            throw new IllegalArgumentException("block " + block + " is outside the model's " + depth + " blocks (0.."
                    + (depth - 1) + ", or -1..-" + depth + " from the end)");
        return index;
    }
}
