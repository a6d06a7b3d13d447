package vitprobe.engine.extract;

import java.util.List;
import java.util.Map;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * An extraction folder's manifest.json: the settings that decide the stored bytes, the output's shape and the
 * fingerprint of the weights file. Its keys keep the order and values of the folders written before it was a record,
 * so those still resume; the patch keys are there for segmentation only.
 *
 * @param backend the backend's numerics: a backend may round differently with the batch composition (e.g. GEMM
 *     tiling chosen by row count), so a resumed run must use the same backend and batch size to repeat the bytes of
 *     an uninterrupted one
 * @param weights null for weights generated in memory
 */
record Manifest(
        String format,
        String model,
        String config,
        String dataset,
        String task,
        String tokens,
        List<String> tokenTypes,
        int block,
        int dim,
        String dtype,
        String backend,
        int batch,
        Transform transform,
        int shardImages,
        @OmitNull Integer patchGrid,
        @OmitNull Integer patchesPerImage,
        @OmitNull Long patchSeed,
        Map<String, SplitSize> splits,
        List<String> concepts,
        @OmitNull List<Long> categories,
        @OmitNull List<String> categoriesNames,
        @OmitNull WeightsFingerprint weights) {

    record Transform(int resize, int crop, String interpolation) {}

    record SplitSize(int images, int shards) {}

    Manifest withWeights(WeightsFingerprint weights) {
        return new Manifest(
                format,
                model,
                config,
                dataset,
                task,
                tokens,
                tokenTypes,
                block,
                dim,
                dtype,
                backend,
                batch,
                transform,
                shardImages,
                patchGrid,
                patchesPerImage,
                patchSeed,
                splits,
                concepts,
                categories,
                categoriesNames,
                weights);
    }
}
