package vitprobe.cli;

import java.io.PrintWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import vitprobe.engine.extract.Extractor;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.probe.experiment.ExperimentRunner;

/**
 * A cluster that cannot start, as Spark does when its master cannot be reached or refuses the application: found
 * through the thread's class loader while {@link #installed} runs, so that the commands meet it as they would Spark.
 */
final class FailingCluster implements Cluster {
    static final String MASTER = "spark://127.0.0.1:7077";
    static final String WHY = "Spark master spark://127.0.0.1:7077 is not reachable: Connection refused";

    public static final class Provider implements Cluster.Provider {
        @Override
        public Cluster connect(String master, PrintWriter log) {
            return new FailingCluster();
        }
    }

    /** Runs WORK with this cluster on the class path that ServiceLoader reads. */
    static <T> T installed(Path dir, Callable<T> work) throws Exception {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(Cluster.Provider.class.getName()), Provider.class.getName() + "\n");
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {dir.toUri().toURL()}, FailingCluster.class.getClassLoader())) {
            thread.setContextClassLoader(loader);
            return work.call();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    @Override
    public void start() {
        throw new IllegalStateException(WHY);
    }

    @Override
    public Extractor.ShardWriter extraction(ExtractionSpec spec) {
        return (pending, out, written) -> {
            throw new IllegalStateException(WHY); // as a cluster that starts on first use fails
        };
    }

    @Override
    public ExperimentRunner.CellRunner probing(int conceptsPerTask) {
        return cells -> {
            throw new IllegalStateException(WHY);
        };
    }

    @Override
    public void close() {}
}
