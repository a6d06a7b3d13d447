package vitprobe.spark;

import java.io.IOException;
import vitprobe.probe.experiment.CellProbe;

/**
 * A task probing one block of an experiment cell's concepts on an executor. The features of the last token type read
 * stay loaded for the next blocks and cells of the same token type. Blocks are probed side by side when Spark runs
 * several tasks at once: a probe only reads the features, so only reading them is under the lock.
 */
final class CellTask {
    private static CellProbe.Data loaded;

    private CellTask() {}

    static CellProbe.Part run(CellProbe.Block block) throws IOException {
        try {
            return block.probe(features(block.cell()));
        } catch (OutOfMemoryError e) { // reading the features or probing
            throw TaskMemory.outOfMemory(e);
        }
    }

    /** The features this cell probes, read unless they are the ones loaded last. */
    private static synchronized CellProbe.Data features(CellProbe cell) throws IOException {
        if (!cell.uses(loaded)) {
            loaded = null; // the last token type's features go before the next one's are read
            loaded = cell.load();
        }
        return loaded;
    }

    /**
     * Lets the loaded features go once the job is done (the driver calls it; in local mode its tasks ran in this
     * JVM). An executor of a cluster keeps them until a task of another token type replaces them or it ends.
     */
    static synchronized void clear() {
        loaded = null;
    }
}
