package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vitprobe.engine.Intermediate;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Progress;
import vitprobe.views.FeaturePca;
import vitprobe.views.InputImage;
import vitprobe.weights.ViTWeights;

@Command(
        name = "pca",
        description = {
            "Show the first three principal components of the images' patch tokens as colours.",
            "The components are fitted jointly on all images and drawn as red, green and blue, with an index.html "
                    + "gallery."
        })
final class PcaCommand extends ImageViewCommand {
    @Option(
            names = "--tokens",
            paramLabel = "NAME",
            description = "Intermediate per token: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = TokensCommand.PerTokenNames.class)
    String tokens = "y_norm";

    @Option(
            names = "--block",
            paramLabel = "N",
            description = "Block, 0-based; negative counts from the end (default: ${DEFAULT-VALUE}, the last).")
    int block = -1;

    @Option(
            names = "--background-threshold",
            paramLabel = "T",
            description = "Remove the background first: patches whose first component, scaled to [0, 1] over all "
                    + "images (see first-component.png), is below T are drawn black and the components are fitted "
                    + "again on the others.")
    Double backgroundThreshold;

    @Option(
            names = "--background-above",
            description = "With --background-threshold: the background is the patches above T, not below.")
    boolean backgroundAbove;

    private Intermediate which;
    private FeaturePca.Background background;

    @Override
    void checkOptions() {
        try {
            which = Intermediate.byKey(tokens);
        } catch (IllegalArgumentException e) {
            throw badFlag("--tokens: " + e.getMessage());
        }
        if (!which.perToken()) throw badFlag("--tokens " + tokens + " is not a feature per token; choose another");
        if (backgroundThreshold == null) {
            if (backgroundAbove) throw badFlag("--background-above needs --background-threshold");
            return;
        }
        try {
            background = new FeaturePca.Background(backgroundThreshold, backgroundAbove);
        } catch (IllegalArgumentException e) {
            throw badFlag("--background-threshold: " + e.getMessage());
        }
    }

    @Override
    void checkModel(ViTWeights weights, PrintWriter err) {
        checkBlock(block, weights.config());
    }

    @Override
    Path render(VisionTransformer vit, List<InputImage> inputs, Path folder, PrintWriter err) throws IOException {
        Progress progress = new Progress(err, inputs.size(), 0, "images");
        FeaturePca.Result pca = FeaturePca.compute(vit, model, inputs, which, block, background, batch, progress);
        progress.finish();
        return pca.write(folder);
    }
}
