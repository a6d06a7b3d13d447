package vitprobe.probe.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.ExtractOptions;
import vitprobe.engine.extract.Extractor;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.PatchSelection;
import vitprobe.engine.extract.SampleSource;
import vitprobe.engine.extract.Task;
import vitprobe.io.FolderLock;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.probe.Rule;
import vitprobe.probe.data.Broden;
import vitprobe.probe.data.Datasets;
import vitprobe.probe.data.PatchLabeling;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;
import vitprobe.results.ModelDescription;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Runs an experiment's grid into its output folder: per model and task one extraction of every token type
 * ({@code OUT/features/<model>/<task>}, resumable), then per token type the cells of both rules and every k on the
 * same balanced test sets, then the qualitative segmentation panels, then results.json and results.csv. A rerun
 * reuses complete extractions and finished cells; a cell whose settings changed is computed again. Given a cluster,
 * the extraction's shards and the cells' blocks of concepts are its tasks, with the same bytes.
 */
public final class ExperimentRunner {
    /** Loads a model reference (a folder, a file, hf:ORG/NAME, random:NAME); the seed is for random weights. */
    @FunctionalInterface
    public interface ModelLoader {
        ViTWeights load(String reference, long seed);
    }

    /**
     * Probes cells elsewhere (a cluster's tasks): each writes its files as {@link CellProbe#run} does in this JVM and
     * reports its outcome, in the order given.
     */
    @FunctionalInterface
    public interface CellRunner {
        List<CellProbe.Outcome> run(List<CellProbe> cells) throws IOException;
    }

    private final ExperimentConfig config;
    private final ModelLoader loader;
    private final PrintWriter log;
    private final Cluster cluster;
    private final Map<String, ModelDescription> modelInfo = new LinkedHashMap<>();
    private final Map<String, List<String>> skippedConcepts = new LinkedHashMap<>();
    private int done, total, reused;

    /**
     * What a run did: the results file it wrote, how many cells it computed and how many it reused from an earlier
     * run, and whether the qualitative panels were reused.
     */
    public record Summary(Path results, int computed, int reused, boolean panelsReused) {}

    /** @param log where progress goes (stderr) */
    public ExperimentRunner(ExperimentConfig config, ModelLoader loader, PrintWriter log) {
        this(config, loader, log, null);
    }

    /**
     * @param cluster where the shards are extracted and the cells probed; null: in this JVM. Its machines open the
     *     models by their references (a checkpoint at the same path, a hub model's cached file, random:NAME), not
     *     through {@code loader}.
     */
    public ExperimentRunner(ExperimentConfig config, ModelLoader loader, PrintWriter log, Cluster cluster) {
        this.config = config;
        this.loader = loader;
        this.log = log;
        this.cluster = cluster;
    }

    /**
     * Runs what is not finished yet and writes results.json and results.csv; returns what it computed and reused. A
     * second runner into the same output folder is refused while this one holds the folder's lock. Before any work,
     * an output folder that is a file or overlaps a task's data set is refused, and the config's warnings go to the
     * log.
     */
    public Summary run() throws IOException {
        String problem = config.outputProblem(config.output());
        if (problem != null) throw new IllegalArgumentException(config.file() + ": output: " + problem);
        requireInputFitsEveryModel();
        for (String warning : config.warnings()) log.println("warning: " + config.file() + ": " + warning);
        try (FolderLock lock = FolderLock.acquire(config.output()).removingCreatedFolderIfLeftEmpty()) {
            return runLocked();
        }
    }

    private Summary runLocked() throws IOException {
        List<Cell> plan = plan();
        total = plan.size();
        for (ModelSpec m : config.models()) {
            try (ViTWeights w = loader.load(m.reference(), config.seed());
                    Backend backend = Backends.create(config.device(), config.precision());
                    VisionTransformer vit = open(config, w, backend)) {
                modelInfo.put(m.name(), describe(m, w));
                log.printf("%s on %s%n", m.name(), backend.name());
                ModelId id = ModelId.of(m.reference(), config.seed(), w);
                for (TaskSpec t : config.tasks()) {
                    Path features = extract(vit, backend, id, m, t);
                    List<Cell> cells = plan.stream()
                            .filter(c -> c.model().equals(m.name()) && c.task() == t.task())
                            .toList();
                    probe(pending(cells, t, features));
                }
            }
        }
        QualitativePanels.Built qualitative = QualitativePanels.Built.NONE;
        TaskSpec segmentation = config.tasks().stream()
                .filter(t -> t.task() == Task.SEGMENTATION)
                .findFirst()
                .orElse(null);
        if (segmentation != null) qualitative = new QualitativePanels(config, loader, log).build(plan, segmentation);
        // No "done" here: the caller may have more to write (the report), and says so when that is written too.
        Path results = Results.write(config, plan, modelInfo, skippedConcepts, qualitative.panels());
        return new Summary(results, total - reused, reused, qualitative.reused());
    }

