package vitprobe.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vitprobe.engine.extract.ModelId;
import vitprobe.hub.HubClient;
import vitprobe.hub.HubReference;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.ViTWeights;

/** The MODEL argument and the overrides every model-loading command shares. */
final class ModelOptions {
    static final String RANDOM = ModelId.RANDOM;
    /** The help text of every MODEL argument. */
    static final String HELP = "Folder with model.safetensors (+ config.json), a .safetensors file, hf:ORG/NAME[@REV] "
            + "(Hugging Face cache, downloaded if missing), or random:vits8 / random:vitb16.";

    @Option(
            names = "--heads",
            converter = PositiveInteger.class,
            description = "Override the number of attention heads (default: config.json, else D/64).")
    Integer heads;

    @Option(
            names = "--eps",
            converter = PositiveFinite.class,
            description = "Override the LayerNorm epsilon (default: config.json, else 1e-6 timm / 1e-12 transformers).")
    Double eps;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * Loads MODEL: a folder with model.safetensors (+ optional config.json), a .safetensors file,
     * {@code hf:ORG/NAME[@REV]} from the hub cache (downloaded first when missing), or
     * {@code random:vits8} / {@code random:vitb16} for seeded random weights of DINO ViT-S/8 or MAE ViT-B/16.
     */
    ViTWeights load(String model, long seed) {
        if (model.startsWith(RANDOM) && (heads != null || eps != null)) {
            // They would be dropped without a word: a random model's architecture is the one its name gives.
            throw new CommandLine.ParameterException(
                    command.commandLine(), "--heads and --eps override a checkpoint's config; " + model + " has none");
        }
        return ModelId.load(model, localPath(model), seed, overrides());
    }

    CheckpointLoader.Overrides overrides() {
        return new CheckpointLoader.Overrides(heads, eps);
    }

    /** The checkpoint MODEL names on this machine (a hub reference downloaded first); null for random:NAME. */
    Path localPath(String model) {
        if (model.startsWith(RANDOM)) return null;
        if (!model.startsWith(HubReference.PREFIX)) return Path.of(model);
        try (PullCommand.ProgressBar bar =
                new PullCommand.ProgressBar(command.commandLine().getErr())) {
            return HubClient.fromEnvironment().resolve(HubReference.parse(model), bar);
        }
    }

    /** Fails with the reason when MODEL cannot name a model, without loading or downloading anything. */
    static void check(String model) {
        if (model.startsWith(RANDOM)) ModelId.randomConfig(model);
        else if (model.startsWith(HubReference.PREFIX)) HubReference.parse(model);
        else if (!Files.exists(Path.of(model))) throw new IllegalArgumentException(model + ": no such file or folder");
    }

    /** A head count of zero or less is a bad flag, before any checkpoint is read. */
    static final class PositiveInteger implements CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            try {
                int n = Integer.parseInt(value);
                if (n > 0) return n;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive integer");
        }
    }

    /** NaN, zero or a negative epsilon would make LayerNorm's output NaN; refused as a bad flag. */
    static final class PositiveFinite implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            try {
                double d = Double.parseDouble(value);
                if (d > 0 && !Double.isInfinite(d)) return d;
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new CommandLine.TypeConversionException("'" + value + "' is not a positive finite number");
        }
    }
}
