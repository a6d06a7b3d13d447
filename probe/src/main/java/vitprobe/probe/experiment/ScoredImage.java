package vitprobe.probe.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/** A candidate scored for one concept's panel: per column the IoU of its predicted and true masks, and their mean. */
record ScoredImage(PanelCandidate candidate, double[] iou, double meanIou) {

    /**
     * The candidates where every model sees the concept, best mean IoU first (ties: earlier test image first).
     *
     * @param slot the concept's position among the chosen concepts, which is its position in the masks
     */
    static List<ScoredImage> rank(List<PanelCandidate> candidates, List<PanelColumn> columns, int slot) {
        List<ScoredImage> scored = new ArrayList<>();
        for (PanelCandidate candidate : candidates) {
            // An image whose concept covers no whole patch has no mask to show.
            if (visible(candidate, columns, slot)) scored.add(score(candidate, columns, slot));
        }
        scored.sort(
                Comparator.comparingDouble(ScoredImage::meanIou).reversed().thenComparingInt(s -> s.candidate().index));
        return scored;
    }

    private static boolean visible(PanelCandidate candidate, List<PanelColumn> columns, int slot) {
        return columns.stream()
                .noneMatch(c -> candidate.truth.get(c.model()).masks()[slot].isEmpty());
    }

    private static ScoredImage score(PanelCandidate candidate, List<PanelColumn> columns, int slot) {
        double[] iou = new double[columns.size()];
        for (int c = 0; c < iou.length; c++) {
            BitSet truth = candidate.truth.get(columns.get(c).model()).masks()[slot];
            iou[c] = PatchMasks.iou(truth, candidate.predicted.get(columns.get(c))[slot]);
        }
        return new ScoredImage(candidate, iou, Arrays.stream(iou).average().orElse(0));
    }
}
