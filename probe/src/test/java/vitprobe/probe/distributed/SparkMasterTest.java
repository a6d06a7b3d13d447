package vitprobe.probe.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SparkMasterTest {
    @Test
    void theFormsSparkAcceptsPass() {
        for (String master : List.of(
                "local",
                "local[1]",
                "local[*]",
                "local[4,2]",
                "local[*, 3]",
                "local-cluster[2,1,1024]",
                "spark://host:7077",
                "spark://a.example:7077,b.example:7078",
                "yarn",
                "k8s://https://api.example:6443",
                "mesos://zk://z:2181/mesos",
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
        assertEquals(
                "'foo://x' is no Spark master: expected local, local[N], local[*], local[N,F], "
                        + "local-cluster[N,C,M], spark://HOST:PORT, yarn, k8s://..., mesos://... or submit",
                SparkMaster.problem("foo://x"));
    }
}
