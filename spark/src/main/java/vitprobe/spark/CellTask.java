package vitprobe.spark;

import java.io.IOException;
import vitprobe.probe.experiment.CellProbe;

/**
 * A task probing one block of an experiment cell's concepts on an executor. The features of the last token type read
 * stay loaded for the next blocks and cells of the same token type; one block is probed at a time, as the trainers
 * already use every core.
 */
final class CellTask {
    private static CellProbe.Data loaded;

    private CellTask() {}

    static synchronized CellProbe.Part run(CellProbe.Block block) throws IOException {
        if (!block.cell().uses(loaded)) {
            loaded = null; // the last token type's features go before the next one's are read
            loaded = block.cell().load();
        }
        return block.probe(loaded);
    }
}
