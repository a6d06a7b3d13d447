package vitprobe.results;

import java.util.List;
import java.util.Map;
import vitprobe.io.JsonRecords.Name;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * The settings of an experiment as run.
 *
 * @param config the config file's absolute path
 * @param models per model name, its reference (folder, file, hf:ORG/NAME, random:NAME)
 * @param tasks  per task ("classification", "segmentation"), its data
 * @param block  the block as configured (negative counts from the end)
 * @param imageSize   the input size when not each checkpoint's own: "HxW" or "shorter side S, aspect kept"
 * @param posResample the position-embedding rule when given (else each checkpoint's library's)
 */
public record Experiment(
        String config,
        Map<String, String> models,
        List<String> tokens,
        List<String> rules,
        Map<String, TaskSetup> tasks,
        @Name("k") List<Integer> ks,
        int trials,
        int block,
        long seed,
        String dtype,
        String precision,
        String solver,
        boolean center,
        @OmitNull String imageSize,
        @OmitNull String posResample) {
    /**
     * @param dataset         the data set's folder
     * @param patchesPerImage segmentation only: the patches stored per image
     */
    public record TaskSetup(
            String dataset,
            String train,
            String test,
            @OmitNull Integer patchesPerImage) {}
}
