package vitprobe.probe.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import vitprobe.kernels.cpu.Parallel;
import vitprobe.probe.ProbeData;
import vitprobe.probe.ProbeReport;

/**
 * A training and a test split ready to probe: the concepts cut down to those with positives and negatives in both
 * ({@link ProbeData#usableConcepts}), with what the user should be told about them.
 *
 * @param skipped                concepts left out, in column order
 * @param otherCategoryNegatives kept concepts whose negatives are patches of other categories in one split or both
 * @param warnings               one line each for the user (a caller may prefix its name)
 */
public record ProbeSplits(
        ProbeData train,
        ProbeData test,
        List<String> skipped,
        List<String> otherCategoryNegatives,
        List<String> warnings) {

    /** Loads both splits at the same time (each a probe file or a folder that extract wrote) and prepares them. */
    public static ProbeSplits load(Path train, Path test) {
        Path[] paths = {train, test};
        ProbeData[] data = new ProbeData[2];
        Parallel.forEach(2, i -> data[i] = ExtractedFeatures.load(paths[i]));
        ProbeReport.requireCompatible(data[0], data[1]);
        int[] usable = ProbeData.usableConcepts(data[0], data[1]);
        ProbeData keptTrain = data[0].withConcepts(usable), keptTest = data[1].withConcepts(usable);
        List<String> skipped = data[0].conceptsOutside(usable);
        List<String> otherCategories = IntStream.range(0, usable.length)
                .filter(c -> keptTrain.negativesFromOtherCategories(c) || keptTest.negativesFromOtherCategories(c))
                .mapToObj(keptTrain.concepts()::get)
                .toList();

        List<String> warnings = new ArrayList<>();
        String trainType = keptTrain.origin().tokenType(),
                testType = keptTest.origin().tokenType();
        if (trainType != null && testType != null && !trainType.equals(testType)) {
            warnings.add("warning: " + train + " holds '" + trainType + "' tokens but " + test + " holds '" + testType
                    + "' tokens; the templates are tested on another token type than they were trained on");
        }
        // A rare concept can miss from one split; it is reported and left out rather than failing the whole run.
        if (!skipped.isEmpty()) {
            warnings.add("skipping " + skipped.size() + " concept(s) without positives and negatives in both splits: "
                    + String.join(", ", skipped));
        }
        if (!otherCategories.isEmpty()) {
            warnings.add("negatives from other categories for " + otherCategories.size()
                    + " concept(s) alone in their category in a split: " + String.join(", ", otherCategories));
        }
        return new ProbeSplits(keptTrain, keptTest, skipped, otherCategories, List.copyOf(warnings));
    }
}
