package vitprobe.probe.experiment;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import vitprobe.engine.extract.FeatureStore;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.CosineTrainer;
import vitprobe.probe.Evaluation;
import vitprobe.probe.HyperplaneTrainer;
import vitprobe.probe.LogisticRegressionTrainer;
import vitprobe.probe.Metrics;
import vitprobe.probe.ProbeData;
import vitprobe.probe.Rule;
import vitprobe.probe.data.ProbeSplits;
import vitprobe.results.CellRow;

/**
 * The probe of one cell: trains its rule on the extracted features of its token type, evaluates the templates on the
 * balanced test sets and writes the cell's result and templates atomically. It names everything by path, so it runs
 * wherever those paths are readable: in the experiment's JVM or as a cluster's task, with the same bytes. A cluster
 * probes a cell of many concepts in {@link Block}s, one task each, and joins their {@link Part}s: every concept's
 * random draws are keyed by its place among all the cell's concepts, so the joined files equal the whole cell's.
 *
 * @param features the token type's extraction folder, holding the train and test splits
 */
public record CellProbe(
        Cell cell,
        Cell.Settings settings,
        String features,
        String trainSplit,
        String testSplit,
        String output,
        Training training)
        implements Serializable {

    /** The experiment's settings of the trainers. */
    record Training(long seed, int trials, boolean center, String solver) implements Serializable {}

    /**
     * What a probed cell reports back: the notes of loading its features, the concepts left out, the notes on
     * concepts with fewer training images than k and on those thresholded against other concepts' support samples
     * (each null when none), its headline metric ("accuracy" or "f1") and the seconds it took.
     */
    public record Outcome(
            List<String> warnings,
            List<String> skipped,
            String fewerThanK,
            String otherConceptsNote,
            String metric,
            double value,
            double seconds)
            implements Serializable {}

    /**
     * One block of a cell's concepts: [from, to) among those usable in both splits (none when the splits have fewer).
     */
    public record Block(CellProbe cell, int from, int to) implements Serializable {
        public Part probe(Data data) {
            return cell.part(data, from, to);
        }
    }

    /**
     * What a block computed: the first trial's templates and each trial's metrics of its concepts (templates null for
     * a block past the usable concepts), their test set sizes, cosine support sizes and the concepts thresholded
     * against other concepts' support samples (both null for the hyperplane) and categories, and the notes of loading
     * the features.
     */
    public record Part(
            ConceptTemplates templates,
            List<Metrics[]> trials,
            int[] positives,
            int[] negatives,
            int[] supports,
            List<String> otherConceptNegatives,
            List<String> categories,
            List<String> warnings,
            List<String> skipped,
            List<String> otherCategoryNegatives,
            double seconds)
            implements Serializable {}

    /** A token type's train and test features with the balanced test sets, shared by the cells probing them. */
    public static final class Data {
        private final String key;
        private final ProbeSplits splits;
        private final List<String> categories;
        private final Evaluation.TestSet[] sets;

        private Data(String key, ProbeSplits splits, List<String> categories, Evaluation.TestSet[] sets) {
            this.key = key;
            this.splits = splits;
            this.categories = categories;
            this.sets = sets;
        }
    }

    /** What {@link #load()} reads: equal for the cells of one token type, so their data can be shared. */
    public String dataKey() {
        return features + "|" + trainSplit + "|" + testSplit + "|" + training.seed();
    }

    /** Whether {@code data} is what {@link #load()} would read. */
    public boolean uses(Data data) {
        return data != null && data.key.equals(dataKey());
    }

    /** Loads the features of the cell's token type. */
    public Data load() throws IOException {
        Path folder = Path.of(features);
        ProbeSplits splits = ProbeSplits.load(folder.resolve(trainSplit), folder.resolve(testSplit));
        ProbeData test = splits.test();
        List<String> names = manifestList(folder, "categories_names");
        List<String> categories = test.hasCategories()
                ? IntStream.range(0, test.conceptCount())
                        .mapToObj(c -> names.get(test.category(c).intValue()))
                        .toList()
                : null;
        return new Data(dataKey(), splits, categories, Evaluation.balanced(test, training.seed()));
    }

    /** Computes the cell on {@code data} (from {@link #load()}) and writes its files. */
    public Outcome run(Data data) throws IOException {
        return write(List.of(part(data, 0, Integer.MAX_VALUE)));
    }

    /**
     * The cell's blocks of {@code conceptsPerBlock} concepts, as many as the extraction's concepts fill (the usable
     * ones are known only once the features are read); one block for the lbfgs solver, which fits all concepts
     * together.
     */
    public List<Block> blocks(int conceptsPerBlock) throws IOException {
        int concepts = manifestList(Path.of(features), "concepts").size();
        int size = cell.rule() == Rule.HYPERPLANE && training.solver().equals("lbfgs")
                ? Math.max(1, concepts)
                : conceptsPerBlock;
        List<Block> blocks = new ArrayList<>();
        for (int from = 0; from == 0 || from < concepts; from += size) blocks.add(new Block(this, from, from + size));
        return blocks;
    }

    /** Trains and evaluates the usable concepts [from, to) of the cell. */
    Part part(Data data, int from, int to) {
        if (!uses(data)) throw new IllegalArgumentException("features of " + data.key + " given for " + dataKey());
        long t0 = System.nanoTime();
        ProbeSplits splits = data.splits;
        ProbeData train = splits.train(), test = splits.test();
        int end = Math.min(to, train.conceptCount());
        ConceptTemplates first = null;
        List<Metrics[]> trials = List.of();
        int[] supports = cell.rule() == Rule.COSINE ? new int[0] : null;
        List<String> otherConceptNegatives = supports == null ? null : List.of();
        Evaluation.TestSet[] sets = Arrays.copyOfRange(data.sets, Math.min(from, end), end);
        if (from < end) {
            ProbeData block = train.conceptBlock(from, end);
            if (supports != null) {
                supports = CosineTrainer.supportSizes(block, cosine());
                otherConceptNegatives = CosineTrainer.negativesFromOtherConcepts(block, cosine());
            }
            List<ConceptTemplates> templates = train(block);
            first = templates.getFirst();
            trials = templates.stream()
                    .map(tp -> Evaluation.evaluate(tp, test, sets))
                    .toList();
        }
        return new Part(
                first,
                trials,
                Arrays.stream(sets).mapToInt(s -> s.positives().length).toArray(),
                Arrays.stream(sets).mapToInt(s -> s.negatives().length).toArray(),
                supports,
                otherConceptNegatives,
                data.categories == null ? null : List.copyOf(data.categories.subList(Math.min(from, end), end)),
                splits.warnings(),
                splits.skipped(),
                splits.otherCategoryNegatives(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** Joins the parts of the cell's blocks, in order, and writes the cell's templates and result. */
    public Outcome write(List<Part> parts) throws IOException {
        List<Part> probed = parts.stream().filter(p -> p.templates() != null).toList();
        ConceptTemplates templates =
                ConceptTemplates.concat(probed.stream().map(Part::templates).toList());
        List<Metrics[]> trials = new ArrayList<>();
        for (int t = 0; t < probed.getFirst().trials().size(); t++) {
            int trial = t;
            trials.add(probed.stream()
                    .flatMap(p -> Arrays.stream(p.trials().get(trial)))
                    .toArray(Metrics[]::new));
        }
        Part first = parts.getFirst();
        List<String> categories = first.categories() == null
                ? null
                : probed.stream().flatMap(p -> p.categories().stream()).toList();
        Path out = Path.of(output);
        templates.save(cell.templates(out));
        List<CellRow> rows = Cell.rows(
                templates.concepts(),
                categories,
                probed.stream().flatMapToInt(p -> Arrays.stream(p.positives())).toArray(),
                probed.stream().flatMapToInt(p -> Arrays.stream(p.negatives())).toArray(),
                cell.rule() == Rule.COSINE
                        ? probed.stream()
                                .flatMapToInt(p -> Arrays.stream(p.supports()))
                                .toArray()
                        : null,
                cell.k(),
                trials);
        List<String> otherConceptNegatives = cell.rule() == Rule.COSINE
                ? probed.stream()
                        .flatMap(p -> p.otherConceptNegatives().stream())
                        .toList()
                : List.of();
        Cell.Result result = new Cell.Result(
                settings,
                cell.key(),
                first.skipped(),
                first.otherCategoryNegatives(),
                otherConceptNegatives.isEmpty() ? null : otherConceptNegatives,
                rows);
        AtomicFiles.writeString(cell.file(out), JsonRecords.writePretty(result));
        String metric = cell.task() == vitprobe.engine.extract.Task.CLASSIFICATION ? "accuracy" : "f1";
        return new Outcome(
                first.warnings(),
                first.skipped(),
                result.fewerThanK(),
                result.otherConceptsNote(),
                metric,
                rows.getLast().mean().get(metric),
                parts.stream().mapToDouble(Part::seconds).sum());
    }

    private List<ConceptTemplates> train(ProbeData data) {
        if (cell.rule() == Rule.COSINE) return CosineTrainer.train(data, cosine());
        if (training.solver().equals("lbfgs"))
            return List.of(LogisticRegressionTrainer.train(
                    data, LogisticRegressionTrainer.Options.defaults().withSeed(training.seed())));
        return List.of(HyperplaneTrainer.train(
                data, HyperplaneTrainer.Options.defaults().withSeed(training.seed())));
    }

    private CosineTrainer.Options cosine() {
        return new CosineTrainer.Options(cell.k(), training.trials(), training.center(), training.seed());
    }

    /** A list of names the extraction recorded in its manifest ("concepts", "categories_names"; empty without). */
    private static List<String> manifestList(Path tokenFolder, String key) throws IOException {
        Path manifest = tokenFolder.getParent().resolve(FeatureStore.MANIFEST);
        Object names = Json.parseObject(Files.readString(manifest)).get(key);
        return names instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
    }
}
