package vitprobe.results;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * What results.json states about its rows: the findings (which token type and rule win) and the LayerNorm
 * comparison. Made here from the rows alone, so that the experiment runner writes them and the report redraws them
 * from the same rows with the same code.
 */
public final class Headlines {
    private Headlines() {}

    /** The metric a task's findings compare: accuracy for classification, F1 for segmentation. */
    public static String metricOf(String task) {
        return task.equals("classification") ? "accuracy" : "f1";
    }

    /** Whether a row is one the findings and tables use: the hyperplane's, or the cosine rule's at the report's k. */
    public static Predicate<ResultRow> atReportK(Integer reportK) {
        return r -> r.cell().k() == null || r.cell().k().equals(reportK);
    }

    /**
     * Per model and task, over all concepts and per category: the best and worst (token type, rule) by the task's
     * metric at the report's k, the best token type of each rule, and over all concepts on how many token types each
     * rule beats the other.
     */
    public static List<Finding> findings(Experiment experiment, List<ResultRow> rows, Integer reportK) {
        List<Finding> findings = new ArrayList<>();
        for (String model : experiment.models().keySet()) {
            for (String task : experiment.tasks().keySet()) {
                String metric = metricOf(task);
                List<ResultRow> cells = rows.stream()
                        .filter(r -> r.cell().model().equals(model)
                                && r.cell().task().equals(task)
                                && atReportK(reportK).test(r))
                        .toList();
                Set<String> categories = cells.stream()
                        .filter(r -> r.row().level() == Level.CATEGORY)
                        .map(r -> r.row().category())
                        .collect(Collectors.toCollection(LinkedHashSet::new));
                List<String> scopes = new ArrayList<>();
                scopes.add(null);
                scopes.addAll(categories);
                for (String category : scopes) {
                    List<ResultRow> candidates = cells.stream()
                            .filter(r -> category == null
                                    ? r.row().level() == Level.ALL
                                    : r.row().level() == Level.CATEGORY
                                            && category.equals(r.row().category()))
                            .toList();
                    if (candidates.isEmpty()) continue;
                    Comparator<ResultRow> byMetric = Comparator.comparingDouble(r -> r.metric(metric));
                    List<Finding.Choice> perRule = new ArrayList<>();
                    for (String rule : experiment.rules()) {
                        candidates.stream()
                                .filter(r -> r.cell().rule().equals(rule))
                                .max(byMetric)
                                .ifPresent(r -> perRule.add(choice(r, metric)));
                    }
                    boolean overall = category == null;
                    findings.add(new Finding(
                            model,
                            task,
                            metric,
                            overall ? Level.ALL : Level.CATEGORY,
                            category,
                            choice(candidates.stream().max(byMetric).orElseThrow(), metric),
                            choice(candidates.stream().min(byMetric).orElseThrow(), metric),
                            perRule,
                            overall && experiment.rules().size() == 2
                                    ? ruleWins(experiment.tokens(), candidates, metric)
                                    : null));
                }
            }
        }
        return findings;
    }

    private static Finding.Choice choice(ResultRow row, String metric) {
        return new Finding.Choice(
                row.cell().token(), row.cell().rule(), row.cell().k(), row.metric(metric));
    }

    /** On how many token types the hyperplane beats the cosine rule, and the other way round; null for none. */
    private static Finding.RuleWins ruleWins(List<String> tokens, List<ResultRow> overall, String metric) {
        int hyperplane = 0, cosine = 0, ties = 0, compared = 0;
        for (String token : tokens) {
            Optional<ResultRow> h = row(overall, token, "hyperplane"), c = row(overall, token, "cosine");
            if (h.isEmpty() || c.isEmpty()) continue;
            compared++;
            double difference = h.get().metric(metric) - c.get().metric(metric);
            if (difference > 0) hyperplane++;
            else if (difference < 0) cosine++;
            else ties++;
        }
        return compared == 0 ? null : new Finding.RuleWins(hyperplane, cosine, ties, compared);
    }

    private static Optional<ResultRow> row(List<ResultRow> rows, String token, String rule) {
        return rows.stream()
                .filter(r -> r.cell().token().equals(token) && r.cell().rule().equals(rule))
                .findFirst();
    }

    /** The study's Table 1: y against y_norm (the final LayerNorm) over all concepts, per model, task and rule. */
    public static List<LayerNormComparison> layerNorm(Experiment experiment, List<ResultRow> rows, Integer reportK) {
        List<LayerNormComparison> out = new ArrayList<>();
        if (!experiment.tokens().contains("y") || !experiment.tokens().contains("y_norm")) return out;
        for (String model : experiment.models().keySet()) {
            for (String task : experiment.tasks().keySet()) {
                for (String rule : experiment.rules()) {
                    Map<String, ResultRow> byToken = new LinkedHashMap<>();
                    for (ResultRow r : rows) {
                        CellKey cell = r.cell();
                        if (cell.model().equals(model)
                                && cell.task().equals(task)
                                && cell.rule().equals(rule)
                                && r.row().level() == Level.ALL
                                && atReportK(reportK).test(r)) byToken.put(cell.token(), r);
                    }
                    ResultRow y = byToken.get("y"), yNorm = byToken.get("y_norm");
                    if (y == null || yNorm == null) continue;
                    Scores before = y.row().mean(), after = yNorm.row().mean();
                    out.add(new LayerNormComparison(
                            model, task, rule, y.cell().k(), before, after, after.minus(before)));
                }
            }
        }
        return out;
    }
}
