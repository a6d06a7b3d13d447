package vitprobe.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import vitprobe.probe.data.ImagenetSubset;
import vitprobe.weights.FileErrors;

@Command(
        name = "imagenet-subset",
        description = {
            "Build the study's ImageNet subset from ILSVRC-2012.",
            "For each Tiny-ImageNet class (200 wnids), a seeded random choice of N training and M validation images, "
                    + "written as an ImageFolder OUT/{train,test}/<wnid>/ of symbolic links (or copies) plus "
                    + "OUT/subset.tsv."
        })
final class ImagenetSubsetCommand implements Callable<Integer> {
    @Option(
            names = "--imagenet",
            required = true,
            paramLabel = "DIR",
            description =
                    "ILSVRC-2012 folder with train/<wnid>/ and val/ (class folders, or flat with LOC_val_solution.csv).")
    Path imagenet;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Folder to create (must not exist, or be empty).")
    Path out;

    @Option(names = "--train-per-class", required = true, paramLabel = "N", description = "Training images per class.")
    int train;

    @Option(
            names = "--test-per-class",
            required = true,
            paramLabel = "M",
            description = "Test images per class, from the validation set.")
    int test;

    @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(
            names = "--val-labels",
            paramLabel = "CSV",
            description = "LOC_val_solution.csv (default: looked for in DIR and up to three folders above).")
    Path valLabels;

    @Option(
            names = "--wnids",
            paramLabel = "FILE",
            description = "Class ids, one per line (default: the 200 Tiny-ImageNet classes).")
    Path wnids;

    @Option(names = "--copy", description = "Copy the images instead of linking to them.")
    boolean copy;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (train < 1) throw badFlag("--train-per-class must be at least 1, got " + train);
        if (test < 1) throw badFlag("--test-per-class must be at least 1, got " + test);
        List<String> classes = wnids == null ? ImagenetSubset.tinyImagenetWnids() : readWnids(wnids);
        if (classes.isEmpty()) throw new IllegalArgumentException(wnids + ": no class ids");
        ImagenetSubset.Choice choice = ImagenetSubset.choose(imagenet, classes, train, test, seed, valLabels);
        ImagenetSubset.write(choice, out, copy);
        spec.commandLine()
                .getOut()
                .printf(
                        "wrote %s: %d classes, %d train and %d test images per class%n",
                        out, classes.size(), train, test);
        return 0;
    }

    private ParameterException badFlag(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The class ids of a file, one per line (blank lines skipped); a class listed twice is refused. */
    private static List<String> readWnids(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": " + FileErrors.reading(e));
        }
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String wnid = lines.get(i).trim();
            if (wnid.isEmpty()) continue;
            Integer first = firstLine.putIfAbsent(wnid, i + 1);
            if (first != null)
                throw new IllegalArgumentException(
                        file + " line " + (i + 1) + ": " + wnid + " listed twice (first on line " + first + ")");
        }
        return List.copyOf(firstLine.keySet());
    }
}
