package vitprobe.results;

/**
 * The study's Table 1 for one model, task and rule: the block output y against the model's final LayerNorm of it,
 * y_norm, over all concepts.
 *
 * @param delta y_norm minus y
 */
public record LayerNormComparison(
        String model, String task, String rule, Integer k, Scores y, Scores yNorm, Scores delta) {}
