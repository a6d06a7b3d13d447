package vitprobe.cli;

import java.io.PrintWriter;
import vitprobe.probe.distributed.Cluster;

/** The cluster that --spark (or an experiment's spark block) names, or one line saying why there is none. */
final class Clusters {
    static final String HELP = "Run on Apache Spark: local[*] in this process, a cluster's master URL, or 'submit' "
            + "under spark-submit. Needs Spark on the class path (./vitprobe adds it); the model, data set and "
            + "output must be at the same path on every machine.";

    private Clusters() {}

    /** @param asker what named the master, for the message: "--spark" or "CONFIG: spark" */
    static Cluster find(String master, String asker, PrintWriter err) {
        return Cluster.find(master, err)
                .orElseThrow(() -> new IllegalArgumentException(
                        asker + " needs Apache Spark and the vitprobe-spark module on the class path: "
                                + "run ./vitprobe (it adds them), or spark-submit"));
    }
}