    /** Every cell in a fixed order: model, task, token type, rule, k. */
    private List<Cell> plan() {
        List<Cell> cells = new ArrayList<>();
        for (ModelSpec m : config.models()) {
            for (TaskSpec t : config.tasks()) {
                for (Intermediate token : config.tokens()) {
                    for (Rule rule : config.rules()) {
                        if (rule == Rule.HYPERPLANE) cells.add(new Cell(m.name(), t.task(), token, rule, null));
                        else for (int k : config.ks()) cells.add(new Cell(m.name(), t.task(), token, rule, k));
                    }
                }
            }
        }
        return cells;
    }

    /**
     * Before any work (the output folder is not even created): an input size that is not a multiple of a model's
     * patch size stops the run.
     */
    private void requireInputFitsEveryModel() {
        if (config.input().height() == 0) return;
        for (ModelSpec m : config.models()) {
            try (ViTWeights w = loader.load(m.reference(), config.seed())) {
                try {
                    config.input().requireFits(w.config());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            config.file() + ": image_size: " + e.getMessage() + " (model " + m.name() + ")", e);
                }
            }
        }
    }

    /** The model at the experiment's input size, with its position-embedding rule. */
    static VisionTransformer open(ExperimentConfig config, ViTWeights w, Backend backend) {
        return new VisionTransformer(w, backend, config.input().posResample(w.config()));
    }

    private ModelDescription describe(ModelSpec m, ViTWeights w) {
        return new ModelDescription(
                m.name(), m.reference(), isRandom(m), w.config().summary(), block(config, w.config()));
    }

    static boolean isRandom(ModelSpec m) {
        return m.reference().startsWith("random:");
    }

    /** The block probed: config's block, negative counting from the end. */
    static int block(ExperimentConfig config, ViTConfig c) {
        int index = config.block() < 0 ? c.depth() + config.block() : config.block();
        if (index < 0 || index >= c.depth()) {
            throw new IllegalArgumentException(config.file() + ": block: " + config.block() + " is outside the "
                    + c.depth() + " blocks of the model");
        }
        return index;
    }

    static SampleSource open(TaskSpec t) {
        return Datasets.open(t.dataset(), excludedCategories(t), PatchLabeling.MAJORITY);
    }

    private static Set<String> excludedCategories(TaskSpec t) {
        return t.task() == Task.SEGMENTATION ? Broden.DEFAULT_EXCLUDED : Set.of();
    }

    /** Extracts (or resumes) every token type of the task's data set; returns the extraction folder. */
    private Path extract(VisionTransformer vit, Backend backend, ModelId model, ModelSpec m, TaskSpec t)
            throws IOException {
        ViTConfig c = vit.config();
        boolean segmentation = t.task() == Task.SEGMENTATION;
        int patches = config.input().patches(c);
        int kept = !segmentation ? 1 : t.patchesPerImage() == 0 ? patches : Math.min(t.patchesPerImage(), patches);
        ExtractOptions options = new ExtractOptions(
                t.task(),
                block(config, c),
                EnumSet.copyOf(config.tokens()),
                config.dtype(),
                ExtractOptions.defaultShardImages(kept, EnumSet.copyOf(config.tokens()), c),
                segmentation ? new PatchSelection(t.patchesPerImage(), config.seed()) : PatchSelection.ALL,
                config.input());
        Path out = config.output()
                .resolve("features")
                .resolve(m.name())
                .resolve(t.task().key());
        log.printf("%s · %s: features of %s%n", m.name(), t.task().key(), t.dataset());
        int decodeThreads = Runtime.getRuntime().availableProcessors();
        Extractor.ShardWriter writer = cluster == null
                ? null
                : cluster.extraction(ExtractionSpec.of(
                        m.reference(),
                        model.weightsFile(),
                        config.seed(),
                        // The dimensions read here, so that every machine builds the same model whatever overrides
                        // the loader applied.
                        c.heads(),
                        c.layerNormEps(),
                        t.dataset(),
                        excludedCategories(t),
                        PatchLabeling.MAJORITY,
                        options,
                        config.batch(),
                        decodeThreads,
                        config.device(),
                        config.precision(),
                        backend.numerics()));
        new Extractor(vit, model, options, config.batch(), decodeThreads, log).run(open(t), out, writer);
        return out;
    }

    /** The settings a cell's numbers depend on; a stored cell with other settings is computed again. */
    private Cell.Settings settings(Cell cell, TaskSpec t) {
        ModelDescription model = modelInfo.get(cell.model());
        boolean cosine = cell.rule() == Rule.COSINE;
        return new Cell.Settings(
                model.reference(),
                model.architecture(),
                model.block(),
                config.seed(),
                config.dtype().key(),
                config.precision(),
                t.dataset().toString(),
                List.of(t.trainSplit(), t.testSplit()),
                t.task() == Task.SEGMENTATION ? t.patchesPerImage() : null,
                cosine ? null : config.solver(),
                cosine ? cell.k() : null,
                cosine ? config.trials() : null,
                cosine ? config.center() : null);
    }

    /** The cells of one model and task not finished yet (the finished ones reported as reused). */
    private List<CellProbe> pending(List<Cell> cells, TaskSpec t, Path features) {
        List<CellProbe> pending = new ArrayList<>();
        CellProbe.Training training =
                new CellProbe.Training(config.seed(), config.trials(), config.center(), config.solver());
        for (Cell c : cells) {
            Cell.Result stored = c.finished(config.output(), settings(c, t));
            String damaged = stored == null ? null : c.damaged(config.output(), stored);
            if (damaged != null) log.println("damaged cell, computing it again: " + damaged);
            if (stored == null || damaged != null) {
                pending.add(new CellProbe(
                        c,
                        settings(c, t),
                        features.resolve(c.token().key()).toAbsolutePath().toString(),
                        t.trainSplit(),
                        t.testSplit(),
                        config.output().toAbsolutePath().toString(),
                        training));
            } else {
                done++;
                reused++;
                log.printf("[%d/%d] %s: finished earlier, reused%n", done, total, c.label());
                recordSkipped(c, stored.skippedConcepts());
            }
        }
        return pending;
    }

    /**
     * Probes the cells, in this JVM (each token type's features loaded once) or through the cell runner, and reports
     * each: the notes of loading a token type's features once, then the cell's headline metric.
     */
    private void probe(List<CellProbe> cells) throws IOException {
        CellRunner cellRunner = cluster == null ? null : cluster.probing(conceptsPerTask());
        List<CellProbe.Outcome> outcomes = cellRunner == null ? new ArrayList<>() : cellRunner.run(cells);
        CellProbe.Data data = null;
        String reported = null;
        Set<String> noted = new HashSet<>();
        for (int i = 0; i < cells.size(); i++) {
            CellProbe probe = cells.get(i);
            if (cellRunner == null) {
                if (!probe.uses(data)) {
                    data = null; // the last token type's features go before the next one's are read
                    data = probe.load();
                }
                outcomes.add(probe.run(data));
            }
            CellProbe.Outcome o = outcomes.get(i);
            Cell c = probe.cell();
            if (!probe.dataKey().equals(reported)) {
                reported = probe.dataKey();
                for (String warning : o.warnings())
                    log.printf(
                            "%s · %s · %s: %s%n",
                            c.model(), c.task().key(), c.token().key(), warning);
            }
            for (String note :
                    Arrays.asList(Cell.segmentationNote(c, o.fewerThanK()), Cell.taskNote(c, o.otherConceptsNote()))) {
                if (note != null && noted.add(note)) log.println("warning: " + note);
            }
            recordSkipped(c, o.skipped());
            done++;
            log.printf(
                    Locale.ROOT,
                    "[%d/%d] %s: %s %.3f (%.1f s)%n",
                    done,
                    total,
                    c.label(),
                    o.metric(),
                    o.value(),
                    o.seconds());
        }
    }

    /** The config's spark.concepts_per_task, else the default. */
    private int conceptsPerTask() {
        return config.spark() == null
                ? ExperimentConfig.Spark.DEFAULT_CONCEPTS_PER_TASK
                : config.spark().conceptsPerTask();
    }

    private void recordSkipped(Cell c, List<String> skipped) {
        skippedConcepts.putIfAbsent(c.model() + "/" + c.task().key(), skipped);
    }
}
