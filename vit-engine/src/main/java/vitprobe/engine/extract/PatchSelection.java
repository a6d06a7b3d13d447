package vitprobe.engine.extract;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Which patch tokens of an image are stored. Keeping every patch of a large segmentation set does not fit on disk
 * (Broden × 784 patches × 6 token types is ~230 GB at F16), so by default a few patches per image are kept, chosen
 * so that every concept present in the image keeps at least one patch: first one random patch per concept not yet
 * covered (concepts in column order), then random labelled patches, then random unlabelled ones, up to
 * {@code perImage}. The choice depends only on the seed, the image id and its labels, so reruns repeat it.
 *
 * @param perImage patches kept per image; 0 keeps all of them
 */
public record PatchSelection(int perImage, long seed) implements java.io.Serializable {
    public static final PatchSelection ALL = new PatchSelection(0, 0);

    public PatchSelection {
        if (perImage < 0)
            throw new IllegalArgumentException("patches per image must be positive (or 0 for all), got " + perImage);
    }

    /**
     * The kept patches, ascending.
     *
     * @param labels patch labels [patches × concepts]
     */
    public int[] select(String imageId, byte[] labels, int patches, int concepts) {
        if (perImage == 0 || perImage >= patches) {
            int[] all = new int[patches];
            Arrays.setAll(all, i -> i);
            return all;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + imageId.hashCode());
        BitSet chosen = new BitSet(patches);
        BitSet covered = new BitSet(concepts);
        for (int c = 0; c < concepts; c++) {
            if (covered.get(c)) continue;
            int[] carriers = patchesWith(labels, patches, concepts, c);
            if (carriers.length == 0) continue;
            int p = carriers[random.nextInt(carriers.length)];
            chosen.set(p);
            for (int o = 0; o < concepts; o++) if (labels[p * concepts + o] != 0) covered.set(o);
        }
        BitSet labelled = new BitSet(patches);
        for (int p = 0; p < patches; p++) {
            for (int c = 0; c < concepts; c++) {
                if (labels[p * concepts + c] != 0) {
                    labelled.set(p);
                    break;
                }
            }
        }
        fill(chosen, labelled, true, patches, random);
        fill(chosen, labelled, false, patches, random);
        return chosen.stream().toArray();
    }

    private static int[] patchesWith(byte[] labels, int patches, int concepts, int c) {
        return java.util.stream.IntStream.range(0, patches)
                .filter(p -> labels[p * concepts + c] != 0)
                .toArray();
    }

    /** Adds random unchosen patches whose labelled state is {@code wanted} until perImage are chosen. */
    private void fill(BitSet chosen, BitSet labelled, boolean wanted, int patches, SplittableRandom random) {
        int[] candidates = java.util.stream.IntStream.range(0, patches)
                .filter(p -> !chosen.get(p) && labelled.get(p) == wanted)
                .toArray();
        for (int i = 0; i < candidates.length && chosen.cardinality() < perImage; i++) {
            int j = i + random.nextInt(candidates.length - i);
            int t = candidates[i];
            candidates[i] = candidates[j];
            candidates[j] = t;
            chosen.set(candidates[i]);
        }
    }
}
