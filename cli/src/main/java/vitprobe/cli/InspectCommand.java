package vitprobe.cli;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vitprobe.engine.InputResolution;
import vitprobe.weights.DType;
import vitprobe.weights.Param;
import vitprobe.weights.Tensor;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

@Command(name = "inspect", description = "Print a checkpoint's detected format, dimensions and dtype.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MODEL", description = ModelOptions.HELP)
    String model;

    @Mixin
    ModelOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try (ViTWeights w = options.load(model, 0)) {
            ViTConfig c = w.config();
            long params = w.parameters().stream().mapToLong(Param::elementCount).sum();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("model       %s%n", w.source());
            out.printf(
                    "format      %s (%s)%n",
                    c.format().name().toLowerCase(), c.format().description());
            out.printf("dim         %d%n", c.dim());
            out.printf("depth       %d%n", c.depth());
            out.printf("heads       %d (head dim %d)%n", c.heads(), c.headDim());
            out.printf(
                    "patch size  %d (grid %dx%d, %d tokens)%n", c.patchSize(), c.gridSize(), c.gridSize(), c.tokens());
            out.printf("image size  %d%n", c.imageSize());
            out.printf("mlp dim     %d%n", c.mlpDim());
            out.printf("eps         %g%n", c.layerNormEps());
            out.printf("dtype       %s%n", dtypes(w));
            out.printf("parameters  %,d%n", params);
            out.printf(
                    "normalize   mean %s std %s, %s resize%n",
                    java.util.Arrays.toString(c.mean()), java.util.Arrays.toString(c.std()), c.interpolation());
            out.printf("crop        %s%n", crop(c.imageSize(), w.statedCrop()));
            return 0;
        }
    }

    /**
     * The evaluation crop at the model's size, and whether a crop the checkpoint's config states is not the one
     * applied (timm's pretrained_cfg.crop_pct: 0.9 or 1.0 for some models).
     */
    static String crop(int size, Double stated) {
        double share = InputResolution.CROP_SHARE;
        String line = String.format(
                Locale.ROOT,
                "%d of %d for classification (%.3f, as DINO and MAE evaluate); segmentation keeps the whole image",
                size,
                Math.round(size / share),
                share);
        if (stated == null || stated == share) return line;
        return line + String.format(Locale.ROOT, "; config.json's crop_pct %s is not applied", stated);
    }

    /** The dtypes of the model's tensors; when they differ, each with its count, most common first. */
    static String dtypes(ViTWeights w) {
        Map<DType, Long> counts = w.parameters().stream()
                .flatMap(p -> p.parts().stream())
                .collect(Collectors.groupingBy(Tensor::dtype, () -> new EnumMap<>(DType.class), Collectors.counting()));
        if (counts.size() == 1) return counts.keySet().iterator().next().toString();
        return counts.entrySet().stream()
                .sorted(Map.Entry.<DType, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
    }
}
