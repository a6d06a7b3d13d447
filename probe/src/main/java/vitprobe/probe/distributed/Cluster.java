package vitprobe.probe.distributed;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.ServiceLoader;
import vitprobe.engine.extract.Extractor;
import vitprobe.probe.experiment.ExperimentRunner;

/**
 * A distributed engine the heavy stages can run on, found on the class path (the spark module provides one), so
 * that nothing here depends on it. It connects on first use and disconnects when closed.
 */
public interface Cluster extends AutoCloseable {
    /**
     * Writes pending shards with tasks on the cluster, each opening the spec's model once per machine.
     */
    Extractor.ShardWriter extraction(ExtractionSpec spec);

    /**
     * Probes experiment cells with tasks on the cluster, one per block of a cell's concepts, each reading its
     * features from shared storage.
     */
    ExperimentRunner.CellRunner probing(int conceptsPerTask);

    /**
     * Connects now rather than on first use, so that a cluster that cannot start fails before the caller writes
     * anything; the failure is one line (an {@link IllegalStateException}).
     */
    default void start() {}

    /** Ends the connection this cluster opened, if any. */
    @Override
    void close();

    /**
     * The cluster implementation on the class path, if any, for tasks on {@code master}.
     *
     * @param log where the engine's one-line notes go
     */
    static Optional<Cluster> find(String master, PrintWriter log) {
        return ServiceLoader.load(Cluster.Provider.class).findFirst().map(p -> p.connect(master, log));
    }

    /** What the class path provides (META-INF/services): a cluster for a master. */
    interface Provider {
        Cluster connect(String master, PrintWriter log);
    }
}
