package vitprobe.probe.experiment;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.ExtractOptions;
import vitprobe.engine.extract.Extractor;
import vitprobe.engine.extract.FeatureStore;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.PatchSelection;
import vitprobe.engine.extract.SampleSource;
import vitprobe.engine.extract.Task;
import vitprobe.io.AtomicFiles;
import vitprobe.io.FolderLock;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.CosineTrainer;
import vitprobe.probe.Evaluation;
import vitprobe.probe.HyperplaneTrainer;
import vitprobe.probe.LogisticRegressionTrainer;
import vitprobe.probe.Metrics;
import vitprobe.probe.ProbeData;
import vitprobe.probe.Rule;
import vitprobe.probe.data.Broden;
import vitprobe.probe.data.Datasets;
import vitprobe.probe.data.PatchLabeling;
import vitprobe.probe.data.ProbeSplits;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;
import vitprobe.results.CellRow;
import vitprobe.results.ModelDescription;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * Runs an experiment's grid into its output folder: per model and task one extraction of every token type
 * ({@code OUT/features/<model>/<task>}, resumable), then per token type the cells of both rules and every k on the
 * same balanced test sets, then the qualitative segmentation panels, then results.json and results.csv. A rerun
 * reuses complete extractions and finished cells; a cell whose settings changed is computed again.
 */
public final class ExperimentRunner {
    /** Loads a model reference (a folder, a file, hf:ORG/NAME, random:NAME); the seed is for random weights. */
    @FunctionalInterface
    public interface ModelLoader {
        ViTWeights load(String reference, long seed);
    }

