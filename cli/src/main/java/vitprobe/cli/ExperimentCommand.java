package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.experiment.ExperimentConfig;
import vitprobe.probe.experiment.ExperimentRunner;
import vitprobe.report.Report;
import vitprobe.weights.ViTWeights;

@Command(
        name = "experiment",
        sortOptions = false,
        description = {
            "Run the study's grid from a JSON or YAML config and write its results and report.",
            "The grid is models × token types × rules × tasks × k values; it writes OUT/results.json, "
                    + "OUT/results.csv, OUT/figures/, OUT/report.html and OUT/summary.md. Features are extracted once "
                    + "per model and task and reused; rerun the same command to resume.",
            "Config keys, with their defaults (models and tasks are required; relative paths are taken from the "
                    + "config's folder):",
            "  models: {NAME: MODEL, ...} or [MODEL, ...], MODEL as --model takes it",
            "  tasks: {classification: {dataset: DIR}, segmentation: {dataset: DIR, patches_per_image: 16}}; each "
                    + "may set train and test (split names; default train, and test or else val); patches_per_image "
                    + "may be all, as for extract",
            "  tokens: [q, k, v, x, y, y_norm]   rules: [hyperplane, cosine]   k: [10]   trials: 10",
            "  block: -1   seed: 0   batch: 16   dtype: f16 (stored features, f16 or f32)   precision: fp32 (or tf32, "
                    + "bf16)",
            "  device: auto   solver: mined (or lbfgs)   center: false   qualitative: {images: 3, candidates: 24}",
            "  image_size: the checkpoint's own (H or [H, W])   keep_aspect: false   pos_resample: the checkpoint's "
                    + "library",
            "  output: the config's name without its extension, beside it",
            "  spark: none; {master: local[*], concepts_per_task: 128} extracts and probes on Apache Spark as "
                    + "--spark does",
            "--image-size (with --keep-aspect) replaces the config's image_size and keep_aspect, --pos-resample its "
                    + "pos_resample, --spark its spark master."
        })
final class ExperimentCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CONFIG", description = "The experiment (.json, .yaml or .yml).")
    Path config;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output folder (default: the config's 'output', else the config's name beside it).")
    Path out;

    @Option(names = "--no-report", description = "Stop after results.json and results.csv.")
    boolean noReport;

    @Option(names = "--spark", paramLabel = "MASTER", description = Clusters.HELP)
    String spark;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ImageSizeOptions imageSizeOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        imageSizeOptions.resolution();
        if (spark != null) Clusters.check(spark, "--spark", spec.commandLine());
        ExperimentConfig c = ExperimentConfig.load(config);
        if (out != null) {
            String problem = c.outputProblem(out);
            if (problem != null) throw new ParameterException(spec.commandLine(), "--out: " + problem);
            c = c.withOutput(out);
        }
        c = c.withInput(imageSizeOptions.over(c.input()));
        if (imageSizeOptions.imageSize != null) {
            // A flag that does not fit a model is a usage error; the config's image_size is checked by the runner.
            checkModels(c);
            for (ExperimentConfig.ModelSpec m : c.models()) {
                try (ViTWeights w = modelOptions.load(m.reference(), c.seed())) {
                    imageSizeOptions.resolution(w.config());
                }
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        // The flag names the master over the config's spark block.
        String master =
                spark != null ? spark : c.spark() == null ? null : c.spark().master();
        String asker = spark != null ? "--spark" : c.file() + ": spark";
        if (spark == null && master != null) Clusters.check(master, asker, spec.commandLine());
        try (Cluster cluster = master == null ? null : Clusters.find(master, asker, err)) {
            run(c, modelOptions, cluster, spec.commandLine().getOut(), err, !noReport);
        }
        return 0;
    }

    /** Fails naming the config's model whose reference cannot name a model, before anything is loaded. */
    private static void checkModels(ExperimentConfig c) {
        for (ExperimentConfig.ModelSpec m : c.models()) {
            try {
                ModelOptions.check(m.reference());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(c.file() + ": models." + m.name() + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Checks the models, runs the grid (extracted and probed on the cluster when there is one) and writes the report;
     * then, and only then, prints where everything is and that the experiment is done.
     */
    static void run(
            ExperimentConfig c, ModelOptions models, Cluster cluster, PrintWriter out, PrintWriter err, boolean report)
            throws IOException {
        long start = System.nanoTime();
        checkModels(c);
        // Spark starts before the output folder is touched: if it cannot, nothing is left there.
        if (cluster != null) cluster.start();
        ExperimentRunner.Summary run = new ExperimentRunner(c, models::load, err, cluster).run();
        Report.Written written = report ? Report.write(c.output()) : null;
        Path results = run.results();
        out.printf(
                "cells:   %d computed, %d reused from an earlier run%s%n",
                run.computed(), run.reused(), run.panelsReused() ? "; qualitative panels reused" : "");
        out.printf("results: %s and %s%n", results, results.resolveSibling("results.csv"));
        if (written != null) {
            out.printf(
                    "figures: %d files in %s%n",
                    written.figures().size(), c.output().resolve("figures"));
            out.printf("summary: %s%n", written.summary());
            out.printf("report:  %s%n", written.html());
        }
        err.printf(Locale.ROOT, "experiment done in %.1f s: %s%n", (System.nanoTime() - start) / 1e9, c.output());
    }
}
