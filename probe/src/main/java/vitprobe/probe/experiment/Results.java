package vitprobe.probe.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import vitprobe.engine.Intermediate;
import vitprobe.engine.extract.Task;
import vitprobe.probe.Rule;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.probe.experiment.ExperimentConfig.TaskSpec;
import vitprobe.results.CellKey;
import vitprobe.results.CellRow;
import vitprobe.results.Finding;
import vitprobe.results.LayerNormComparison;
import vitprobe.results.Level;
import vitprobe.results.ModelDescription;
import vitprobe.results.QualitativePanel;
import vitprobe.results.ResultRow;
import vitprobe.results.ResultsCsv;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;
import vitprobe.results.Scores;
import vitprobe.results.SkippedConcepts;

/**
 * Gathers the finished cells into {@code results.json} and {@code results.csv}. results.json holds everything
 * the report shows, so that the report only formats it: the rows (per model, task, token type, rule, k: one per
 * concept, per category and over all concepts), the LayerNorm comparison (y vs y_norm), the findings (which token
 * type and rule win per model, task and category) and the qualitative panels.
 */
final class Results {
    private Results() {}

    static Path write(
            ExperimentConfig config,
            List<Cell> plan,
            Map<String, ModelDescription> models,
            Map<String, List<String>> skipped,
            List<QualitativePanel> qualitative)
            throws IOException {
        List<ResultRow> rows = new ArrayList<>();
        Set<String> warnings = new LinkedHashSet<>(config.warnings());
        for (Cell c : plan) {
            Cell.Result stored = c.stored(config.output());
            for (CellRow row : stored.rows()) rows.add(new ResultRow(c.key(), row));
            for (String note : Arrays.asList(
                    Cell.segmentationNote(c, stored.fewerThanK()), Cell.taskNote(c, stored.otherConceptsNote()))) {
                if (note != null) warnings.add(note);
            }
        }
        Integer reportK = config.rules().contains(Rule.COSINE) ? config.ks().getLast() : null;
        Predicate<ResultRow> headline =
                r -> r.cell().k() == null || r.cell().k().equals(reportK);
        List<SkippedConcepts> skippedList = new ArrayList<>();
        skipped.forEach((key, names) -> {
            if (!names.isEmpty()) {
                int slash = key.indexOf('/');
                skippedList.add(new SkippedConcepts(key.substring(0, slash), key.substring(slash + 1), names));
            }
        });
        ResultsDocument results = new ResultsDocument(
                ResultsDocument.FORMAT,
                config.describe(),
                List.copyOf(models.values()),
                reportK,
                skippedList,
                warnings.isEmpty() ? null : List.copyOf(warnings),
                findings(config, rows, headline),
                layerNorm(config, rows, headline),
                qualitative,
                rows);
        Path json = config.output().resolve("results.json");
        ResultsJson.write(json, results);
        ResultsCsv.write(config.output().resolve("results.csv"), rows);
        return json;
    }

    private static String metricOf(Task task) {
        return task == Task.CLASSIFICATION ? "accuracy" : "f1";
    }

    private static Finding.Choice choice(ResultRow row, String metric) {
        return new Finding.Choice(
                row.cell().token(), row.cell().rule(), row.cell().k(), row.metric(metric));
    }

    /**
     * Per model and task, over all concepts and per category: the best and worst (token type, rule) by the task's
     * metric (accuracy for classification, F1 for segmentation) at the report's k, the best token type of each
     * rule, and over all concepts on how many token types each rule beats the other.
     */
    private static List<Finding> findings(
            ExperimentConfig config, List<ResultRow> rows, Predicate<ResultRow> headline) {
        List<Finding> findings = new ArrayList<>();
        for (ModelSpec m : config.models()) {
            for (TaskSpec t : config.tasks()) {
                String metric = metricOf(t.task());
                List<ResultRow> cells = rows.stream()
                        .filter(r -> r.cell().model().equals(m.name())
                                && r.cell().task().equals(t.task().key())
                                && headline.test(r))
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
                    Comparator<ResultRow> byMetric = Comparator.comparingDouble(r -> r.metric(metric));
                    List<Finding.Choice> perRule = new ArrayList<>();
                    for (Rule rule : config.rules()) {
                        candidates.stream()
                                .filter(r -> r.cell().rule().equals(rule.key()))
                                .max(byMetric)
                                .ifPresent(r -> perRule.add(choice(r, metric)));
                    }
                    boolean overall = category == null;
                    findings.add(new Finding(
                            m.name(),
                            t.task().key(),
                            metric,
                            overall ? Level.ALL : Level.CATEGORY,
                            category,
                            choice(candidates.stream().max(byMetric).orElseThrow(), metric),
                            choice(candidates.stream().min(byMetric).orElseThrow(), metric),
                            perRule,
                            overall && config.rules().size() == 2 ? ruleWins(config, candidates, metric) : null));
                }
            }
        }
        return findings;
    }

    /** On how many token types the hyperplane beats the cosine rule, and the other way round. */
    private static Finding.RuleWins ruleWins(ExperimentConfig config, List<ResultRow> overall, String metric) {
        int hyperplane = 0, cosine = 0, ties = 0;
        for (Intermediate token : config.tokens()) {
            double h = metricOf(overall, token, Rule.HYPERPLANE, metric);
            double c = metricOf(overall, token, Rule.COSINE, metric);
            if (h > c) hyperplane++;
            else if (c > h) cosine++;
            else ties++;
        }
        return new Finding.RuleWins(hyperplane, cosine, ties, config.tokens().size());
    }

    private static double metricOf(List<ResultRow> rows, Intermediate token, Rule rule, String metric) {
        return rows.stream()
                .filter(r ->
                        r.cell().token().equals(token.key()) && r.cell().rule().equals(rule.key()))
                .mapToDouble(r -> r.metric(metric))
                .findFirst()
                .orElseThrow();
    }

    /** The study's Table 1: y against y_norm (the final LayerNorm) over all concepts, per model, task and rule. */
    private static List<LayerNormComparison> layerNorm(
            ExperimentConfig config, List<ResultRow> rows, Predicate<ResultRow> headline) {
        List<LayerNormComparison> out = new ArrayList<>();
        if (!config.tokens().contains(Intermediate.Y) || !config.tokens().contains(Intermediate.Y_NORM)) return out;
        for (ModelSpec m : config.models()) {
            for (TaskSpec t : config.tasks()) {
                for (Rule rule : config.rules()) {
                    Map<String, ResultRow> byToken = new LinkedHashMap<>();
                    for (ResultRow r : rows) {
                        CellKey cell = r.cell();
                        if (cell.model().equals(m.name())
                                && cell.task().equals(t.task().key())
                                && cell.rule().equals(rule.key())
                                && r.row().level() == Level.ALL
                                && headline.test(r)) {
                            byToken.put(cell.token(), r);
                        }
                    }
                    Scores y = byToken.get("y").row().mean(),
                            yNorm = byToken.get("y_norm").row().mean();
                    out.add(new LayerNormComparison(
                            m.name(),
                            t.task().key(),
                            rule.key(),
                            byToken.get("y").cell().k(),
                            y,
                            yNorm,
                            yNorm.minus(y)));
                }
            }
        }
        return out;
    }
}
