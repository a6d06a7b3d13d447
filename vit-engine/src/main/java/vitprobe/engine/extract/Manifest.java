package vitprobe.engine.extract;

import java.util.List;
import java.util.Map;
import vitprobe.engine.image.ImageTransform;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * An extraction folder's manifest.json: the settings that decide the stored bytes, the output's shape and the
 * fingerprint of the weights file. Its keys keep the order and values of the folders written before it was a record,
 * so those still resume; the patch keys are there for segmentation only.
 *
 * @param backend the backend's numerics: a backend may round differently with the batch composition (e.g. GEMM
 *     tiling chosen by row count), so a resumed run must use the same backend and batch size to repeat the bytes of
 *     an uninterrupted one
 * @param grid the patch grid [rows, columns] of every image, and {@code posResample} the rule the position
 *     embeddings were resampled with: both only at another input size than the checkpoint's own (which the config
 *     and transform name), the grid not when each image keeps its aspect ratio (and has its own grid)
 * @param patchGrid segmentation at the checkpoint's own size: patches per side
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
        @OmitNull List<Integer> grid,
        @OmitNull String posResample,
        int shardImages,
        @OmitNull Integer patchGrid,
        @OmitNull Integer patchesPerImage,
        @OmitNull Long patchSeed,
        Map<String, SplitSize> splits,
        List<String> concepts,
        @OmitNull List<Long> categories,
        @OmitNull List<String> categoriesNames,
        @OmitNull WeightsFingerprint weights) {

    /**
     * The preprocessing: a square resize and crop as {@code resize} and {@code crop} (torchvision's
     * {@code Resize(resize)} + {@code CenterCrop(crop)}, the keys of folders written before other sizes existed);
     * any other as {@code resize_to} and {@code crop_to} ([height, width]) or, resizing only, {@code shorter_side}.
     */
    record Transform(
            @OmitNull Integer resize,
            @OmitNull Integer crop,
            String interpolation,
            @OmitNull List<Integer> resizeTo,
            @OmitNull List<Integer> cropTo,
            @OmitNull Integer shorterSide) {

        static Transform of(ImageTransform t, String interpolation) {
            return switch (t.geometry()) {
                case ImageTransform.CenterCrop c
                when c.resizeHeight() == c.resizeWidth() && c.height() == c.width() ->
                    new Transform(c.resizeHeight(), c.height(), interpolation, null, null, null);
                case ImageTransform.CenterCrop c ->
                    new Transform(
                            null,
                            null,
                            interpolation,
                            List.of(c.resizeHeight(), c.resizeWidth()),
                            List.of(c.height(), c.width()),
                            null);
                case ImageTransform.KeepAspect k -> new Transform(null, null, interpolation, null, null, k.shorter());
            };
        }
    }

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
                grid,
                posResample,
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
