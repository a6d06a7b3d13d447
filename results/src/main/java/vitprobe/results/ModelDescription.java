package vitprobe.results;

/**
 * A model of the experiment as loaded.
 *
 * @param architecture the weights' dimensions in words (layout, dim, depth, heads, patch, ...)
 * @param block        the index of the block probed
 */
public record ModelDescription(String name, String reference, boolean randomWeights, String architecture, int block) {}
