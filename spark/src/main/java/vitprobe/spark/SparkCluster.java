package vitprobe.spark;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import vitprobe.engine.extract.Extractor;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;
import vitprobe.probe.distributed.SparkMaster;
import vitprobe.probe.experiment.CellProbe;
import vitprobe.probe.experiment.ExperimentRunner;

/**
 * The heavy stages on Apache Spark: one task per shard, one per block of an experiment cell's concepts. The driver
 * (this JVM) plans, holds the output folder's lock and writes the manifest, the report, the cells' files and
 * results.json; the tasks write shards into the output folder and read features from it, which every executor must
 * reach at the same path (shared storage).
 */
public final class SparkCluster implements Cluster {
    /** The master given when spark-submit chose it (spark.master), rather than a URL. */
    public static final String SUBMIT = SparkMaster.SUBMIT;

    private final String master;
    private final PrintWriter log;
    private SparkSession started;

    /** Found through ServiceLoader by {@link Cluster#find}. */
    public static final class Provider implements Cluster.Provider {
        @Override
        public Cluster connect(String master, PrintWriter log) {
            return new SparkCluster(master, log);
        }
    }

    SparkCluster(String master, PrintWriter log) {
        this.master = master;
        this.log = log;
    }

    @Override
    public Extractor.ShardWriter extraction(ExtractionSpec spec) {
        return (pending, out) -> {
            if (pending.isEmpty()) return;
            String dir = out.toAbsolutePath().toString();
            context()
                    .parallelize(List.copyOf(pending), pending.size())
                    .foreach(shard -> ShardTask.write(spec, shard, dir));
        };
    }

    /** One task per block of a cell's concepts; the driver joins each cell's blocks and writes its files. */
    @Override
    public ExperimentRunner.CellRunner probing(int conceptsPerTask) {
        return cells -> {
            if (cells.isEmpty()) return List.of();
            List<List<CellProbe.Block>> byCell = new ArrayList<>();
            for (CellProbe cell : cells) byCell.add(cell.blocks(conceptsPerTask));
            List<CellProbe.Block> blocks = byCell.stream().flatMap(List::stream).toList();
            List<CellProbe.Part> parts = context()
                    .parallelize(blocks, blocks.size())
                    .map(CellTask::run)
                    .collect();
            List<CellProbe.Outcome> outcomes = new ArrayList<>();
            int at = 0;
            for (int i = 0; i < cells.size(); i++) {
                int n = byCell.get(i).size();
                outcomes.add(cells.get(i).write(parts.subList(at, at + n)));
                at += n;
            }
            return outcomes;
        };
    }

    /**
     * The session already running in this JVM (one a test or an embedding program started), else one started on
     * the master on first use and stopped by {@link #close}.
     */
    private synchronized JavaSparkContext context() {
        var running = SparkSession.getDefaultSession();
        if (running.isDefined())
            return JavaSparkContext.fromSparkContext(running.get().sparkContext());
        SparkSession.Builder builder = SparkSession.builder().appName("vitprobe");
        if (!master.equals(SUBMIT)) builder.master(master);
        started = startQuietly(builder);
        log.printf(
                "spark: %s, %d executor cores%n",
                started.sparkContext().master(), started.sparkContext().defaultParallelism());
        return JavaSparkContext.fromSparkContext(started.sparkContext());
    }

    @Override
    public void start() {
        context();
    }

    /**
     * The new session, or one line saying why Spark did not start: while it starts, Spark's own ERROR lines (with
     * their stack traces) about that failure are kept off stderr, since the caller reports it.
     */
    private SparkSession startQuietly(SparkSession.Builder builder) {
        String quiet = "org.apache.spark";
        Level before = LogManager.getLogger(quiet).getLevel();
        Configurator.setLevel(quiet, Level.OFF);
        try {
            return builder.getOrCreate();
        } catch (Exception e) { // Scala throws checked exceptions (SparkException) undeclared
            throw new IllegalStateException("Spark did not start on master '" + master + "': " + oneLine(e), e);
        } finally {
            Configurator.setLevel(quiet, before);
        }
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null
                && (root.getMessage() == null || root.getMessage().isBlank())) root = root.getCause();
        String m = root.getMessage();
        return (m == null || m.isBlank() ? root.getClass().getSimpleName() : m).replace('\n', ' ');
    }

    @Override
    public synchronized void close() {
        if (started != null) started.stop();
        started = null;
    }
}
