package vitprobe.spark;

/**
 * A task out of memory, as a failure of that task: Spark's executor ends its JVM on an OutOfMemoryError (exit code
 * 52), which in local mode is the command itself.
 */
final class TaskMemory {
    private TaskMemory() {}

    /** One line saying what ran out and what to raise; the error itself is not kept, so nothing sees it as fatal. */
    static IllegalStateException outOfMemory(OutOfMemoryError e) {
        String what = e.getMessage() == null ? "" : e.getMessage() + ", ";
        long limitMiB = Runtime.getRuntime().maxMemory() >> 20;
        return new IllegalStateException("out of memory in a Spark task (" + what + "heap limit " + limitMiB
                + " MiB); give the executors more memory (spark.executor.memory; in local mode this JVM's heap: "
                + "VITPROBE_JAVA_OPTS=-Xmx... with ./vitprobe, or --driver-memory under spark-submit)");
    }
}
