package vitprobe.spark;

import java.io.PrintWriter;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import vitprobe.engine.extract.Extractor;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.ExtractionSpec;

/**
 * The heavy stages on Apache Spark: one task per shard. The driver (this JVM) plans the run, holds the output
 * folder's lock and writes the manifest and the report; the tasks write the shards into the same folder, which every
 * executor must reach at the same path (shared storage).
 */
public final class SparkCluster implements Cluster {
    /** The master given when spark-submit chose it (spark.master), rather than a URL. */
    public static final String SUBMIT = "submit";

    @Override
    public Extractor.ShardWriter extraction(String master, ExtractionSpec spec, PrintWriter log) {
        return (pending, out) -> {
            if (pending.isEmpty()) return;
            String dir = out.toAbsolutePath().toString();
            inSession(master, log, spark -> JavaSparkContext.fromSparkContext(spark.sparkContext())
                    .parallelize(List.copyOf(pending), pending.size())
                    .foreach(shard -> ShardTask.write(spec, shard, dir)));
        };
    }

    /**
     * Runs {@code job} in the session already running in this JVM (one a test or an embedding program started),
     * else in a new one on {@code master}, stopped afterwards.
     */
    static void inSession(String master, PrintWriter log, java.util.function.Consumer<SparkSession> job) {
        var running = SparkSession.getDefaultSession();
        if (running.isDefined()) {
            job.accept(running.get());
            return;
        }
        SparkSession.Builder builder = SparkSession.builder().appName("vitprobe");
        if (!master.equals(SUBMIT)) builder.master(master);
        SparkSession spark = builder.getOrCreate();
        log.printf(
                "spark: %s, %d executor cores%n",
                spark.sparkContext().master(), spark.sparkContext().defaultParallelism());
        try {
            job.accept(spark);
        } finally {
            spark.stop();
        }
    }
}
