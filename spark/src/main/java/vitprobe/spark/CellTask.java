package vitprobe.spark;

import java.io.IOException;
import vitprobe.probe.experiment.CellProbe;

/**
 * A task probing one experiment cell on an executor. The features of the last token type read stay loaded for the
 * next cells of the same token type; one cell is probed at a time, as the trainers already use every core.
 */
final class CellTask {
    private static CellProbe.Data loaded;

    private CellTask() {}

    static synchronized CellProbe.Outcome run(CellProbe cell) throws IOException {
        if (!cell.uses(loaded)) {
            loaded = null; // the last token type's features go before the next one's are read
            loaded = cell.load();
        }
        return cell.run(loaded);
    }
}
