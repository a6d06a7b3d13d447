package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vitprobe.engine.InputResolution;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.ModelId;
import vitprobe.engine.extract.Progress;
import vitprobe.engine.image.ImageTransform;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.SampleKind;
import vitprobe.views.Blocks;
import vitprobe.views.InputImage;
import vitprobe.views.SegmentationWriter;
import vitprobe.views.Segmenter;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

@Command(
        name = "segment",
        sortOptions = false,
        description = {
            "Apply concept templates saved by 'probe --save-templates' to new images.",
            "Patch templates: per concept a score map over the patch grid, a mask where its bilinear upsampling passes the threshold, an "
                    + "overlay of the largest masks with a legend and a heat map per drawn concept; [CLS] templates: "
                    + "the concepts that fire, ranked by score minus threshold.",
            "Writes DIR/segments.json (every concept of every image) and DIR/index.html. The token type and block "
                    + "come from the templates file unless given."
        })
final class SegmentCommand extends ImageViewCommand {
    @Option(
            names = "--templates",
            required = true,
            paramLabel = "T.safetensors",
            description = "Templates saved by 'vitprobe probe --save-templates'.")
    Path templatesFile;

    @Option(
            names = "--tokens",
            paramLabel = "TYPE",
            description = "Token type to score (q, k, v, x, y, y_norm, ...); default: the one the file records.")
    String tokens;

    @Option(
            names = "--block",
            paramLabel = "N",
            description = "Block to score, 0-based, negative from the end; default: the one the file records.")
    Integer block;

    @Option(
            names = "--concepts",
            split = ",",
            paramLabel = "NAME",
            description = "Only these concepts (comma-separated); default: all of the file.")
    List<String> concepts;

    @Option(
            names = "--top",
            description = "Concepts drawn per image, 1 to 10 (one colour each), most area (or highest score) first "
                    + "(default: ${DEFAULT-VALUE}).")
    int top = 5;

    @Option(
            names = "--scores",
            description = "Also write every patch score as DIR/scores.safetensors [images, concepts, rows, cols].")
    boolean scores;

    private ConceptTemplates templates;
    private Intermediate tokenType;
    private int blockIndex;
    private String modelName;

    @Override
    void checkOptions() {
        try {
            new SegmentationWriter.Options(top, scores);
        } catch (IllegalArgumentException e) {
            throw badFlag("--top: " + e.getMessage());
        }
        if (tokens != null) {
            try {
                if (!Intermediate.byKey(tokens).perToken())
                    throw badFlag("--tokens " + tokens + " is an attention map, not a feature per token");
            } catch (IllegalArgumentException e) {
                throw badFlag("--tokens: " + e.getMessage());
            }
        }
        if (concepts != null && concepts.stream().anyMatch(String::isBlank))
            throw badFlag("--concepts names an empty concept");
    }

    @Override
    void checkModel(ViTWeights weights, PrintWriter err) {
        ConceptTemplates all = ConceptTemplates.load(templatesFile);
        if (block != null) checkBlock(block, weights.config());
        try {
            templates = concepts == null ? all : all.withConcepts(concepts);
            tokenType = tokens != null
                    ? Intermediate.byKey(tokens)
                    : recorded(() -> Segmenter.recordedTokenType(all), "--tokens");
            blockIndex = block != null
                    ? Blocks.resolve(block, weights.config().depth())
                    : recorded(() -> Segmenter.recordedBlock(all), "--block");
            Segmenter.requireFits(weights.config(), templates, tokenType, blockIndex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(templatesFile + ": " + e.getMessage(), e);
        }
        modelName = ModelId.of(model, seed, weights).name();
        String trainedOn = all.origin().model();
        if (trainedOn != null && !trainedOn.equals(modelName)) {
            err.println("segment: warning: " + templatesFile + " was trained on features of " + trainedOn + ", not of "
                    + modelName);
        }
    }

    /** scores.safetensors is one tensor: with patch templates every picture must give the first one's grid. */
    @Override
    void checkInputs(List<InputImage> inputs, ViTConfig config) {
        if (!scores || templates.tokens() != SampleKind.PATCH) return;
        int patch = config.patchSize();
        InputImage first = inputs.getFirst();
        for (InputImage image : inputs) {
            if (image.gridRows(patch) != first.gridRows(patch) || image.gridCols(patch) != first.gridCols(patch)) {
                throw new IllegalArgumentException(image.file() + ": a " + image.gridRows(patch) + "x"
                        + image.gridCols(patch) + " patch grid where the first image has " + first.gridRows(patch)
                        + "x" + first.gridCols(patch) + "; " + SegmentationWriter.SCORES
                        + " holds pictures of one size only (leave out --scores or --keep-aspect)");
            }
        }
    }

    /** The preprocessing the templates' features had ({@link Segmenter#transform}). */
    @Override
    ImageTransform transform(InputResolution size, ViTConfig config) {
        return Segmenter.transform(templates, config, size);
    }

    /** What the templates file records, or the error saying it does not, with the flag that supplies it. */
    private static <T> T recorded(Supplier<T> fromFile, String flag) {
        try {
            return fromFile.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; give " + flag, e);
        }
    }

    @Override
    Path render(VisionTransformer vit, List<InputImage> inputs, Path folder, PrintWriter err) throws IOException {
        Segmenter segmenter = new Segmenter(vit, templates, tokenType, blockIndex);
        var writer = new SegmentationWriter(
                folder, segmenter, templatesFile.toString(), modelName, new SegmentationWriter.Options(top, scores));
        Progress progress = new Progress(err, inputs.size(), 0, "images");
        try {
            segmenter.apply(inputs, batch, progress, writer::add);
        } finally {
            progress.finish();
        }
        return writer.finish();
    }

    @Override
    void announce(Path page, List<InputImage> inputs, PrintWriter err) {
        spec.commandLine()
                .getOut()
                .printf(
                        "segment: %d image(s), %d concept(s); wrote %s%n",
                        inputs.size(), templates.conceptCount(), page);
    }
}
