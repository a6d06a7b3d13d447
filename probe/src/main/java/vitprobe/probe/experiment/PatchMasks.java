package vitprobe.probe.experiment;

import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;

/** Masks at patch resolution: the set of patches (numbered row-major) a concept covers. */
final class PatchMasks {
    private PatchMasks() {}

    /** Whether a patch is covered, given the concept's column in a [patches × names] table. */
    @FunctionalInterface
    interface Cover {
        boolean test(int patch, int column);
    }

    /** Per chosen concept, the patches {@code covers} accepts at that concept's column among {@code names}. */
    static BitSet[] perConcept(List<String> concepts, List<String> names, int patches, Cover covers) {
        BitSet[] masks = new BitSet[concepts.size()];
        for (int k = 0; k < masks.length; k++) {
            int column = names.indexOf(concepts.get(k));
            masks[k] = new BitSet(patches);
            for (int p = 0; p < patches; p++) if (covers.test(p, column)) masks[k].set(p);
        }
        return masks;
    }

    /** Intersection over union; 0 when both masks are empty. */
    static double iou(BitSet truth, BitSet predicted) {
        BitSet union = (BitSet) truth.clone();
        union.or(predicted);
        BitSet both = (BitSet) truth.clone();
        both.and(predicted);
        return union.isEmpty() ? 0 : (double) both.cardinality() / union.cardinality();
    }

    /** The mask of {@code n} patches as the panels store it: a string of 0/1, row-major. */
    static String text(BitSet mask, int n) {
        StringBuilder sb = new StringBuilder(n);
        IntStream.range(0, n).forEach(i -> sb.append(mask.get(i) ? '1' : '0'));
        return sb.toString();
    }
}
