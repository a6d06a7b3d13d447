package vitprobe.probe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SparkMasterTest {
    private static final String ACCEPTED =
            "local, local[N], local[*], local[N,F], local[*,F], spark://HOST:PORT[,HOST:PORT...] or submit";

    @Test
    void theFormsThisBuildRunsPass() {
        for (String master : List.of(
                "local",
                "local[1]",
                "local[*]",
                "local[4,2]",
                "local[*, 3]",
                "spark://host:7077",
                "spark://a.example:7077,b.example:7078",
                "submit")) {
            assertNull(SparkMaster.problem(master), master);
        }
    }

    @Test
    void anythingElseIsNamedInOneLine() {
        for (String master : List.of(
                "foo://x",
                "",
                " ",
                "local[0]",
                "local[abc]",
                "local[2",
                "local[2,0]",
                "local[ 2 ]",
                "local[2 ,3 ]",
                "local-cluster[2,1]",
                "local-cluster[0,1,1024]",
                "spark://host",
                "spark://host:7077,",
                "spark://host:99999",
                "k8s://",
                "Local",
                "yarn-client")) {
            String problem = SparkMaster.problem(master);
            assertNotNull(problem, master);
            assertEquals(-1, problem.indexOf('\n'), problem);
        }
        assertEquals("'local[0]' is no Spark master: N (threads) must be at least 1", SparkMaster.problem("local[0]"));
        assertEquals("'foo://x' is no Spark master: expected " + ACCEPTED, SparkMaster.problem("foo://x"));
    }

    /** Spark parses these, but their cluster managers are not on this build's class path: they failed at start. */
    @Test
    void mastersThisBuildCannotRunAreRefusedListingTheAcceptedForms() {
        for (String master : List.of(
                "yarn", "k8s://https://api.example:6443", "mesos://zk://z:2181/mesos", "local-cluster[2,1,1024]")) {
            assertEquals(
                    "'" + master + "' is a master this build cannot run (under spark-submit use --spark submit): "
                            + "expected " + ACCEPTED,
                    SparkMaster.problem(master));
        }
    }
}
