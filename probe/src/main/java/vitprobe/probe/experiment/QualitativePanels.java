package vitprobe.probe.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import vitprobe.engine.extract.SampleSource;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;
import vitprobe.results.QualitativePanel;
import vitprobe.results.QualitativePanel.Kind;

/**
 * The data of the study's qualitative segmentation figures: for the concepts with the best and the worst mean F1,
 * the test images where the predicted masks overlap the truth best, with the mask each model × rule predicts (at
 * its best token type). Stored features keep only a few patches per image, so the chosen candidate images are
 * run through the model again with every patch kept. Masks are at patch resolution, row-major strings of 0/1.
 * The result is cached in {@code OUT/qualitative/qualitative.json} under the inputs that decide it.
 * <p>
 * Each step is a class of its own: {@link PanelColumn} picks a cell per model × rule, {@link PanelConcepts} the
 * concepts, {@link PanelCache} reuses earlier panels, {@link PanelCandidate} picks the test images,
 * {@link PanelInference} computes their masks, {@link ScoredImage} ranks them by IoU and {@link PanelData} writes
 * what a panel shows.
 */
final class QualitativePanels {
    /** The folder under the output that holds the panel data and the pictures. */
    static final String FOLDER = "qualitative";

    private final ExperimentConfig config;
    private final ExperimentRunner.ModelLoader loader;
    private final PrintWriter log;

    QualitativePanels(ExperimentConfig config, ExperimentRunner.ModelLoader loader, PrintWriter log) {
        this.config = config;
        this.loader = loader;
        this.log = log;
    }

    /** The panels, best concept first, and whether they came from an earlier run's cache. */
    record Built(List<QualitativePanel> panels, boolean reused) {
        static final Built NONE = new Built(List.of(), false);
    }

    /** The panels: reused from the cache when its inputs are unchanged, else made and cached. */
    Built build(List<Cell> plan, TaskSpec task) throws IOException {
        List<PanelColumn> columns = PanelColumn.choose(config, plan);
        List<String> concepts = PanelConcepts.choose(config, columns, task);
        if (concepts.isEmpty()) return Built.NONE;
        PanelCache cache = new PanelCache(config, concepts, columns);
        List<QualitativePanel> stored = cache.stored();
        if (stored != null) {
            log.println("qualitative panels: finished earlier, reused");
            return new Built(stored, true);
        }
        List<List<PanelCandidate>> candidates = runCandidates(task, columns, concepts);
        List<QualitativePanel> panels = new ArrayList<>();
        for (int slot = 0; slot < concepts.size(); slot++) {
            List<ScoredImage> ranked = ScoredImage.rank(candidates.get(slot), columns, slot);
            List<ScoredImage> shown = ranked.subList(0, Math.min(config.qualitativeImages(), ranked.size()));
            Kind kind = slot == 0 ? Kind.BEST : Kind.WORST;
            panels.add(PanelData.of(kind, concepts.get(slot), slot, columns, shown, config.output()));
        }
        cache.store(panels);
        return new Built(panels, false);
    }

    /** Per concept its candidate test images, each run through every model of the columns. */
    private List<List<PanelCandidate>> runCandidates(TaskSpec task, List<PanelColumn> columns, List<String> concepts)
            throws IOException {
        SampleSource source = ExperimentRunner.open(task);
        List<String> labelNames = source.concepts().names();
        List<List<PanelCandidate>> candidates = PanelCandidate.choose(
                source.samples(task.testSplit()), labelNames, concepts, config.qualitativeCandidates());
        List<PanelCandidate> distinct =
                candidates.stream().flatMap(List::stream).distinct().toList();
        log.printf("qualitative panels: %d test images through the model with every patch%n", distinct.size());
        for (ModelSpec m : config.models()) {
            List<PanelColumn> own =
                    columns.stream().filter(c -> c.model().equals(m.name())).toList();
            if (!own.isEmpty()) PanelInference.run(config, loader, m, own, distinct, labelNames, concepts);
        }
        return candidates;
    }
}
