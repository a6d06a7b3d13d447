package vitprobe.probe.distributed;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.ServiceLoader;
import vitprobe.engine.extract.Extractor;

/**
 * A distributed engine the heavy stages can run on, found on the class path (the spark module provides one), so
 * that nothing here depends on it.
 */
public interface Cluster {
    /**
     * Writes pending shards with tasks on the cluster at {@code master}, each opening the spec's model once per
     * machine.
     *
     * @param log where the engine's one-line notes go
     */
    Extractor.ShardWriter extraction(String master, ExtractionSpec spec, PrintWriter log);

    /** The cluster implementation on the class path, if any. */
    static Optional<Cluster> find() {
        return ServiceLoader.load(Cluster.class).findFirst();
    }
}
