package vitprobe.probe.distributed;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a Spark master before anything starts or is written, with the forms Spark accepts: {@code local},
 * {@code local[N]}, {@code local[*]}, {@code local[N,F]}, {@code local[*,F]}, {@code local-cluster[N,C,M]},
 * {@code spark://HOST:PORT[,HOST:PORT...]}, {@code yarn}, {@code k8s://...}, {@code mesos://...}, and vitprobe's
 * own {@code submit} (the master spark-submit chose). Numbers are at least 1.
 */
public final class SparkMaster {
    /** The master given when spark-submit chose it (spark.master), rather than a URL. */
    public static final String SUBMIT = "submit";

    private static final String FORMS = "local, local[N], local[*], local[N,F], local-cluster[N,C,M], "
            + "spark://HOST:PORT, yarn, k8s://..., mesos://... or submit";
    private static final Pattern LOCAL = Pattern.compile("local\\[\\s*(\\d{1,9}|\\*)\\s*(?:,\\s*(\\d{1,9})\\s*)?]");
    private static final Pattern LOCAL_CLUSTER =
            Pattern.compile("local-cluster\\[\\s*(\\d{1,9})\\s*,\\s*(\\d{1,9})\\s*,\\s*(\\d{1,9})\\s*]");
    private static final Pattern HOST_PORT =
            Pattern.compile("[A-Za-z0-9._-]+:(\\d{1,5})|\\[[0-9A-Fa-f:.]+]:(\\d{1,5})");

    private SparkMaster() {}

    /** Why MASTER is no master Spark accepts, or null when it is one. */
    public static String problem(String master) {
        if (master == null || master.isBlank()) return "the master is empty; expected " + FORMS;
        String why = why(master);
        return why == null ? null : "'" + master + "' is no Spark master: " + why;
    }

    private static String why(String master) {
        if (master.equals("local") || master.equals("yarn") || master.equals(SUBMIT)) return null;
        if (master.startsWith("local[")) {
            Matcher m = LOCAL.matcher(master);
            if (!m.matches()) return "expected local[N], local[*], local[N,F] or local[*,F]";
            if (!m.group(1).equals("*") && Integer.parseInt(m.group(1)) < 1) return "N (threads) must be at least 1";
            if (m.group(2) != null && Integer.parseInt(m.group(2)) < 1) return "F (task tries) must be at least 1";
            return null;
        }
        if (master.startsWith("local-cluster")) {
            Matcher m = LOCAL_CLUSTER.matcher(master);
            if (!m.matches()) return "expected local-cluster[N,C,M] (workers, cores per worker, MB per worker)";
            for (int g = 1; g <= 3; g++) if (Integer.parseInt(m.group(g)) < 1) return "N, C and M must be at least 1";
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
        for (String prefix : new String[] {"k8s://", "mesos://"}) {
            if (master.startsWith(prefix)) {
                return master.length() > prefix.length() ? null : "expected a host after " + prefix;
            }
        }
        return "expected " + FORMS;
    }
}
