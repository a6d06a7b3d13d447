package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Packed weights start on a cache line and stay there: the micro-kernel's vector loads of a weight panel then read
 * one line each, not two (ViT-B/16's forward ran 1.10–1.16× faster). Tests run with native access, as the CLI does.
 */
class CacheLinesTest {
    @Test
    void padsFollowWhereArraysLie() {
        // Arrays allocated one after another lie 8-byte multiples apart, so their pads differ: read from addresses.
        Set<Integer> pads = new HashSet<>();
        for (int size = 1; size <= 16; size++) {
            int pad = CacheLines.pad(new float[size]);
            assertTrue(pad >= 0 && pad < CacheLines.FLOATS, "pad " + pad);
            pads.add(pad);
        }
        assertTrue(pads.size() > 1, "every array padded alike: " + pads);
    }

    @Test
    void weightsStartOnALineAndStayThereThroughCollections() {
        WeightSlabs slabs = new WeightSlabs();
        // ViT-S/8's projection, fc1 and qkv (in a slab), one too small for a slab, and one larger than a slab.
        int[] sizes = {384 * 384, 384 * 1536, 384 * 1152, 1000, (8 << 20) + 5};
        WeightSlabs.Run[] runs = new WeightSlabs.Run[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            runs[i] = slabs.take(sizes[i]);
            assertTrue(onALine(runs[i]), "run " + i + " starts inside a line");
            assertTrue(runs[i].offset() + sizes[i] <= runs[i].array().length, "run " + i + " overflows its array");
        }
        assertTrue(runs[0].array() == runs[1].array() && runs[1].array() == runs[2].array(), "layers share a slab");
        assertTrue(runs[1].offset() >= runs[0].offset() + sizes[0], "runs overlap");
        assertTrue(runs[2].offset() >= runs[1].offset() + sizes[1], "runs overlap");
        for (int round = 0; round < 3; round++) {
            System.gc();
            for (int i : new int[] {0, 1, 2, 4}) assertTrue(onALine(runs[i]), "run " + i + " moved off its line");
        }
    }

    @Test
    void layersFillTheTailsOfSlabs() {
        // Eight blocks of ViT-B/16 (qkv, projection, fc1, fc2): 56.6 Mi floats, 6.75 slabs. A slab that took one
        // block had no room for the next qkv, but its tail takes a later projection: 7 slabs, not one a block.
        WeightSlabs slabs = new WeightSlabs();
        Set<float[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int block = 0; block < 8; block++) {
            for (int size : new int[] {768 * 2304, 768 * 768, 768 * 3072, 3072 * 768}) {
                WeightSlabs.Run run = slabs.take(size);
                assertTrue(onALine(run));
                arrays.add(run.array());
            }
        }
        assertEquals(7, arrays.size(), "slabs for eight blocks");
    }

    @Test
    void slabsGoWithTheirLayers() throws InterruptedException {
        // A long-lived backend that drops a model must not keep the model's slab for layers that may never come.
        WeightSlabs slabs = new WeightSlabs();
        WeakReference<float[]> slab = new WeakReference<>(slabs.take(384 * 384).array());
        assertTrue(Gc.collected(slab), "a slab outlived its layers");
        assertTrue(onALine(slabs.take(384 * 384)), "a new slab after the old one went");
    }

    private static boolean onALine(WeightSlabs.Run run) {
        int past = run.offset() - CacheLines.pad(run.array());
        return past >= 0 && past % CacheLines.FLOATS == 0;
    }
}
