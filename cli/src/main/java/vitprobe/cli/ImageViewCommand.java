package vitprobe.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vitprobe.engine.InputResolution;
import vitprobe.engine.VisionTransformer;
import vitprobe.engine.image.ImageTransform;
import vitprobe.io.FolderLock;
import vitprobe.io.StagedFolder;
import vitprobe.kernels.Backend;
import vitprobe.views.Blocks;
import vitprobe.views.InputImage;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/**
 * What the commands that draw single images through the model share: the model, the images, one output folder
 * (locked against a second writer) and the device. Every image is decoded before the output folder is touched, so a
 * bad file fails first; the files are drawn into a {@link StagedFolder} and moved into the output folder only when
 * all are written, so a run that fails later leaves the folder as it was (and none at all if the run made it).
 */
abstract class ImageViewCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "MODEL", description = ModelOptions.HELP)
    String model;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (PNGs, index.html).")
    Path out;

    @Option(names = "--batch", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batch = 8;

    @Option(names = "--seed", description = "Seed for random:* models (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG or JPEG images (decoded by content).")
    List<Path> images;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    DeviceOptions deviceOptions;

    @Mixin
    ImageSizeOptions imageSizeOptions;

    @Spec
    CommandSpec spec;

    /** Draws what the command shows for every image into {@code folder}; returns its page (index.html). */
    abstract Path render(VisionTransformer vit, List<InputImage> inputs, Path folder, PrintWriter err)
            throws IOException;

    /** Says what was written, once the page is in the output folder. */
    void announce(Path page, List<InputImage> inputs, PrintWriter err) {
        err.println("wrote " + page);
    }

    /** How pictures are made from the files: the evaluation transform (resize, centre crop) unless overridden. */
    ImageTransform transform(InputResolution size, ViTConfig config) {
        return size.evaluation(config);
    }

    /** Checks the command's own flags before anything is read; a bad one is a {@link ParameterException}. */
    void checkOptions() {}

    /** Checks the command's flags and other inputs against the model (its depth, say), before any image is decoded or anything written. */
    void checkModel(ViTWeights weights, PrintWriter err) {}

    /** Checks the decoded pictures against the command's flags, before the model is built or anything written. */
    void checkInputs(List<InputImage> inputs, ViTConfig config) {}

    ParameterException badFlag(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A --block flag's value that the model does not have is a bad flag. */
    void checkBlock(int block, ViTConfig config) {
        try {
            Blocks.resolve(block, config.depth());
        } catch (IllegalArgumentException e) {
            throw badFlag("--block: " + e.getMessage());
        }
    }

    /** Runs right before the output folder is locked: a test's way to let another writer in first. */
    static Runnable beforeLock = () -> {};

    @Override
    public final Integer call() throws IOException {
        if (batch < 1) throw badFlag("--batch must be at least 1, got " + batch);
        if (Files.exists(out) && !Files.isDirectory(out)) throw badFlag("--out " + out + " is a file, not a folder");
        imageSizeOptions.resolution();
        checkOptions();
        ModelOptions.check(model);
        PrintWriter err = spec.commandLine().getErr();
        try (ViTWeights w = modelOptions.load(model, seed)) {
            InputResolution size = imageSizeOptions.resolution(w.config());
            checkModel(w, err);
            List<InputImage> inputs = InputImage.load(images, transform(size, w.config()));
            checkInputs(inputs, w.config());
            beforeLock.run();
            Path page;
            try (FolderLock lock = FolderLock.acquire(out).removingCreatedFolderIfLeftEmpty();
                    Backend backend = deviceOptions.open(err);
                    VisionTransformer vit = new VisionTransformer(w, backend, size.posResample(w.config()));
                    StagedFolder staged = StagedFolder.in(out)) {
                page = render(vit, inputs, staged.folder(), err).getFileName();
                staged.publish(page.toString());
            }
            announce(out.resolve(page), inputs, err);
        }
        return 0;
    }
}
