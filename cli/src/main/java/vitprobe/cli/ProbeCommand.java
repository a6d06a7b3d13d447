package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vitprobe.engine.extract.Progress;
import vitprobe.io.AtomicFiles;
import vitprobe.io.JsonRecords;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.CosineTrainer;
import vitprobe.probe.Evaluation;
import vitprobe.probe.HyperplaneTrainer;
import vitprobe.probe.LogisticRegressionTrainer;
import vitprobe.probe.Metrics;
import vitprobe.probe.ProbeData;
import vitprobe.probe.ProbeReport;
import vitprobe.probe.Rule;
import vitprobe.probe.data.ProbeSplits;

@Command(
        name = "probe",
        sortOptions = false,
        description = {
            "Train one concept template per concept on token features and evaluate it on balanced test sets.",
            "Feature files hold 'features' [N,D] F32/F16 and 'labels' [N,C] U8 of 0/1 (or, sparse, 'label_offsets' "
                    + "[N+1] I64 and 'label_concepts' [L] I32: each sample's concepts, ascending), optionally "
                    + "'groups' [N] I64 (the image of each sample) and 'categories' [C] I64, concept names as a JSON "
                    + "list in metadata 'concepts'.",
            "hyperplane: logistic regression, by the study's hard-negative protocol (--solver mined) or fitted to "
                    + "convergence (--solver lbfgs, scikit-learn's LogisticRegression(C) objective).",
            "cosine: mean of k-shot support positives, F1-optimal threshold, over --trials draws (mean and std)."
        })
final class ProbeCommand implements Callable<Integer> {
    @Option(names = "--rule", required = true, converter = RuleConverter.class, description = "hyperplane or cosine.")
    Rule rule;

    @Option(
            names = "--train",
            required = true,
            paramLabel = "TRAIN",
            description = "Training features and labels: a probe file, or a shard folder written by extract.")
    Path train;

    @Option(
            names = "--test",
            required = true,
            paramLabel = "TEST",
            description = "Test features and labels: a probe file, or a shard folder.")
    Path test;

    @Option(names = "--out", required = true, paramLabel = "RESULT.json", description = "Where to write the metrics.")
    Path out;

    @Option(
            names = "--save-templates",
            paramLabel = "T.safetensors",
            description = "Also save the templates (cosine: those of the first trial).")
    Path saveTemplates;

    @Option(names = "--seed", description = "Seed of every random draw (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(
            names = "--k",
            description = "cosine: support images per concept (default: ${DEFAULT-VALUE}); a concept with fewer"
                    + " training images uses them all, warned of and recorded as its 'k' in the result.")
    int shots = 10;

    @Option(names = "--trials", description = "cosine: independent support draws (default: ${DEFAULT-VALUE}).")
    int trials = 10;

    @Option(names = "--center", description = "cosine: subtract the mean training feature before the cosine.")
    boolean center;

    @Option(
            names = "--solver",
            description = "hyperplane: mined (the study's protocol) or lbfgs (converged) (default: ${DEFAULT-VALUE}).")
    String solver = "mined";

    @Option(
            names = "--pool-ratio",
            paramLabel = "RHO",
            description = "hyperplane: negatives kept per positive, 0 for all (default: 20 for mined, 0 for lbfgs).")
    Double poolRatio;

    @Option(
            names = "--mined-ratio",
            description = "mined: negatives per positive in each round (default: ${DEFAULT-VALUE}).")
    int minedRatio = HyperplaneTrainer.Options.defaults().minedRatio();

    @Option(names = "--rounds", description = "mined: rounds of hard-negative mining (default: ${DEFAULT-VALUE}).")
    int rounds = HyperplaneTrainer.Options.defaults().rounds();

    @Option(names = "--epochs", description = "mined: epochs per round (default: ${DEFAULT-VALUE}).")
    int epochs = HyperplaneTrainer.Options.defaults().epochs();

    @Option(
            names = "--lr",
            description =
                    "mined: Adam learning rate of the first round, halved every round (default: ${DEFAULT-VALUE}).")
    double learningRate = HyperplaneTrainer.Options.defaults().learningRate();

    @Option(
            names = "--l2",
            description = "mined: L2 weight decay on standardised features (default: ${DEFAULT-VALUE}).")
    double l2 = HyperplaneTrainer.Options.defaults().l2();

    @Option(names = "--batch", description = "mined: batch size (default: ${DEFAULT-VALUE}).")
    int batchSize = HyperplaneTrainer.Options.defaults().batchSize();

    @Option(
            names = "--C",
            paramLabel = "C",
            description = "lbfgs: inverse L2 strength, as scikit-learn's C (default: ${DEFAULT-VALUE}).")
    double inverseRegularization = LogisticRegressionTrainer.Options.defaults().inverseRegularization();

    @Spec
    CommandSpec spec;

