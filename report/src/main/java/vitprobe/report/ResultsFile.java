package vitprobe.report;

import vitprobe.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * results.json as the report reads it. The report shows nothing that is not in this file: every number it prints
 * is one of its values, formatted by {@link #format}.
 */
record ResultsFile(Path folder, Map<String, Object> json, List<Row> rows) {
    static final List<String> METRICS = List.of("accuracy", "precision", "recall", "f1");

    /** One result row: a concept, a category or all concepts of one cell. k is null for the hyperplane rule. */
    record Row(String model, String task, String token, String rule, Long k, String level, String concept, String category,
               long concepts, Long positives, Long negatives, double[] mean, double[] std) {
        double metric(String name) {
            return mean[METRICS.indexOf(name)];
        }

        /** The standard deviation over trials, or NaN with one trial. */
        double std(String name) {
            return std[METRICS.indexOf(name)];
        }

        /** "hyperplane" or "cosine k=5". */
        String ruleLabel() {
            return k == null ? rule : rule + " k=" + k;
        }
    }

    static ResultsFile read(Path folder) throws IOException {
        Path file = folder.resolve("results.json");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(folder + ": no results.json (run vitprobe experiment first)");
        Map<String, Object> json;
        try {
            json = Json.parseObject(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage());
        }
        if (!"vitprobe-results/1".equals(json.get("format"))) throw new IllegalArgumentException(file + ": not a vitprobe results file (format " + json.get("format") + ")");
        List<Row> rows = maps(json.get("rows")).stream().map(ResultsFile::row).toList();
        return new ResultsFile(folder, json, rows);
    }

    private static Row row(Map<String, Object> m) {
        double[] mean = new double[METRICS.size()], std = new double[METRICS.size()];
        for (int i = 0; i < mean.length; i++) {
            mean[i] = ((Number) m.get(METRICS.get(i))).doubleValue();
            std[i] = m.get(METRICS.get(i) + "_std") instanceof Number n ? n.doubleValue() : Double.NaN;
        }
        return new Row((String) m.get("model"), (String) m.get("task"), (String) m.get("token"), (String) m.get("rule"),
                (Long) m.get("k"), (String) m.get("level"), (String) m.get("concept"), (String) m.get("category"),
                (Long) m.get("concepts"), (Long) m.get("positives"), (Long) m.get("negatives"), mean, std);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> maps(Object list) {
        return list == null ? List.of() : (List<Map<String, Object>>) list;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    List<Map<String, Object>> list(String key) {
        return maps(json.get(key));
    }

    List<String> models() {
        return list("models").stream().map(m -> (String) m.get("name")).toList();
    }

    List<String> tasks() {
        return List.copyOf(map(map(json.get("experiment")).get("tasks")).keySet());
    }

    @SuppressWarnings("unchecked")
    List<String> tokens() {
        return (List<String>) map(json.get("experiment")).get("tokens");
    }

    @SuppressWarnings("unchecked")
    List<String> rules() {
        return (List<String>) map(json.get("experiment")).get("rules");
    }

    /** The k of the cosine rule that bars, tables and findings use (the largest); null without the cosine rule. */
    Long reportK() {
        return (Long) json.get("report_k");
    }

    @SuppressWarnings("unchecked")
    List<Long> ks() {
        return (List<Long>) map(json.get("experiment")).get("k");
    }

    /** Rows of one level at the report's k (the hyperplane's rows have no k). */
    List<Row> headline(String level) {
        return rows.stream().filter(r -> r.level().equals(level) && (r.k() == null || Objects.equals(r.k(), reportK()))).toList();
    }

    /** A metric as every table and sentence prints it. */
    static String format(double v) {
        return String.format(java.util.Locale.ROOT, "%.3f", v);
    }

    /** A difference with its sign. */
    static String signed(double v) {
        String s = format(v);
        return s.startsWith("-") ? s : "+" + s;
    }
}