    private final ExperimentConfig config;
    private final ModelLoader loader;
    private final PrintWriter log;
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
        this.config = config;
        this.loader = loader;
        this.log = log;
    }

    /**
     * Runs what is not finished yet and writes results.json and results.csv; returns what it computed and reused. A
     * second runner into the same output folder is refused while this one holds the folder's lock.
     */
    public Summary run() throws IOException {
        requireInputFitsEveryModel();
        try (FolderLock lock = FolderLock.acquire(config.output())) {
            return runLocked();
        }
    }

    private Summary runLocked() throws IOException {
        List<Cell> plan = plan();
        total = plan.size();
        long start = System.nanoTime();
        for (ModelSpec m : config.models()) {
            try (ViTWeights w = loader.load(m.reference(), config.seed());
                    Backend backend = Backends.create(config.device(), config.precision());
                    VisionTransformer vit = open(config, w, backend)) {
                modelInfo.put(m.name(), describe(m, w));
                log.printf("%s on %s%n", m.name(), backend.name());
                ModelId id = ModelId.of(m.reference(), config.seed(), w);
                for (TaskSpec t : config.tasks()) {
                    Path features = extract(vit, id, m, t);
                    for (Intermediate token : config.tokens()) {
                        List<Cell> cells = plan.stream()
                                .filter(c -> c.model().equals(m.name()) && c.task() == t.task() && c.token() == token)
                                .toList();
                        probe(cells, t, features.resolve(token.key()));
                    }
                }
            }
        }
        QualitativePanels.Built qualitative = QualitativePanels.Built.NONE;
        TaskSpec segmentation = config.tasks().stream()
                .filter(t -> t.task() == Task.SEGMENTATION)
                .findFirst()
                .orElse(null);
        if (segmentation != null) qualitative = new QualitativePanels(config, loader, log).build(plan, segmentation);
        Path results = Results.write(config, plan, modelInfo, skippedConcepts, qualitative.panels());
        log.printf(Locale.ROOT, "experiment done in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, results);
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
        return Datasets.open(
                t.dataset(),
                t.task() == Task.SEGMENTATION ? Broden.DEFAULT_EXCLUDED : Set.of(),
                PatchLabeling.MAJORITY);
    }

    /** Extracts (or resumes) every token type of the task's data set; returns the extraction folder. */
    private Path extract(VisionTransformer vit, ModelId model, ModelSpec m, TaskSpec t) throws IOException {
        ViTConfig c = vit.config();
        boolean segmentation = t.task() == Task.SEGMENTATION;
        int kept = segmentation ? Math.min(t.patchesPerImage(), config.input().patches(c)) : 1;
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
        new Extractor(vit, model, options, config.batch(), decodeThreads, log).run(open(t), out);
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

    /** Runs the unfinished cells of one token type on features loaded once. */
    private void probe(List<Cell> cells, TaskSpec t, Path features) throws IOException {
        List<Cell> pending = new ArrayList<>();
        for (Cell c : cells) {
            Cell.Result stored = c.finished(config.output(), settings(c, t));
            if (stored == null) {
                pending.add(c);
            } else {
                done++;
                reused++;
                log.printf("[%d/%d] %s: finished earlier, reused%n", done, total, c.label());
                recordSkipped(c, stored.skippedConcepts());
            }
        }
        if (pending.isEmpty()) return;
        ProbeSplits splits = ProbeSplits.load(features.resolve(t.trainSplit()), features.resolve(t.testSplit()));
        ProbeData trainKept = splits.train(), testKept = splits.test();
        Cell first = pending.getFirst();
        for (String warning : splits.warnings()) {
            log.printf(
                    "%s · %s · %s: %s%n",
                    first.model(), first.task().key(), first.token().key(), warning);
        }
        List<String> categoryNames = categoryNames(features);
        List<String> categories = testKept.hasCategories()
                ? IntStream.range(0, testKept.conceptCount())
                        .mapToObj(c -> categoryNames.get(testKept.category(c).intValue()))
                        .toList()
                : null;
        Evaluation.TestSet[] sets = Evaluation.balanced(testKept, config.seed());
        int[] positives =
                Arrays.stream(sets).mapToInt(s -> s.positives().length).toArray();
        int[] negatives =
                Arrays.stream(sets).mapToInt(s -> s.negatives().length).toArray();
        for (Cell c : pending) {
            long t0 = System.nanoTime();
            List<ConceptTemplates> templates = train(c, trainKept);
            List<Metrics[]> trials = templates.stream()
                    .map(tp -> Evaluation.evaluate(tp, testKept, sets))
                    .toList();
            templates.getFirst().save(c.templates(config.output()));
            List<CellRow> rows = Cell.rows(testKept.concepts(), categories, positives, negatives, trials);
            Cell.Result result =
                    new Cell.Result(settings(c, t), c.key(), splits.skipped(), splits.otherCategoryNegatives(), rows);
            AtomicFiles.writeString(c.file(config.output()), JsonRecords.writePretty(result));
            recordSkipped(c, splits.skipped());
            done++;
            String metric = t.task() == Task.CLASSIFICATION ? "accuracy" : "f1";
            log.printf(
                    Locale.ROOT,
                    "[%d/%d] %s: %s %.3f (%.1f s)%n",
                    done,
                    total,
                    c.label(),
                    metric,
                    rows.getLast().mean().get(metric),
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    private List<ConceptTemplates> train(Cell c, ProbeData data) {
        if (c.rule() == Rule.COSINE)
            return CosineTrainer.train(
                    data, new CosineTrainer.Options(c.k(), config.trials(), config.center(), config.seed()));
        if (config.solver().equals("lbfgs"))
            return List.of(LogisticRegressionTrainer.train(
                    data, LogisticRegressionTrainer.Options.defaults().withSeed(config.seed())));
        return List.of(HyperplaneTrainer.train(
                data, HyperplaneTrainer.Options.defaults().withSeed(config.seed())));
    }

    private void recordSkipped(Cell c, List<String> skipped) {
        skippedConcepts.putIfAbsent(c.model() + "/" + c.task().key(), skipped);
    }

    /** The category names an extraction recorded in its manifest (empty without categories). */
    private static List<String> categoryNames(Path tokenFolder) throws IOException {
        Path manifest = tokenFolder.getParent().resolve(FeatureStore.MANIFEST);
        Object names = Json.parseObject(Files.readString(manifest)).get("categories_names");
        return names instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
    }
}
