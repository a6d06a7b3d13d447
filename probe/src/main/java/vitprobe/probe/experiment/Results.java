package vitprobe.probe.experiment;

import vitprobe.engine.Intermediate;
import vitprobe.engine.extract.Task;
import vitprobe.probe.Rule;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Gathers the finished cells into {@code results.json} and {@code results.csv}. results.json holds everything
 * the report shows, so that the report only formats it: the rows (per model, task, token type, rule, k: one per
 * concept, per category and over all concepts), the LayerNorm comparison (y vs y_norm), the findings (which token
 * type and rule win per model, task and category) and the qualitative panels.
 */
final class Results {
    static final String FORMAT = "vitprobe-results/1";
    static final List<String> METRICS = List.of("accuracy", "precision", "recall", "f1");
    private static final List<String> CSV_COLUMNS = List.of("model", "task", "token", "rule", "k", "level", "concept", "category",
            "concepts", "positives", "negatives", "accuracy", "precision", "recall", "f1", "accuracy_std", "precision_std", "recall_std", "f1_std");

    private Results() {}

    static Path write(ExperimentConfig config, List<Cell> plan, Map<String, Map<String, Object>> models,
                      Map<String, List<String>> skipped, List<Map<String, Object>> qualitative) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Cell c : plan) {
            for (Object r : (List<?>) Json.parseObject(Files.readString(c.file(config.output()))).get("rows")) {
                Map<String, Object> row = new LinkedHashMap<>(c.key());
                ((Map<?, ?>) r).forEach((k, v) -> row.put((String) k, v));
                rows.add(row);
            }
        }
        Long reportK = config.rules().contains(Rule.COSINE) ? Long.valueOf(config.ks().getLast()) : null;
        Predicate<Map<String, Object>> headline = r -> r.get("k") == null || Objects.equals(number(r.get("k")), reportK);

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("format", FORMAT);
        results.put("experiment", config.describe());
        results.put("models", List.copyOf(models.values()));
        results.put("report_k", reportK);
        List<Map<String, Object>> skippedList = new ArrayList<>();
        skipped.forEach((key, names) -> {
            if (names.isEmpty()) return;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", key.substring(0, key.indexOf('/')));
            m.put("task", key.substring(key.indexOf('/') + 1));
            m.put("concepts", names);
            skippedList.add(m);
        });
        results.put("skipped_concepts", skippedList);
        results.put("findings", findings(config, rows, headline));
        results.put("layernorm", layerNorm(config, rows, headline));
        results.put("qualitative", qualitative);
        results.put("rows", rows);
        Path json = config.output().resolve("results.json");
        AtomicFiles.writeString(json, Json.writePretty(results));
        AtomicFiles.writeString(config.output().resolve("results.csv"), csv(rows));
        return json;
    }

    private static Long number(Object v) {
        return v == null ? null : ((Number) v).longValue();
    }

    private static double value(Map<String, Object> row, String metric) {
        return ((Number) row.get(metric)).doubleValue();
    }

    private static String metricOf(Task task) {
        return task == Task.CLASSIFICATION ? "accuracy" : "f1";
    }

    private static Map<String, Object> choice(Map<String, Object> row, String metric) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("token", row.get("token"));
        m.put("rule", row.get("rule"));
        m.put("k", row.get("k"));
        m.put("value", row.get(metric));
        return m;
    }

    /**
     * Per model and task, over all concepts and per category: the best and worst (token type, rule) by the task's
     * metric (accuracy for classification, F1 for segmentation) at the report's k, the best token type of each
     * rule, and over all concepts on how many token types each rule beats the other.
     */
    private static List<Map<String, Object>> findings(ExperimentConfig config, List<Map<String, Object>> rows,
                                                      Predicate<Map<String, Object>> headline) {
        List<Map<String, Object>> findings = new ArrayList<>();
        for (ModelSpec m : config.models()) {
            for (TaskSpec t : config.tasks()) {
                String metric = metricOf(t.task());
                List<Map<String, Object>> cells = rows.stream().filter(r -> r.get("model").equals(m.name())
                        && r.get("task").equals(t.task().key()) && headline.test(r)).toList();
                Set<String> categories = cells.stream().filter(r -> r.get("level").equals("category"))
                        .map(r -> (String) r.get("category")).collect(Collectors.toCollection(LinkedHashSet::new));
                List<String> scopes = new ArrayList<>();
                scopes.add(null);
                scopes.addAll(categories);
                for (String category : scopes) {
                    List<Map<String, Object>> candidates = cells.stream().filter(r -> category == null ? r.get("level").equals("all")
                            : r.get("level").equals("category") && category.equals(r.get("category"))).toList();
                    Comparator<Map<String, Object>> byMetric = Comparator.comparingDouble(r -> value(r, metric));
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("model", m.name());
                    f.put("task", t.task().key());
                    f.put("metric", metric);
                    f.put("scope", category == null ? "all" : "category");
                    f.put("category", category);
                    f.put("best", choice(candidates.stream().max(byMetric).orElseThrow(), metric));
                    f.put("worst", choice(candidates.stream().min(byMetric).orElseThrow(), metric));
                    List<Map<String, Object>> perRule = new ArrayList<>();
                    for (Rule rule : config.rules()) {
                        candidates.stream().filter(r -> r.get("rule").equals(rule.key())).max(byMetric)
                                .ifPresent(r -> perRule.add(choice(r, metric)));
                    }
                    f.put("per_rule", perRule);
                    if (category == null && config.rules().size() == 2) f.put("rule_wins", ruleWins(config, candidates, metric));
                    findings.add(f);
                }
            }
        }
        return findings;
    }

    /** On how many token types the hyperplane beats the cosine rule, and the other way round. */
    private static Map<String, Object> ruleWins(ExperimentConfig config, List<Map<String, Object>> overall, String metric) {
        int hyperplane = 0, cosine = 0, ties = 0;
        for (Intermediate token : config.tokens()) {
            double h = overall.stream().filter(r -> r.get("token").equals(token.id()) && r.get("rule").equals("hyperplane")).mapToDouble(r -> value(r, metric)).findFirst().orElseThrow();
            double c = overall.stream().filter(r -> r.get("token").equals(token.id()) && r.get("rule").equals("cosine")).mapToDouble(r -> value(r, metric)).findFirst().orElseThrow();
            if (h > c) hyperplane++;
            else if (c > h) cosine++;
            else ties++;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("hyperplane", hyperplane);
        m.put("cosine", cosine);
        m.put("ties", ties);
        m.put("tokens", config.tokens().size());
        return m;
    }

    /** The study's Table 1: y against y_norm (the final LayerNorm) over all concepts, per model, task and rule. */
    private static List<Map<String, Object>> layerNorm(ExperimentConfig config, List<Map<String, Object>> rows,
                                                       Predicate<Map<String, Object>> headline) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!config.tokens().contains(Intermediate.Y) || !config.tokens().contains(Intermediate.Y_NORM)) return out;
        for (ModelSpec m : config.models()) {
            for (TaskSpec t : config.tasks()) {
                for (Rule rule : config.rules()) {
                    Map<String, Map<String, Object>> byToken = new LinkedHashMap<>();
                    for (Map<String, Object> r : rows) {
                        if (r.get("model").equals(m.name()) && r.get("task").equals(t.task().key()) && r.get("rule").equals(rule.key())
                                && r.get("level").equals("all") && headline.test(r)) byToken.put((String) r.get("token"), r);
                    }
                    Map<String, Object> y = byToken.get("y"), yNorm = byToken.get("y_norm");
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("model", m.name());
                    e.put("task", t.task().key());
                    e.put("rule", rule.key());
                    e.put("k", y.get("k"));
                    Map<String, Object> a = new LinkedHashMap<>(), b = new LinkedHashMap<>(), delta = new LinkedHashMap<>();
                    for (String metric : METRICS) {
                        a.put(metric, y.get(metric));
                        b.put(metric, yNorm.get(metric));
                        delta.put(metric, value(yNorm, metric) - value(y, metric));
                    }
                    e.put("y", a);
                    e.put("y_norm", b);
                    e.put("delta", delta);
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String csv(List<Map<String, Object>> rows) {
        StringBuilder sb = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (Map<String, Object> row : rows) {
            sb.append(CSV_COLUMNS.stream().map(c -> field(row.get(c))).collect(Collectors.joining(","))).append('\n');
        }
        return sb.toString();
    }

    private static String field(Object v) {
        if (v == null) return "";
        String s = String.valueOf(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
