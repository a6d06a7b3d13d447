package vitprobe.results;

import java.util.List;
import vitprobe.io.JsonRecords.Nullable;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * Which token type and rule win for a model and task, over all concepts or within one category, by the task's
 * metric at the report's k.
 *
 * @param metric    "accuracy" (classification) or "f1" (segmentation)
 * @param scope     {@link Level#ALL} or {@link Level#CATEGORY}
 * @param category  the category of a category finding, else null
 * @param perRule   per rule its best token type
 * @param ruleWins  over all concepts with both rules: on how many token types each rule is ahead, else null
 */
public record Finding(
        String model,
        String task,
        String metric,
        Level scope,
        @Nullable String category,
        Choice best,
        Choice worst,
        List<Choice> perRule,
        @OmitNull RuleWins ruleWins) {
    /** A token type and rule (with its k) and the metric's value there. */
    public record Choice(String token, String rule, Integer k, double value) {}

    public record RuleWins(int hyperplane, int cosine, int ties, int tokens) {}
}
