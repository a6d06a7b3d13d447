package vitprobe.engine.extract;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PatchSelectionTest {
    /** 64 patches, 6 concepts: concept c on a random handful of patches (concept 5 on exactly one), many unlabelled. */
    private static byte[] labels(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] l = new byte[64 * 6];
        for (int c = 0; c < 5; c++) for (int k = 0; k < 3 + r.nextInt(6); k++) l[r.nextInt(40) * 6 + c] = 1;
        l[r.nextInt(64) * 6 + 5] = 1;
        return l;
    }

    @Test
    void everyConceptOfTheImageKeepsAPatchAndTheCountIsAsAsked() {
        for (long seed = 0; seed < 20; seed++) {
            byte[] l = labels(seed);
            int[] kept = new PatchSelection(8, seed).select("img" + seed, l, 64, 6);
            assertEquals(8, kept.length);
            assertTrue(isAscendingAndDistinct(kept));
            for (int c = 0; c < 6; c++) {
                final int concept = c;
                assertTrue(
                        Arrays.stream(kept).anyMatch(p -> l[p * 6 + concept] != 0),
                        "concept " + c + " lost, seed " + seed);
            }
        }
    }

    @Test
    void labelledPatchesComeBeforeUnlabelledOnes() {
        byte[] l = new byte[16 * 2];
        for (int p : new int[] {3, 7, 11}) l[p * 2] = 1;
        int[] kept = new PatchSelection(3, 1).select("a", l, 16, 2);
        assertArrayEquals(new int[] {3, 7, 11}, kept);
        assertEquals(5, new PatchSelection(5, 1).select("a", l, 16, 2).length);
    }

    @Test
    void theChoiceDependsOnlyOnSeedImageAndLabels() {
        byte[] l = labels(3);
        int[] a = new PatchSelection(10, 9).select("x.jpg", l, 64, 6);
        assertArrayEquals(a, new PatchSelection(10, 9).select("x.jpg", l.clone(), 64, 6));
        assertFalse(
                Arrays.equals(a, new PatchSelection(10, 10).select("x.jpg", l, 64, 6))
                        && Arrays.equals(a, new PatchSelection(10, 9).select("y.jpg", l, 64, 6)),
                "neither seed nor image changes the choice");
    }

    @Test
    void zeroOrEnoughKeepsAll() {
        byte[] l = labels(4);
        int[] all = new int[64];
        Arrays.setAll(all, i -> i);
        assertArrayEquals(all, PatchSelection.ALL.select("a", l, 64, 6));
        assertArrayEquals(all, new PatchSelection(64, 2).select("a", l, 64, 6));
    }

    private static boolean isAscendingAndDistinct(int[] a) {
        for (int i = 1; i < a.length; i++) if (a[i] <= a[i - 1]) return false;
        return true;
    }
}
