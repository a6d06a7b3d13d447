package vitprobe.results;

import java.util.List;

/** Concepts of a model and task left out because a split has no positives or no negatives for them. */
public record SkippedConcepts(String model, String task, List<String> concepts) {}
