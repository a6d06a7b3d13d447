package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vitprobe.engine.Activations;
import vitprobe.engine.Capture;
import vitprobe.engine.FloatTensor;
import vitprobe.engine.ImageInputs;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Progress;
import vitprobe.kernels.Backend;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.SafetensorsWriter;
import vitprobe.weights.Tensor;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

@Command(
        name = "tokens",
        description = "Run images through a ViT and write the chosen block intermediates as float32 [B, N, D] tensors.")
final class TokensCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = ModelOptions.HELP)
    String model;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "OUT.safetensors",
            description = "Output file (written atomically).")
    Path out;

    @Option(
            names = "--block",
            paramLabel = "N[,N...]",
            split = ",",
            description = "Block(s) to capture, 0-based; negative counts from the end (default: -1, the last).")
    List<Integer> blocks = List.of(-1);

    @Option(
            names = "--intermediates",
            paramLabel = "LIST",
            description = "Comma-separated names (${COMPLETION-CANDIDATES}), 'all', or " + PAPER_HELP
                    + " (default: q,k,v,x,y,y_norm).",
            completionCandidates = IntermediateNames.class)
    String intermediates = "q,k,v,x,y,y_norm";

    @Option(
            names = "--input-tensor",
            paramLabel = "T.safetensors",
            description = "Read normalized pixels from tensor 'input' [B, 3, H, W] instead of images.")
    Path inputTensor;

    @Option(names = "--batch", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--seed", description = "Seed for random:* models (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "PNG or JPEG images (decoded by content).")
    List<Path> images = new ArrayList<>();

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    DeviceOptions deviceOptions;

    @Mixin
    ImageSizeOptions imageSizeOptions;

    @Spec
    CommandSpec spec;

    static final class IntermediateNames extends ArrayList<String> {
        IntermediateNames() {
            super(Intermediate.keys(java.util.EnumSet.allOf(Intermediate.class)));
        }
    }

    /** The intermediates with one vector per token: all but attn. */
    static final class PerTokenNames extends ArrayList<String> {
        PerTokenNames() {
            super(new IntermediateNames()
                    .stream().filter(n -> Intermediate.byKey(n).perToken()).toList());
        }
    }

    /** What 'paper' stands for in --intermediates and --tokens. */
    static final String PAPER_HELP = "'paper' (q, k, v, x, y, y_norm: the study's six token types)";

    @Override
    public Integer call() throws IOException {
        if (images.isEmpty() == (inputTensor == null))
            throw badFlag("give either IMAGE files or --input-tensor, not both or neither");
        if (batch < 1) throw badFlag("--batch must be at least 1, got " + batch);
        imageSizeOptions.resolution();
        if (inputTensor != null && imageSizeOptions.keepAspect)
            throw badFlag("--keep-aspect resizes images; --input-tensor is already a model input");
        Set<Intermediate> which;
        try {
            which = Intermediate.parseList(intermediates);
        } catch (IllegalArgumentException e) {
            throw badFlag("--intermediates: " + e.getMessage());
        }
        PrintWriter err = spec.commandLine().getErr();
        try (ViTWeights w = modelOptions.load(model, seed)) {
            refuseOverwritingAnInput(w);
            ViTConfig c = w.config();
            InputResolution size = imageSizeOptions.resolution(c);
            Map<Integer, Set<Intermediate>> capture = new TreeMap<>();
            for (int b : blocks) {
                int index = b < 0 ? c.depth() + b : b;
                if (index < 0 || index >= c.depth())
                    throw badFlag("--block " + b + " is outside the model's " + c.depth() + " blocks");
                capture.put(index, which);
            }
            FloatTensor input = inputTensor != null
                    ? readInput(inputTensor, c, size)
                    : ImageInputs.load(images, size.evaluation(c));
            try (Backend backend = deviceOptions.open(err);
                    VisionTransformer vit = new VisionTransformer(w, backend, size.posResample(c))) {
                Map<String, FloatTensor> result = run(vit, input, new Capture(capture), err);
                SafetensorsWriter writer = new SafetensorsWriter();
                writer.addF32("input", input.longShape(), input.data());
                result.forEach((name, t) -> writer.addF32(name, t.longShape(), t.data()));
                writer.metadata("model", w.source())
                        .metadata("config", c.summary())
                        .metadata("blocks", capture.keySet().toString())
                        .metadata("intermediates", String.join(",", Intermediate.keys(which)))
                        .metadata("grid", vit.grid(input.dim(2), input.dim(3)).toString())
                        .metadata("pos_resample", vit.posResample().key())
                        .metadata(
                                "images",
                                inputTensor != null
                                        ? inputTensor.toString()
                                        : String.join(
                                                ",",
                                                images.stream()
                                                        .map(Path::toString)
                                                        .toList()));
                writer.write(out);
                err.printf("wrote %s: %s%n", out, String.join(", ", result.keySet()));
                warnNonFinite(out, input, result, err);
            }
        }
        return 0;
    }

    private ParameterException badFlag(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Refuses an --out that names one of the files this run reads (also through another spelling or a link). */
    private void refuseOverwritingAnInput(ViTWeights w) {
        Map<Path, String> inputs = new LinkedHashMap<>();
        images.forEach(image -> inputs.put(image, "input image"));
        if (inputTensor != null) inputs.put(inputTensor, "input tensor");
        if (!model.startsWith(ModelOptions.RANDOM)) {
            Path weights = Path.of(w.source());
            inputs.put(weights, "model's weights");
            inputs.put(weights.resolveSibling("config.json"), "model's config");
        }
        inputs.forEach((input, what) -> {
            if (sameFile(out, input)) throw badFlag("--out " + out + " would overwrite the " + what + " " + input);
        });
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return false; // one of them does not exist (the output, usually)
        }
    }

    /** Runs the input in batches and concatenates each captured tensor along the batch axis. */
    private Map<String, FloatTensor> run(VisionTransformer vit, FloatTensor input, Capture capture, PrintWriter err) {
        int total = input.dim(0), per = input.data().length / total;
        boolean prefixBlocks = capture.blocks().size() > 1;
        Map<String, List<FloatTensor>> parts = new LinkedHashMap<>();
        Progress progress = new Progress(err, total, 0, "images");
        for (int from = 0; from < total; from += batch) {
            int n = Math.min(batch, total - from);
            float[] chunk = java.util.Arrays.copyOfRange(input.data(), from * per, (from + n) * per);
            int[] shape = input.shape().clone();
            shape[0] = n;
            Activations acts = vit.forward(new FloatTensor(chunk, shape), capture);
            acts.all()
                    .forEach((block, tensors) -> tensors.forEach((which, t) -> parts.computeIfAbsent(
                                    (prefixBlocks ? "block" + block + "." : "") + which.key(), k -> new ArrayList<>())
                            .add(t)));
            progress.advance(n);
        }
        progress.finish();
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        parts.forEach((name, list) -> out.put(name, concat(list)));
        return out;
    }

    /** NaN in the input (or overflow) gives NaN outputs silently; one line says which tensors hold them. */
    private static void warnNonFinite(Path out, FloatTensor input, Map<String, FloatTensor> result, PrintWriter err) {
        Map<String, FloatTensor> written = new LinkedHashMap<>();
        written.put("input", input);
        written.putAll(result);
        List<String> found = new ArrayList<>();
        written.forEach((name, t) -> {
            long n = t.nonFiniteCount();
            if (n > 0) found.add(name + " (" + n + " of " + t.data().length + ")");
        });
        if (!found.isEmpty()) {
            err.println("vitprobe: warning: " + out + " holds NaN or infinite values: " + String.join(", ", found));
        }
    }

    static FloatTensor concat(List<FloatTensor> parts) {
        if (parts.size() == 1) return parts.getFirst();
        int[] shape = parts.getFirst().shape().clone();
        shape[0] = parts.stream().mapToInt(t -> t.dim(0)).sum();
        float[] data = new float[parts.stream().mapToInt(t -> t.data().length).sum()];
        int at = 0;
        for (FloatTensor t : parts) {
            System.arraycopy(t.data(), 0, data, at, t.data().length);
            at += t.data().length;
        }
        return new FloatTensor(data, shape);
    }

    /** The tensor 'input' [B, 3, H, W], H × W the input size (the checkpoint's own unless --image-size says). */
    private static FloatTensor readInput(Path file, ViTConfig c, InputResolution size) {
        int height = size.height() == 0 ? c.imageSize() : size.height();
        int width = size.width() == 0 ? c.imageSize() : size.width();
        try (SafeTensors st = SafeTensors.open(file)) {
            Tensor t = st.tensor("input");
            if (!t.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(file + ": tensor 'input' is " + t.dtype()
                        + "; a model input holds floats (F32, F16, BF16 or F64)");
            }
            long[] s = t.shape();
            if (s.length != 4 || s[1] != c.channels() || s[2] != height || s[3] != width) {
                throw new IllegalArgumentException(file + ": tensor 'input' has shape " + t.shapeString()
                        + ", the model expects [B, " + c.channels() + ", " + height + ", " + width + "]"
                        + (size.height() == 0 ? " (other sizes with --image-size H,W)" : ""));
            }
            if (s[0] == 0) {
                throw new IllegalArgumentException(
                        file + ": tensor 'input' has shape " + t.shapeString() + ": it holds no images");
            }
            return new FloatTensor(t.toFloatArray(), (int) s[0], (int) s[1], (int) s[2], (int) s[3]);
        }
    }
}
