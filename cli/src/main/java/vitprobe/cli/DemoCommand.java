package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vitprobe.io.AtomicFiles;
import vitprobe.io.JsonRecords;
import vitprobe.io.JsonRecords.OmitNull;
import vitprobe.probe.data.Synthetic;
import vitprobe.probe.experiment.ExperimentConfig;

/**
 * The README's first command: the study's whole grid (both rules, the six token types, both tasks, a small k
 * sweep) on generated data, with a seeded random-weight DINO ViT-S/8 unless --model is given, ending in the report.
 * Sized to finish within about three minutes on two CPU cores.
 */
@Command(
        name = "demo",
        description = {
            "Run the study's grid on small synthetic data sets and write the report.",
            "Generates a synthetic classification set and a Broden-format segmentation set and probes them with the "
                    + "hyperplane and cosine rules on token types q, k, v, x, y, y_norm with k = 1, 3, 5. The default "
                    + "model has seeded RANDOM weights; pass --model for a real checkpoint. Rerunning resumes."
        })
final class DemoCommand implements Callable<Integer> {
    static final String DEFAULT_MODEL = "random:vits8";

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            description =
                    "Model to probe, repeatable: a folder, a .safetensors file, hf:ORG/NAME or random:vits8 / random:vitb16 (default: "
                            + DEFAULT_MODEL + ").")
    List<String> models;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output folder: data, features, results and report (default: ${DEFAULT-VALUE}).")
    Path outDir = Path.of("vitprobe-demo");

    @Mixin
    DeviceOptions deviceOptions;

    @Mixin
    ModelOptions modelOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        List<String> chosen = models == null ? List.of(DEFAULT_MODEL) : models;
        boolean random = chosen.stream().anyMatch(m -> m.startsWith(ModelOptions.RANDOM));
        if (random)
            out.println(
                    "NOTE: the model has RANDOM weights (seeded), not a trained one: the report shows the pipeline working, not what a trained ViT represents.");
        Path data = outDir.resolve("data");
        // The generators write complete folders or nothing, so an existing folder is a finished one from an earlier
        // run.
        if (!Files.isDirectory(data.resolve("classification"))) {
            err.println("generating the synthetic classification set");
            Synthetic.writeImageFolder(data.resolve("classification"), 4, 10, 5, 160, 120, 0);
        }
        if (!Files.isDirectory(data.resolve("broden"))) {
            err.println("generating the synthetic Broden-format set");
            Synthetic.writeBroden(data.resolve("broden"), 48, 224, 0);
        }
        Map<String, String> named =
                distinctNames(chosen.stream().map(DemoCommand::reference).toList());
        if (named.entrySet().stream().anyMatch(e -> !e.getKey().equals(ExperimentConfig.defaultName(e.getValue()))))
            out.println("models: "
                    + String.join(
                            ", ",
                            named.entrySet().stream()
                                    .map(e -> e.getKey() + " = " + e.getValue())
                                    .toList()));
        Path config = outDir.resolve("experiment.json");
        AtomicFiles.writeString(config, JsonRecords.writePretty(config(named)));
        ExperimentCommand.run(ExperimentConfig.load(config), modelOptions, null, out, err, true);
        out.printf(
                Locale.ROOT,
                "demo finished in %.0f s; the grid is in %s (rerun with: ./vitprobe experiment %s)%n",
                (System.nanoTime() - start) / 1e9,
                config,
                shellQuoted(config.toString()));
        if (random)
            out.println(
                    "NOTE: RANDOM weights; for the study's numbers run e.g. ./vitprobe demo --model hf:facebook/dino-vits8");
        return 0;
    }

    /** The demo's experiment, as `vitprobe experiment` reads it (see {@link ExperimentConfig}). */
    private record DemoExperiment(
            Map<String, String> models,
            Tasks tasks,
            List<String> tokens,
            List<String> rules,
            List<Integer> k,
            int trials,
            String device,
            String precision,
            Qualitative qualitative,
            String output) {}

    private record Tasks(TaskData classification, TaskData segmentation) {}

    private record TaskData(String dataset, @OmitNull Integer patchesPerImage) {}

    private record Qualitative(int images, int candidates) {}

    /** A model as the config names it: random: and hf: as given, a path made absolute. */
    private static String reference(String model) {
        return model.startsWith(ModelOptions.RANDOM) || model.startsWith("hf:")
                ? model
                : Path.of(model).toAbsolutePath().normalize().toString();
    }

    /**
     * The models by name, each under a name of its own: the demo takes no names, so models whose default names
     * collide (a/model and b/model, hf:orgA/x and hf:orgB/x) get their parent folder or organisation as a prefix,
     * and names still shared (one model given twice) a "-2", "-3" suffix.
     */
    static Map<String, String> distinctNames(List<String> references) {
        List<String> defaults =
                references.stream().map(ExperimentConfig::defaultName).toList();
        Map<String, String> named = new LinkedHashMap<>();
        for (int i = 0; i < references.size(); i++) {
            String name = defaults.get(i), reference = references.get(i);
            int parent =
                    reference.replaceFirst("@.*$", "").replaceAll("/+$", "").lastIndexOf('/');
            if (defaults.indexOf(name) != defaults.lastIndexOf(name) && parent > 0)
                name = ExperimentConfig.defaultName(reference.substring(0, parent)) + "-" + name;
            String unique = name;
            for (int n = 2; named.containsKey(unique); n++) unique = name + "-" + n;
            named.put(unique, reference);
        }
        return named;
    }

    /** The text as one word of a POSIX shell: as it is when that is safe, else in single quotes. */
    static String shellQuoted(String text) {
        return text.matches("[A-Za-z0-9_./:@%+=,-]+") ? text : "'" + text.replace("'", "'\\''") + "'";
    }

    /** The demo's experiment, written beside its data so that `vitprobe experiment` can rerun or vary it. */
    private DemoExperiment config(Map<String, String> models) {
        return new DemoExperiment(
                models,
                new Tasks(new TaskData("data/classification", null), new TaskData("data/broden", 16)),
                List.of("q", "k", "v", "x", "y", "y_norm"),
                List.of("hyperplane", "cosine"),
                List.of(1, 3, 5),
                5,
                deviceOptions.device,
                deviceOptions.precision,
                new Qualitative(2, 6),
                ".");
    }
}