    static final class RuleConverter implements CommandLine.ITypeConverter<Rule> {
        @Override
        public Rule convert(String value) {
            try {
                return Rule.byKey(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** Trains the templates of each trial (one for the hyperplane rule), telling progress of every one finished. */
    @FunctionalInterface
    private interface Training {
        List<ConceptTemplates> train(ProbeData data, IntConsumer progress);
    }

    @Override
    public Integer call() throws IOException {
        Trainer trainer = trainer();
        checkOutputs();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        ProbeSplits splits = ProbeSplits.load(train, test);
        ProbeData trainData = splits.train(), testData = splits.test();
        long loaded = System.nanoTime();
        err.printf(
                Locale.ROOT,
                "probe: loaded %s (%d samples) and %s (%d samples), %d dimensions, in %.1f s%n",
                train,
                trainData.size(),
                test,
                testData.size(),
                trainData.dim(),
                (loaded - start) / 1e9);
        splits.warnings().forEach(w -> err.println("probe: " + w));
        int[] supportSizes = null;
        List<String> otherConceptNegatives = null;
        if (trainer.cosine() != null) {
            supportSizes = CosineTrainer.supportSizes(trainData, trainer.cosine());
            String fewer = CosineTrainer.fewerThanK(trainData, trainer.cosine());
            if (fewer != null) err.println("probe: " + fewer);
            otherConceptNegatives = CosineTrainer.negativesFromOtherConcepts(trainData, trainer.cosine());
            String note = CosineTrainer.negativesFromOtherConceptsNote(otherConceptNegatives, shots);
            if (note != null) err.println("probe: warning: " + note);
        }
        long total = rule == Rule.COSINE ? (long) trials * trainData.conceptCount() : trainData.conceptCount();
        Progress progress = new Progress(err, total, 0, "templates");
        List<ConceptTemplates> templates;
        try {
            templates = trainer.train().train(trainData, progress::advance);
        } finally {
            progress.finish();
        }
        long trained = System.nanoTime();
        Evaluation.TestSet[] sets = Evaluation.balanced(testData, seed);
        List<Metrics[]> metrics = templates.stream()
                .map(t -> Evaluation.evaluate(t, testData, sets))
                .toList();
        var seconds = new ProbeReport.Seconds(
                seconds(start, loaded), seconds(loaded, trained), seconds(trained, System.nanoTime()));
        ProbeReport.Result report = ProbeReport.build(
                rule,
                trainer.settings(),
                trainData.tokens().key(),
                train.toString(),
                test.toString(),
                splits.skipped(),
                splits.otherCategoryNegatives(),
                otherConceptNegatives,
                seconds,
                testData,
                sets,
                supportSizes,
                metrics);
        // The templates first: a run that fails leaves neither, and a result never names templates that are missing.
        if (saveTemplates != null) templates.getFirst().save(saveTemplates);
        try {
            AtomicFiles.writeString(out, JsonRecords.writePretty(report));
        } catch (IOException | RuntimeException e) {
            if (saveTemplates != null) Files.deleteIfExists(saveTemplates);
            throw e;
        }
        // Accuracy equals balanced accuracy only where a concept has as many test negatives as positives.
        long unbalanced = Arrays.stream(sets)
                .filter(s -> s.negatives().length < s.positives().length)
                .count();
        spec.commandLine()
                .getOut()
                .printf(
                        "%s: %d concepts, mean accuracy %.4f (%s), mean F1 %.4f; wrote %s%n",
                        rule.key(),
                        trainData.conceptCount(),
                        report.mean().accuracy(),
                        unbalanced == 0
                                ? "balanced test sets"
                                : unbalanced + " of " + sets.length + " test sets have fewer negatives than positives",
                        report.mean().f1(),
                        out);
        return 0;
    }

    /**
     * Refuses, before anything is read, an output that could not be written or would overwrite an input: so that a
     * long training never ends in an error with nothing (or half of the outputs) written.
     */
    private void checkOutputs() throws IOException {
        if (saveTemplates != null && samePath(out, saveTemplates))
            throw badFlag("--out and --save-templates name the same file " + out);
        checkOutput("--out", out);
        if (saveTemplates != null) checkOutput("--save-templates", saveTemplates);
    }

    private void checkOutput(String flag, Path file) throws IOException {
        String why = null;
        if (file.getFileName() == null) {
            why = "names no file";
        } else if (Files.isSymbolicLink(file)) {
            why = "is a symbolic link; name the file itself";
        } else if (Files.isDirectory(file)) {
            why = "is a directory";
        } else if (Files.exists(file) && !Files.isRegularFile(file)) {
            why = "is not a regular file (a device, pipe or socket)";
        } else {
            for (Path input : List.of(train, test)) {
                if (samePath(file, input)) why = "would overwrite the input " + input;
                else if (Files.isDirectory(input) && inside(file, input)) why = "lies inside the input folder " + input;
                if (why != null) break;
            }
        }
        Path existing = file.toAbsolutePath().getParent();
        while (existing != null && !Files.exists(existing)) existing = existing.getParent();
        if (why == null && existing != null && !Files.isDirectory(existing)) why = existing + " is not a directory";
        if (why != null) throw badFlag(flag + " " + file + ": " + why);
        // A folder that cannot take files (read-only, not ours) is a problem of the machine, not of the flag.
        if (existing != null && !Files.isWritable(existing)) {
            String reason = Files.getFileStore(existing).isReadOnly() ? "read-only file system" : "permission denied";
            throw new IOException(flag + " " + file + ": cannot write into " + existing + ": " + reason);
        }
    }

    private static boolean samePath(Path a, Path b) {
        if (a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize())) return true;
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // one of them does not exist (the output, usually)
        }
    }

    /** Whether file lies in folder or below it, also through another spelling or a link of the folder. */
    private static boolean inside(Path file, Path folder) {
        try {
            Path real = folder.toRealPath();
            Path existing = file.toAbsolutePath().normalize();
            Path rest = Path.of("");
            while (existing != null && !Files.exists(existing)) {
                rest = existing.getFileName().resolve(rest);
                existing = existing.getParent();
            }
            return existing != null && existing.toRealPath().resolve(rest).startsWith(real);
        } catch (IOException e) {
            return false;
        }
    }

    private CommandLine.ParameterException badFlag(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    /**
     * The training the flags ask for: its options as the result records them, what trains each trial, and for the
     * cosine rule its options (null otherwise).
     */
    private record Trainer(ProbeReport.Training settings, Training train, CosineTrainer.Options cosine) {}

    /** Flags of one rule or solver: given with another they would be dropped silently, so they are refused. */
    private static final List<String> COSINE_FLAGS = List.of("--k", "--trials", "--center"),
            HYPERPLANE_FLAGS = List.of("--solver", "--pool-ratio"),
            LBFGS_FLAGS = List.of("--C"),
            MINED_FLAGS = List.of("--mined-ratio", "--rounds", "--epochs", "--lr", "--l2", "--batch");

    /**
     * The training to run, from the flags, validated before any file is read; it gives the templates of each trial
     * (one for the hyperplane rule).
     */
    private Trainer trainer() {
        try {
            return trainerOrThrow();
        } catch (IllegalArgumentException e) { // what the trainers' options refuse that is not checked here
            throw badFlag(e.getMessage());
        }
    }

    private Trainer trainerOrThrow() {
        if (rule == Rule.COSINE) {
            refuseFlags(HYPERPLANE_FLAGS, "--rule hyperplane");
            refuseFlags(LBFGS_FLAGS, "--rule hyperplane --solver lbfgs");
            refuseFlags(MINED_FLAGS, "--rule hyperplane --solver mined");
            var options = new CosineTrainer.Options(positive("--k", shots), positive("--trials", trials), center, seed);
            return new Trainer(
                    ProbeReport.Training.cosine(options),
                    (data, progress) -> CosineTrainer.train(data, options, progress),
                    options);
        }
        refuseFlags(COSINE_FLAGS, "--rule cosine");
        if (poolRatio != null && !(poolRatio >= 0 && poolRatio < Double.POSITIVE_INFINITY))
            throw badFlag("--pool-ratio must be a finite number >= 0, not " + poolRatio);
        if (solver.equals("lbfgs")) {
            refuseFlags(MINED_FLAGS, "--solver mined");
            if (!(inverseRegularization > 0 && inverseRegularization < Double.POSITIVE_INFINITY))
                throw badFlag("--C must be a positive finite number, not " + inverseRegularization);
            var options = LogisticRegressionTrainer.Options.defaults()
                    .withInverseRegularization(inverseRegularization)
                    .withPoolRatio(poolRatio == null ? 0 : poolRatio)
                    .withSeed(seed);
            return new Trainer(
                    ProbeReport.Training.lbfgs(options),
                    (data, progress) -> List.of(LogisticRegressionTrainer.train(data, options, progress)),
                    null);
        }
        if (!solver.equals("mined")) throw badFlag("--solver must be mined or lbfgs, not '" + solver + "'");
        refuseFlags(LBFGS_FLAGS, "--solver lbfgs");
        if (!(learningRate > 0 && learningRate < Double.POSITIVE_INFINITY))
            throw badFlag("--lr must be a positive finite number, not " + learningRate);
        if (!(l2 >= 0 && l2 < Double.POSITIVE_INFINITY)) throw badFlag("--l2 must be a finite number >= 0, not " + l2);
        var options = new HyperplaneTrainer.Options(
                poolRatio == null ? HyperplaneTrainer.Options.defaults().poolRatio() : poolRatio,
                positive("--mined-ratio", minedRatio),
                positive("--rounds", rounds),
                positive("--epochs", epochs),
                learningRate,
                l2,
                positive("--batch", batchSize),
                seed);
        return new Trainer(
                ProbeReport.Training.mined(options),
                (data, progress) -> List.of(HyperplaneTrainer.train(data, options, progress)),
                null);
    }

    private int positive(String flag, int value) {
        if (value < 1) throw badFlag(flag + " must be a positive integer, not " + value);
        return value;
    }

    /** Refuses any of the flags given on the command line: they apply only with {@code with}. */
    private void refuseFlags(List<String> flags, String with) {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String flag : flags) {
            if (parsed.hasMatchedOption(flag)) throw badFlag(flag + " applies only with " + with);
        }
    }

    private static double seconds(long from, long to) {
        return Math.round((to - from) / 1e6) / 1e3;
    }
}
