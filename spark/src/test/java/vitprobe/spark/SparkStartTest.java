package vitprobe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.apache.logging.log4j.LogManager;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Spark that cannot start on its master says so in one line, before the caller has written anything. */
class SparkStartTest {
    @Test
    void aMasterSparkCannotUseFailsAtStartInOneLine() {
        assumeTrue(SparkSession.getDefaultSession().isEmpty(), "another test class's session is still running");
        var before = LogManager.getLogger("org.apache.spark").getLevel();
        StringWriter log = new StringWriter();
        // A well-formed master whose cluster manager (Spark's YARN module) is not on the class path.
        try (SparkCluster cluster = new SparkCluster("yarn", new PrintWriter(log, true))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, cluster::start);
            assertEquals("Spark did not start on master 'yarn': Could not parse Master URL: 'yarn'", e.getMessage());
        }
        assertEquals("", log.toString());
        assertEquals(before, LogManager.getLogger("org.apache.spark").getLevel(), "Spark's logging as it was");
        assertEquals(true, SparkSession.getDefaultSession().isEmpty());
    }

    /**
     * A standalone master nobody answers at fails at once, naming it: Spark registers in the background and gave up
     * only after about 70 s, when the command had written its manifest and lock.
     */
    @Test
    void anUnreachableStandaloneMasterFailsAtOnceInOneLine() throws IOException {
        assumeTrue(SparkSession.getDefaultSession().isEmpty(), "another test class's session is still running");
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        String master = "spark://127.0.0.1:" + port;
        long start = System.nanoTime();
        StringWriter log = new StringWriter();
        try (SparkCluster cluster = new SparkCluster(master, new PrintWriter(log, true))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, cluster::start);
            assertEquals("Spark master " + master + " is not reachable: Connection refused", e.getMessage());
        }
        assertTrue(System.nanoTime() - start < 10_000_000_000L, "failed within 10 s");
        assertEquals("", log.toString());
        assertEquals(true, SparkSession.getDefaultSession().isEmpty());
    }
    /**
     * Regression: a port that takes TCP but is no Spark master (an HTTP server) hung ~70 s while Spark retried its
     * registration, then failed with Spark's stack-trace-like "stopped SparkContext" text as the line.
     */
    @Test
    void aPortThatIsNoSparkMasterFailsWithinSecondsInOneLine() throws Exception {
        assumeTrue(SparkSession.getDefaultSession().isEmpty(), "another test class's session is still running");
        var http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.start();
        String master = "spark://127.0.0.1:" + http.getAddress().getPort();
        long start = System.nanoTime();
        try (SparkCluster cluster = new SparkCluster(master, new PrintWriter(new StringWriter(), true))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, cluster::start);
            assertTrue(e.getMessage().startsWith("no Spark master answers at " + master + " ("), e.getMessage());
            assertTrue(
                    !e.getMessage().contains("created at")
                            && e.getMessage().lines().count() == 1,
                    e.getMessage());
        } finally {
            http.stop(0);
        }
        assertTrue(System.nanoTime() - start < 30_000_000_000L, "failed within 30 s");
    }

    /** Regression: Spark's own advice named flags vitprobe does not have (--driver-memory) or no cause at all. */
    @Test
    void sparkStartFailuresSayWhatToDoWithVitprobe() {
        assertEquals(
                "System memory 314572800 must be at least 471859200. Give this JVM a larger heap:"
                        + " VITPROBE_JAVA_OPTS=-Xmx1g with ./vitprobe (--driver-memory under spark-submit)",
                SparkCluster.advised(
                        "local[2]",
                        "System memory 314572800 must be at least 471859200. Please increase heap size using the"
                                + " --driver-memory option or spark.driver.memory in Spark configuration."));
        assertTrue(TaskMemory.outOfMemory(new OutOfMemoryError("Java heap space"))
                .getMessage()
                .contains("this JVM's heap: VITPROBE_JAVA_OPTS=-Xmx... with ./vitprobe, or --driver-memory"));
    }

    @Test
    void submitOutsideSparkSubmitSaysItNeedsSparkSubmit() {
        assumeTrue(SparkSession.getDefaultSession().isEmpty(), "another test class's session is still running");
        assumeTrue(System.getProperty("spark.master") == null, "spark.master is set");
        try (SparkCluster cluster = new SparkCluster("submit", new PrintWriter(new StringWriter(), true))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, cluster::start);
            assertEquals(
                    "Spark did not start on master 'submit': --spark submit works only under spark-submit, which"
                            + " sets the master",
                    e.getMessage());
        }
    }
}
