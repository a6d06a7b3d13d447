package vitprobe.results;

/**
 * One point of an experiment's grid: a model's token type probed for a task with a rule.
 *
 * @param k support images per concept for the cosine rule, null for the hyperplane
 */
public record CellKey(String model, String task, String token, String rule, Integer k) {
    /** "hyperplane" or "cosine k=5". */
    public String ruleLabel() {
        return ruleLabel(rule, k);
    }

    /** A rule with its k, as the report names it: "hyperplane" or "cosine k=5". */
    public static String ruleLabel(String rule, Integer k) {
        return k == null ? rule : rule + " k=" + k;
    }
}
