package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.extract.Progress;
import vitprobe.views.AttentionMaps;
import vitprobe.views.InputImage;
import vitprobe.weights.ViTWeights;

@Command(
        name = "attention",
        description = {
            "Draw the [CLS] token's attention to the patches in each head of a block.",
            "Also DINO's masks, which keep a share of each head's attention, and an index.html gallery."
        })
final class AttentionCommand extends ImageViewCommand {
    @Option(
            names = "--block",
            paramLabel = "N",
            description = "Block, 0-based; negative counts from the end (default: ${DEFAULT-VALUE}, the last).")
    int block = -1;

    @Option(
            names = "--keep",
            paramLabel = "SHARE",
            description = "A head's mask is the fewest most-attended patches holding this share of its [CLS] "
                    + "attention, in (0, 1] (default: ${DEFAULT-VALUE}).")
    double keep = 0.6;

    @Override
    void checkOptions() {
        try {
            AttentionMaps.checkKeep(keep);
        } catch (IllegalArgumentException e) {
            throw badFlag("--keep: " + e.getMessage());
        }
    }

    @Override
    void checkModel(ViTWeights weights, PrintWriter err) {
        checkBlock(block, weights.config());
    }

    @Override
    Path render(VisionTransformer vit, List<InputImage> inputs, Path folder, PrintWriter err) throws IOException {
        Progress progress = new Progress(err, inputs.size(), 0, "images");
        AttentionMaps.Result maps = AttentionMaps.compute(vit, model, inputs, block, batch, progress);
        progress.finish();
        return maps.write(folder, keep);
    }
}
