package vitprobe.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vitprobe.probe.data.Synthetic;

@Command(
        name = "synth",
        description = {
            "Generate a seeded synthetic data set of coloured shapes on textured backgrounds.",
            "classification: an ImageFolder OUT/{train,test}/<colour-shape>/NNNNN.jpg; broden: a Broden-format "
                    + "folder (index.csv, label.csv, category.csv, c_*.csv, images/ with color, object and part "
                    + "masks, texture as a whole-image label). The same seed gives the same bytes."
        })
final class SyntheticCommand implements Callable<Integer> {
    @Option(names = "--kind", required = true, description = "classification or broden.")
    String kind;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Folder to create (must not exist, or be empty).")
    Path out;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--classes", description = "classification: number of classes, 1..18 (default: ${DEFAULT-VALUE}).")
    int classes = 6;

    @Option(names = "--train", description = "classification: training images per class (default: ${DEFAULT-VALUE}).")
    int train = 20;

    @Option(names = "--test", description = "classification: test images per class (default: ${DEFAULT-VALUE}).")
    int test = 5;

    @Option(names = "--width", description = "classification: image width (default: ${DEFAULT-VALUE}).")
    int width = 320;

    @Option(names = "--height", description = "classification: image height (default: ${DEFAULT-VALUE}).")
    int height = 240;

    @Option(
            names = "--images",
            description = "broden: number of images, every fourth in 'val' (default: ${DEFAULT-VALUE}).")
    int images = 64;

    @Option(
            names = "--size",
            description = "broden: image side in pixels; masks are half of it (default: ${DEFAULT-VALUE}).")
    int size = 224;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        switch (kind) {
            case "classification" -> {
                if (classes < 1 || classes > Synthetic.MAX_CLASSES)
                    throw badFlag("--classes must be 1.." + Synthetic.MAX_CLASSES + ", got " + classes);
                if (train < 0) throw badFlag("--train must be 0 or more, got " + train);
                if (test < 0) throw badFlag("--test must be 0 or more, got " + test);
                if (train + test == 0) throw badFlag("--train and --test are both 0: the set would hold no images");
                if (width < 8) throw badFlag("--width must be at least 8, got " + width);
                if (height < 8) throw badFlag("--height must be at least 8, got " + height);
                Synthetic.writeImageFolder(out, classes, train, test, width, height, seed);
            }
            case "broden" -> {
                if (images < 1) throw badFlag("--images must be at least 1, got " + images);
                if (size < 8 || size % 2 != 0) throw badFlag("--size must be even and at least 8, got " + size);
                Synthetic.writeBroden(out, images, size, seed);
            }
            default -> throw badFlag("unknown --kind '" + kind + "' (known: classification, broden)");
        }
        spec.commandLine().getOut().printf("wrote %s%n", out);
        return 0;
    }

    private ParameterException badFlag(String message) {
        return new ParameterException(spec.commandLine(), message);
    }
}
