package vitprobe.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import vitprobe.probe.distributed.Cluster;
import vitprobe.probe.distributed.SparkMaster;

/** The cluster that --spark (or an experiment's spark block) names, or one line saying why there is none. */
final class Clusters {
    static final String HELP = "Run on Apache Spark: local[*] (local[N]) in this process, a standalone master "
            + "spark://HOST:PORT, or 'submit' under spark-submit (YARN, Kubernetes). Needs Spark on the class path "
            + "(./vitprobe adds it); the model, data set and output must be at the same path on every machine.";

    private Clusters() {}

    /**
     * The master's problem, if any, as the one line of a bad flag (ParameterException, exit 2) when the flag named it,
     * else of bad input; checked before anything is written or started.
     */
    static void check(String master, String asker, CommandLine commandLine) {
        String problem = SparkMaster.problem(master);
        if (problem == null) return;
        if (asker.equals("--spark")) throw new ParameterException(commandLine, asker + ": " + problem);
        throw new IllegalArgumentException(asker + ": master: " + problem);
    }

    /** @param asker what named the master, for the message: "--spark" or "CONFIG: spark" */
    static Cluster find(String master, String asker, PrintWriter err) {
        return Cluster.find(master, err)
                .orElseThrow(() -> new IllegalArgumentException(
                        asker + " needs Apache Spark and the vitprobe-spark module on the class path: "
                                + "run ./vitprobe (it adds them), or spark-submit"));
    }
}
