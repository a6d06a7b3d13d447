package vitprobe.probe.data;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import vitprobe.engine.extract.PatchGrid;

/**
 * How a segmentation mask becomes labels of the token grid. Mask pixels are placed by their centres, through the
 * same resize and crop as the image, into the patch they fall in.
 */
public enum PatchLabeling {
    /**
     * The default: a patch takes every label that covers at least half of the mask pixels falling in it (unlabelled
     * pixels count in the total). A patch smaller than a mask pixel, which no pixel centre falls in, takes the label
     * at its centre.
     */
    MAJORITY,
    /** IBD-style nearest-neighbour downsampling: a patch takes the label of the mask pixel at its centre. */
    NEAREST;

    /**
     * Adds one mask's labels to {@code out} [patches × concepts].
     *
     * @param mask    global label numbers per mask pixel, row-major, 0 = unlabelled
     * @param column  the concept column of a global label number, or -1 for labels not kept
     */
    public void apply(
            int[] mask, int width, int height, PatchGrid grid, IntUnaryOperator column, byte[] out, int concepts) {
        int patches = grid.patches();
        boolean[] sampleCentre = new boolean[patches];
        if (this == MAJORITY) {
            int[] total = new int[patches];
            Map<Integer, int[]> counts = new HashMap<>();
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int p = grid.patchAt((x + 0.5) / width, (y + 0.5) / height);
                    if (p < 0) continue;
                    total[p]++;
                    int label = mask[y * width + x];
                    if (label != 0) counts.computeIfAbsent(label, l -> new int[patches])[p]++;
                }
            }
            counts.forEach((label, perPatch) -> {
                int c = column.applyAsInt(label);
                if (c < 0) return;
                for (int p = 0; p < patches; p++)
                    if (total[p] > 0 && 2 * perPatch[p] >= total[p]) out[p * concepts + c] = 1;
            });
            for (int p = 0; p < patches; p++) sampleCentre[p] = total[p] == 0;
        } else {
            java.util.Arrays.fill(sampleCentre, true);
        }
        for (int p = 0; p < patches; p++) {
            if (!sampleCentre[p]) continue;
            double[] uv = grid.center(p);
            int x = Math.min(width - 1, (int) (uv[0] * width)), y = Math.min(height - 1, (int) (uv[1] * height));
            int label = mask[y * width + x];
            int c = label == 0 ? -1 : column.applyAsInt(label);
            if (c >= 0) out[p * concepts + c] = 1;
        }
    }
}
