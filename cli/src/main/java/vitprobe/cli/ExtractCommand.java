package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.ExtractOptions;
import vitprobe.engine.extract.Extractor;
import vitprobe.engine.extract.FeatureStore;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.PatchSelection;
import vitprobe.engine.extract.SampleSource;
import vitprobe.engine.extract.Task;
import vitprobe.kernels.Backend;
import vitprobe.probe.data.Datasets;
import vitprobe.probe.data.PatchLabeling;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.weights.DType;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

@Command(
        name = "extract",
        description = {
            "Extract token features of a data set into sharded probe files.",
            "The data set is an ImageFolder or a Broden folder; the output is OUT/<token type>/<split>/"
                    + "shard-NNNNN.safetensors, OUT/manifest.json and OUT/skipped.tsv. Rerun the same command after "
                    + "an interruption to resume from the last complete shard."
        })
final class ExtractCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = ModelOptions.HELP)
    String model;

    @Option(
            names = "--dataset",
            required = true,
            paramLabel = "DIR",
            description =
                    "ImageFolder (DIR/<class>/<image> or DIR/{train,val,test}/<class>/<image>) or Broden folder (with index.csv).")
    Path dataset;

    @Option(
            names = "--task",
            description =
                    "classification ([CLS] token, image labels) or segmentation (patch tokens, patch labels) (default: ${DEFAULT-VALUE}).")
    String task = "classification";

    @Option(
            names = "--tokens",
            paramLabel = "LIST",
            description = "Token types to store, comma-separated intermediates or " + TokensCommand.PAPER_HELP
                    + " (default: ${DEFAULT-VALUE}).")
    String tokens = "q,k,v,x,y,y_norm";

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Output folder: new, empty, or an earlier run of the same command (resumed).")
    Path out;

    @Option(
            names = "--block",
            description = "Block to capture, 0-based; negative counts from the end (default: ${DEFAULT-VALUE}).")
    int block = -1;

    @Option(
            names = "--dtype",
            description = "Stored feature type: f32 or f16 (half the disk) (default: ${DEFAULT-VALUE}).")
    String dtype = "f32";

    @Option(names = "--batch", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch = 16;

    @Option(
            names = "--shard-size",
            paramLabel = "IMAGES",
            description = "Images per shard (default: 1024, fewer when a shard's features would pass 512 MiB).")
    Integer shardSize;

    @Option(
            names = "--patches-per-image",
            paramLabel = "K|all",
            description =
                    "Segmentation: patch tokens kept per image, every concept of the image keeping one (default: ${DEFAULT-VALUE}).")
    String patchesPerImage = "16";

    @Option(
            names = "--patch-labels",
            description =
                    "Segmentation: majority (a patch takes every label covering at least half of it) or nearest (the label at its centre) (default: ${DEFAULT-VALUE}).")
    String patchLabels = "majority";

    @Option(
            names = "--exclude-categories",
            paramLabel = "LIST",
            description = "Broden categories left out, comma-separated, or 'none' (default: ${DEFAULT-VALUE}).")
    String excludeCategories = "color";

    @Option(
            names = "--decode-threads",
            description = "Threads decoding and preprocessing images (default: the number of cores).")
    int decodeThreads = Runtime.getRuntime().availableProcessors();

    @Option(
            names = "--seed",
            description = "Seed for random:* models and the choice of patches (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--spark", paramLabel = "MASTER", description = Clusters.HELP)
    String spark;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    DeviceOptions deviceOptions;

    @Mixin
    ImageSizeOptions imageSizeOptions;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        imageSizeOptions.resolution();
        if (spark != null) Clusters.check(spark, "--spark", spec.commandLine());
        try (Cluster cluster = spark == null ? null : Clusters.find(spark, "--spark", err)) {
            return extract(cluster, err);
        }
    }

    private int extract(Cluster cluster, PrintWriter err) throws IOException {
        Task which = task();
        Set<Intermediate> types = tokenTypes();
        DType stored = storedDType();
        int perImage = patchesPerImage.equals("all") ? 0 : positive("--patches-per-image", patchesPerImage);
        PatchLabeling labeling = patchLabeling();
        Set<String> excluded = excludedCategories();
        if (batch < 1) throw badFlag("--batch must be at least 1, got " + batch);
        if (shardSize != null && shardSize < 1) throw badFlag("--shard-size must be at least 1, got " + shardSize);
        if (decodeThreads < 1) throw badFlag("--decode-threads must be at least 1, got " + decodeThreads);
        SampleSource source = Datasets.open(dataset, excluded, labeling);
        try (ViTWeights w = modelOptions.load(model, seed)) {
            ViTConfig c = w.config();
            int index = block < 0 ? c.depth() + block : block;
            if (index < 0 || index >= c.depth())
                throw badFlag("--block " + block + " is outside the model's " + c.depth() + " blocks (0.."
                        + (c.depth() - 1) + ", or -1..-" + c.depth() + " from the end)");
            InputResolution size = imageSizeOptions.resolution(c);
            int patches = size.patches(c);
            int kept = which == Task.CLASSIFICATION ? 1 : perImage == 0 ? patches : Math.min(perImage, patches);
            int shard = shardSize != null ? shardSize : ExtractOptions.defaultShardImages(kept, types, c);
            ExtractOptions options = new ExtractOptions(
                    which,
                    index,
                    types,
                    stored,
                    shard,
                    which == Task.SEGMENTATION ? new PatchSelection(perImage, seed) : PatchSelection.ALL,
                    size);
            try (Backend backend = deviceOptions.open(err);
                    VisionTransformer vit = new VisionTransformer(w, backend, size.posResample(c))) {
                err.printf(
                        "extracting %s from %s (%s) into %s%n",
                        String.join(",", Intermediate.keys(types)), source.description(), which.key(), out);
                ModelId id = ModelId.of(model, seed, w);
                Extractor.ShardWriter writer = cluster == null ? null : sparkWriter(cluster, options, backend);
                // Spark starts before the output folder is touched: if it cannot, nothing is left there.
                if (cluster != null) cluster.start();
                Extractor.Result r =
                        new Extractor(vit, id, options, batch, decodeThreads, err).run(source, out, writer);
                err.printf(
                        Locale.ROOT,
                        "%d images in %d shards (%d resumed), %d skipped%s; %.2f images/s%n",
                        r.images(),
                        r.shards(),
                        r.resumed(),
                        r.skipped(),
                        r.skipped() > 0 ? " (listed in " + out.resolve(FeatureStore.REPORT) + ")" : "",
                        r.imagesPerSecond());
                // On Spark the stages ran on the executors; their times are in Spark's own metrics.
                if (writer == null) err.println("stages: " + r.times().summary());
                String type = Intermediate.keys(types).getFirst();
                spec.commandLine()
                        .getOut()
                        .printf(
                                "wrote %s; probe files per token type and split, e.g. %s%n",
                                out, out.resolve(type).resolve(source.splits().getFirst()));
            }
        }
        return 0;
    }

    /** The shards written by Spark tasks, each of which opens the model and the data set as this command did. */
    private Extractor.ShardWriter sparkWriter(Cluster cluster, ExtractOptions options, Backend backend) {
        Path weights = modelOptions.localPath(model);
        ExtractionSpec spec = ExtractionSpec.of(
                model,
                weights,
                seed,
                modelOptions.heads,
                modelOptions.eps,
                dataset,
                excludedCategories(),
                patchLabeling(),
                options,
                batch,
                decodeThreads,
                deviceOptions.device,
                deviceOptions.precision,
                backend.numerics());
        return cluster.extraction(spec);
    }

    private ParameterException badFlag(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private Task task() {
        try {
            return Task.byKey(task);
        } catch (IllegalArgumentException e) {
            throw badFlag("--task: " + e.getMessage());
        }
    }

    private DType storedDType() {
        DType d;
        try {
            d = DType.byKey(dtype);
        } catch (IllegalArgumentException e) {
            d = null;
        }
        if (d != DType.F32 && d != DType.F16) throw badFlag("--dtype must be f32 or f16, got '" + dtype + "'");
        return d;
    }

    private Set<Intermediate> tokenTypes() {
        try {
            Set<Intermediate> types = Intermediate.parseList(tokens);
            ExtractOptions.requirePerToken(types);
            return types;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--tokens: " + e.getMessage());
        }
    }

    private PatchLabeling patchLabeling() {
        return switch (patchLabels.toLowerCase(Locale.ROOT)) {
            case "majority" -> PatchLabeling.MAJORITY;
            case "nearest" -> PatchLabeling.NEAREST;
            default -> throw badFlag("unknown --patch-labels '" + patchLabels + "' (known: majority, nearest)");
        };
    }

    private Set<String> excludedCategories() {
        return excludeCategories.equals("none")
                ? Set.of()
                : Arrays.stream(excludeCategories.split(","))
                        .map(String::trim)
                        .filter(s -> !s.isEmpty())
                        .collect(Collectors.toSet());
    }

    private int positive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw badFlag(flag + " must be a positive number or 'all', got '" + value + "'");
    }
}
