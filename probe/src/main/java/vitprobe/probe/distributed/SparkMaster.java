package vitprobe.probe.distributed;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Spark master before anything starts or is written, accepting only the forms this build runs: {@code local},
 * {@code local[N]}, {@code local[*]}, {@code local[N,F]}, {@code local[*,F]}, {@code spark://HOST:PORT[,HOST:PORT...]}
 * and vitprobe's own {@code submit} (the master spark-submit chose). Numbers are at least 1. YARN, Kubernetes, Mesos
 * and local-cluster masters are refused: their cluster managers (or a Spark installation) are not on our class path,
 * so Spark would fail only once started; spark-submit brings them, with {@code submit}.
 */
public final class SparkMaster {
    /** The master given when spark-submit chose it (spark.master), rather than a URL. */
    public static final String SUBMIT = "submit";

    private static final String FORMS =
            "local, local[N], local[*], local[N,F], local[*,F], spark://HOST:PORT[,HOST:PORT...] or submit";
    /** As Spark parses it: blanks only around the comma. */
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d{1,9}|\\*)(?:\\s*,\\s*(\\d{1,9}))?]");

    private static final Pattern HOST_PORT =
            Pattern.compile("[A-Za-z0-9._-]+:(\\d{1,5})|\\[[0-9A-Fa-f:.]+]:(\\d{1,5})");
    /** Masters Spark knows whose cluster managers this build does not have. */
    private static final Pattern NOT_RUN_HERE = Pattern.compile("yarn|(k8s|mesos)://.*|local-cluster\\[.*");

    private SparkMaster() {}

    /** Why MASTER is no master this build runs, or null when it is one. */
    public static String problem(String master) {
        if (master == null || master.isBlank()) return "the master is empty; expected " + FORMS;
        if (NOT_RUN_HERE.matcher(master).matches()) {
            return "'" + master + "' is a master this build cannot run (under spark-submit use --spark submit): "
                    + "expected " + FORMS;
        }
        String why = why(master);
        return why == null ? null : "'" + master + "' is no Spark master: " + why;
    }

    private static String why(String master) {
        if (master.equals("local") || master.equals(SUBMIT)) return null;
        if (master.startsWith("local[")) {
            Matcher m = LOCAL.matcher(master);
            if (!m.matches()) return "expected local[N], local[*], local[N,F] or local[*,F]";
            if (!m.group(1).equals("*") && Integer.parseInt(m.group(1)) < 1) return "N (threads) must be at least 1";
            if (m.group(2) != null && Integer.parseInt(m.group(2)) < 1) return "F (task tries) must be at least 1";
            return null;
        }
        if (master.startsWith("spark://")) {
            for (String hostPort : master.substring("spark://".length()).split(",", -1)) {
                Matcher m = HOST_PORT.matcher(hostPort);
                if (!m.matches()) return "expected spark://HOST:PORT[,HOST:PORT...]";
                int port = Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
                if (port < 1 || port > 65535) return "port " + port + " is outside 1..65535";
            }
            return null;
        }
        return "expected " + FORMS;
    }
}
