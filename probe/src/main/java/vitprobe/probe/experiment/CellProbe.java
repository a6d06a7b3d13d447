package vitprobe.probe.experiment;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * wherever those paths are readable: in the experiment's JVM or as a cluster's task, with the same bytes.
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
     * What a probed cell reports back: the notes of loading its features, the concepts left out, its headline metric
     * ("accuracy" or "f1") and the seconds it took.
     */
    public record Outcome(List<String> warnings, List<String> skipped, String metric, double value, double seconds)
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
        List<String> names = categoryNames(folder);
        List<String> categories = test.hasCategories()
                ? IntStream.range(0, test.conceptCount())
                        .mapToObj(c -> names.get(test.category(c).intValue()))
                        .toList()
                : null;
        return new Data(dataKey(), splits, categories, Evaluation.balanced(test, training.seed()));
    }

    /** Computes the cell on {@code data} (from {@link #load()}) and writes its files. */
    public Outcome run(Data data) throws IOException {
        if (!uses(data)) throw new IllegalArgumentException("features of " + data.key + " given for " + dataKey());
        long t0 = System.nanoTime();
        ProbeData train = data.splits.train(), test = data.splits.test();
        int[] positives =
                Arrays.stream(data.sets).mapToInt(s -> s.positives().length).toArray();
        int[] negatives =
                Arrays.stream(data.sets).mapToInt(s -> s.negatives().length).toArray();
        List<ConceptTemplates> templates = train(train);
        List<Metrics[]> trials = templates.stream()
                .map(tp -> Evaluation.evaluate(tp, test, data.sets))
                .toList();
        Path out = Path.of(output);
        templates.getFirst().save(cell.templates(out));
        List<CellRow> rows = Cell.rows(test.concepts(), data.categories, positives, negatives, trials);
        Cell.Result result = new Cell.Result(
                settings, cell.key(), data.splits.skipped(), data.splits.otherCategoryNegatives(), rows);
        AtomicFiles.writeString(cell.file(out), JsonRecords.writePretty(result));
        String metric = cell.task() == vitprobe.engine.extract.Task.CLASSIFICATION ? "accuracy" : "f1";
        return new Outcome(
                data.splits.warnings(),
                data.splits.skipped(),
                metric,
                rows.getLast().mean().get(metric),
                (System.nanoTime() - t0) / 1e9);
    }

    private List<ConceptTemplates> train(ProbeData data) {
        if (cell.rule() == Rule.COSINE)
            return CosineTrainer.train(
                    data, new CosineTrainer.Options(cell.k(), training.trials(), training.center(), training.seed()));
        if (training.solver().equals("lbfgs"))
            return List.of(LogisticRegressionTrainer.train(
                    data, LogisticRegressionTrainer.Options.defaults().withSeed(training.seed())));
        return List.of(HyperplaneTrainer.train(
                data, HyperplaneTrainer.Options.defaults().withSeed(training.seed())));
    }

    /** The category names an extraction recorded in its manifest (empty without categories). */
    private static List<String> categoryNames(Path tokenFolder) throws IOException {
        Path manifest = tokenFolder.getParent().resolve(FeatureStore.MANIFEST);
        Object names = Json.parseObject(Files.readString(manifest)).get("categories_names");
        return names instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
    }
}
