package vitprobe.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' Spark: local mode on the loopback address, no web UI; the clusters the tests open join it. */
final class LocalSpark {
    /** Two task threads, and a failed task is tried again once (local mode's default is no retry). */
    static final String MASTER = "local[2,2]";

    private LocalSpark() {}

    static SparkSession start() {
        return SparkSession.builder()
                .master(MASTER)
                .appName("vitprobe-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }
}
