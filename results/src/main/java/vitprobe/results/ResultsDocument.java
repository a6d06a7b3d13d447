package vitprobe.results;

import java.util.List;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * results.json: everything the report shows, so that the report only formats it. Written by the experiment
 * runner, read by the report (and anything else that wants an experiment's numbers) through {@link ResultsJson}.
 *
 * @param reportK     the cosine rule's k that bars, tables and findings use (the largest); null without it
 * @param warnings    what the run warned of about its settings (e.g. a k above a class's training images); null for none
 * @param layernorm   y against y_norm, when both token types were probed
 * @param qualitative the segmentation panels, when there is a segmentation task
 * @param rows        per cell (model, task, token type, rule, k): per concept, per category and over all concepts
 */
public record ResultsDocument(
        String format,
        Experiment experiment,
        List<ModelDescription> models,
        Integer reportK,
        List<SkippedConcepts> skippedConcepts,
        @OmitNull List<String> warnings,
        List<Finding> findings,
        List<LayerNormComparison> layernorm,
        List<QualitativePanel> qualitative,
        List<ResultRow> rows) {
    public static final String FORMAT = "vitprobe-results/1";
}
