package vitprobe.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;
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

    private static final String STANDALONE = "spark://";
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    /** How long a standalone master has to register the application: it answers in well under a second. */
    private static final int REGISTRATION_S = 15;

    private static final String CREATED_AT = "This stopped SparkContext was created at:";
    /** Where Spark logs a failed task: the executor running it and the scheduler retrying or giving up. */
    private static final List<String> TASK_FAILURE_LOGGERS = List.of(
            "org.apache.spark.executor.Executor",
            "org.apache.spark.scheduler.TaskSetManager",
            "org.apache.spark.scheduler.TaskSchedulerImpl");
    /** The files the driver writes into an extraction folder before any task runs. */
    private final String master;

    private final PrintWriter log;
    private final BooleanSupplier ending;
    private SparkSession started;
    /** The task failure loggers' levels before the first job, set back by {@link #close}. */
    private Map<String, Level> levelsBefore;

    /** Found through ServiceLoader by {@link Cluster#find}. */
    public static final class Provider implements Cluster.Provider {
        @Override
        public Cluster connect(String master, PrintWriter log) {
            return new SparkCluster(master, log);
        }
    }

    SparkCluster(String master, PrintWriter log) {
        this(master, log, SparkCluster::jvmEnding);
    }

    /** @param ending whether the JVM is ending (tests cannot end theirs) */
    SparkCluster(String master, PrintWriter log, BooleanSupplier ending) {
        this.master = master;
        this.log = log;
        this.ending = ending;
    }

    /** True once Ctrl-C or kill began ending the JVM: then no shutdown hook can be added. */
    private static boolean jvmEnding() {
        Thread probe = new Thread(() -> {});
        try {
            Runtime.getRuntime().addShutdownHook(probe);
        } catch (IllegalStateException shuttingDown) {
            return true;
        }
        Runtime.getRuntime().removeShutdownHook(probe);
        return false;
    }

    @Override
    public Extractor.ShardWriter extraction(ExtractionSpec spec) {
        return (pending, out, written) -> {
            if (pending.isEmpty()) return;
            String dir = out.toAbsolutePath().toString();
            try {
                job(() -> {
                    JavaSparkContext context = context();
                    String group = "vitprobe-extraction-" + UUID.randomUUID();
                    ShardsWritten listener = new ShardsWritten(group, pending, written);
                    context.sc().addSparkListener(listener);
                    context.setJobGroup(group, "vitprobe extraction", false);
                    try {
                        context.parallelize(List.copyOf(pending), pending.size())
                                .foreach(shard -> ShardTask.write(spec, shard, dir));
                        listener.awaitAll();
                    } finally {
                        context.clearJobGroup();
                        context.sc().removeSparkListener(listener);
                    }
                    return null;
                });
            } finally {
                ShardTask.closeIdle(); // in local mode the executor is this JVM: the model goes with the job
            }
        };
    }

    /**
     * Tells {@code written} of each shard as its task of the job in {@code group} succeeds: the job has a partition
     * a shard, so a task's index is its shard's place in {@code pending}.
     */
    private static final class ShardsWritten extends SparkListener {
        /** How long the driver waits, after the job, for the events of its last tasks (they come on their own). */
        private static final long LATE_EVENTS_SECONDS = 5;

        private final String group;
        private final List<Extractor.Shard> pending;
        private final Consumer<Extractor.Shard> written;
        private final Set<Integer> stages = ConcurrentHashMap.newKeySet(), told = ConcurrentHashMap.newKeySet();
        private final CountDownLatch left;

        ShardsWritten(String group, List<Extractor.Shard> pending, Consumer<Extractor.Shard> written) {
            this.group = group;
            this.pending = pending;
            this.written = written;
            this.left = new CountDownLatch(pending.size());
        }

        @Override
        public void onJobStart(SparkListenerJobStart start) {
            if (start.properties() != null && group.equals(start.properties().getProperty("spark.jobGroup.id"))) {
                for (Object stage : CollectionConverters.asJava(start.stageIds())) stages.add((Integer) stage);
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            TaskInfo task = end.taskInfo();
            int index = task.index();
            if (stages.contains(end.stageId()) && task.successful() && index < pending.size() && told.add(index)) {
                written.accept(pending.get(index));
                left.countDown();
            }
        }

        /** Waits a little for the events of tasks that ended just before the job did. */
        void awaitAll() {
            try {
                left.await(LATE_EVENTS_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the caller tells of the rest itself
            }
        }
    }

    /** One task per block of a cell's concepts; the driver joins each cell's blocks and writes its files. */
    @Override
    public ExperimentRunner.CellRunner probing(int conceptsPerTask) {
        return cells -> {
            if (cells.isEmpty()) return List.of();
            List<List<CellProbe.Block>> byCell = new ArrayList<>();
            for (CellProbe cell : cells) byCell.add(cell.blocks(conceptsPerTask));
            List<CellProbe.Block> blocks = byCell.stream().flatMap(List::stream).toList();
            List<CellProbe.Part> parts;
            try {
                parts = job(() -> context()
                        .parallelize(blocks, blocks.size())
                        .map(CellTask::run)
                        .collect());
            } finally {
                CellTask.clear(); // in local mode the executor is this JVM: the features go with the job
            }
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
     * Runs a Spark job, failing as its failed task did: the task's own exception (the line the same failure gives
     * outside Spark), not Spark's wrapper with the remote stack trace in its message. Spark's logs of the failed
     * tasks (errors with stack traces, warnings of lost tasks) are kept off stderr until {@link #close}, since the
     * caller reports the failure; tasks killed after the job failed are logged late, so the levels stay down.
     */
    private <T> T job(Supplier<T> work) throws IOException {
        synchronized (this) {
            if (levelsBefore == null) levelsBefore = quiet(TASK_FAILURE_LOGGERS);
        }
        try {
            return work.get();
        } catch (Exception e) { // Scala throws SparkException (checked) undeclared
            // Spark's shutdown hook stopped the context under the job: as without Spark, an interruption is no failure
            if (ending.getAsBoolean()) throw new IllegalStateException("interrupted", e);
            throw taskFailure(e);
        }
    }

    /** The first exception under Spark's wrappers, rethrown as it is when the caller can; else one line of it. */
    private static RuntimeException taskFailure(Exception e) throws IOException {
        Throwable cause = e;
        while (cause instanceof SparkException && cause.getCause() != null) cause = cause.getCause();
        if (cause instanceof IOException io) throw io;
        if (cause instanceof RuntimeException r) return r;
        if (cause instanceof Error error) throw error;
        // Without a cause (a class the driver cannot load, say), the message's first line names the failure; the
        // rest is the task's stack trace.
        String first = e.getMessage() == null
                ? e.getClass().getSimpleName()
                : e.getMessage().lines().findFirst().orElse("");
        return new IllegalStateException("the Spark job failed: " + first, e);
    }

    /**
     * The session already running in this JVM (one a test or an embedding program started), else one started on
     * the master on first use and stopped by {@link #close}.
     */
    private synchronized JavaSparkContext context() {
        var running = SparkSession.getDefaultSession();
        if (running.isDefined())
            return JavaSparkContext.fromSparkContext(running.get().sparkContext());
        requireReachable();
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
        Map<String, Level> before = quiet(List.of("org.apache.spark"));
        Thread starter = null;
        try {
            if (!master.startsWith(STANDALONE)) return builder.getOrCreate();
            // Spark waits on its registration with a standalone master, retrying for about a minute; a master
            // that has not answered within seconds is none (a port some other server holds, say).
            CompletableFuture<SparkSession> starting = new CompletableFuture<>();
            starter = Thread.ofPlatform().daemon().name("vitprobe-spark-start").start(() -> {
                try {
                    starting.complete(builder.getOrCreate());
                } catch (Throwable e) {
                    starting.completeExceptionally(e);
                }
            });
            return starting.get(REGISTRATION_S, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            // Interrupted, Spark stops waiting for the registration and stops the half-made context.
            starter.interrupt();
            try {
                starter.join(REGISTRATION_S * 1000L);
            } catch (InterruptedException again) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("no Spark master answers at " + master + " (no registration within "
                    + REGISTRATION_S + " s; is it a Spark master's port?)");
        } catch (Exception e) { // Scala throws checked exceptions (SparkException) undeclared
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException(
                    "Spark did not start on master '" + master + "': " + advised(master, oneLine(cause)), cause);
        } finally {
            Configurator.setLevel(before);
        }
    }

    /** Turns these loggers off; returns their levels before, to be set back with {@link Configurator#setLevel}. */
    private static Map<String, Level> quiet(List<String> loggers) {
        Map<String, Level> before = new HashMap<>();
        for (String name : loggers) {
            before.put(name, LogManager.getLogger(name).getLevel());
            Configurator.setLevel(name, Level.OFF);
        }
        return before;
    }

    /**
     * A standalone master that does not take a TCP connection fails here, at once, naming it: Spark registers in the
     * background and gives up only after about a minute, when the caller has long begun writing.
     */
    private void requireReachable() {
        if (!master.startsWith(STANDALONE)) return;
        String why = "";
        for (String hostPort : master.substring(STANDALONE.length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) return; // no port to try: Spark names the malformed master itself
            String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            var address = new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
            if (address.isUnresolved()) {
                why = "unknown host " + host;
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(address, CONNECT_TIMEOUT_MS);
                return; // one live master of a list is enough: Spark finds the leader
            } catch (IOException e) {
                why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            }
        }
        throw new IllegalStateException("Spark master " + master + " is not reachable: " + why);
    }

    /** Spark's message, its advice replaced where it names what vitprobe does not have. */
    static String advised(String master, String message) {
        if (master.equals(SUBMIT) && message.startsWith("A master URL must be set"))
            return "--spark submit works only under spark-submit, which sets the master";
        int advice = message.indexOf(" Please increase heap size using the --driver-memory option");
        if (advice < 0) return message;
        return message.substring(0, advice) + " Give this JVM a larger heap: VITPROBE_JAVA_OPTS=-Xmx1g with"
                + " ./vitprobe (--driver-memory under spark-submit)";
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null
                && (root.getMessage() == null || root.getMessage().isBlank())) root = root.getCause();
        String m = root.getMessage();
        if (m == null || m.isBlank()) return root.getClass().getSimpleName();
        // Spark appends stack traces to some messages ("This stopped SparkContext was created at:" and its frames).
        int trace = m.indexOf(CREATED_AT);
        return (trace < 0 ? m : m.substring(0, trace))
                .lines()
                .findFirst()
                .orElse("")
                .strip();
    }

    @Override
    public synchronized void close() {
        if (started != null) started.stop();
        started = null;
        if (levelsBefore != null) Configurator.setLevel(levelsBefore);
        levelsBefore = null;
    }
}
