package vitprobe.probe.experiment;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import vitprobe.probe.ProbeData;
import vitprobe.probe.data.ExtractedFeatures;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;

/**
 * The concepts the panels show: of those every column has an F1 for, the one with the best and the one with the
 * worst mean F1, taken among the concepts that mark only part of an image when there are any.
 */
final class PanelConcepts {
    private PanelConcepts() {}

    /** The best concept, then the worst one when it is another; empty when the columns share no concept. */
    static List<String> choose(ExperimentConfig config, List<PanelColumn> columns, TaskSpec task) {
        Set<String> common = new LinkedHashSet<>(columns.getFirst().conceptF1().keySet());
        columns.forEach(c -> common.retainAll(c.conceptF1().keySet()));
        if (common.isEmpty()) return List.of();
        // Whole-image labels (Broden's textures, scenes) cover every patch: a mask of them shows nothing.
        Set<String> localised = localised(config, columns.getFirst(), task);
        if (common.stream().anyMatch(localised::contains)) common.retainAll(localised);
        Comparator<String> byMeanF1 = Comparator.comparingDouble(name -> PanelColumn.meanF1(columns, name));
        String best = common.stream().max(byMeanF1).orElseThrow();
        String worst = common.stream().min(byMeanF1).orElseThrow();
        return best.equals(worst) ? List.of(best) : List.of(best, worst);
    }

    /** Concepts that label only some of the stored patches of the test images showing them. */
    private static Set<String> localised(ExperimentConfig config, PanelColumn column, TaskSpec task) {
        Path features = config.output()
                .resolve("features")
                .resolve(column.model())
                .resolve(task.task().key())
                .resolve(column.token().key())
                .resolve(task.testSplit());
        ProbeData test = ExtractedFeatures.load(features);
        Set<String> out = new LinkedHashSet<>();
        for (int c = 0; c < test.conceptCount(); c++) {
            int samples = Arrays.stream(test.imagesWith(c))
                    .map(g -> test.samplesOf(g).length)
                    .sum();
            if (test.positives(c).length < samples) out.add(test.concepts().get(c));
        }
        return out;
    }
}
