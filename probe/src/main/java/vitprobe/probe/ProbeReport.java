package vitprobe.probe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of probing as a JSON-ready map: per concept its name, category, test positives and metrics (for the
 * cosine rule the mean and, as "*_std", the standard deviation over trials), then means per category and overall.
 */
public final class ProbeReport {
    private static final String[] FIELDS = {"accuracy", "precision", "recall", "f1"};

    private ProbeReport() {
    }

    /** Fails unless test can evaluate templates trained on train: same feature dimension and concepts. */
    public static void requireCompatible(ProbeData train, ProbeData test) {
        if (train.dim() != test.dim()) {
            throw new IllegalArgumentException(test.source() + ": features have " + test.dim() + " dimensions but " + train.source() + " has " + train.dim());
        }
        if (!train.concepts().equals(test.concepts())) {
            throw new IllegalArgumentException(test.source() + ": concepts differ from those of " + train.source()
                    + " (" + test.conceptCount() + " vs " + train.conceptCount() + " columns; names and order must match)");
        }
    }

    /**
     * @param metrics  per trial, per concept (one trial for the hyperplane rule)
     * @param settings extra top-level entries (options used), written after "rule"
     */
    public static Map<String, Object> build(Rule rule, ProbeData test, Evaluation.TestSet[] sets, List<Metrics[]> metrics,
                                            Map<String, Object> settings) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("rule", rule.key());
        report.putAll(settings);
        List<Object> concepts = new ArrayList<>();
        List<Metrics> means = new ArrayList<>();
        Map<Long, List<Metrics>> byCategory = new TreeMap<>();
        for (int c = 0; c < test.conceptCount(); c++) {
            List<Metrics> trials = new ArrayList<>();
            for (Metrics[] m : metrics) trials.add(m[c]);
            Metrics mean = Metrics.mean(trials);
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", test.concepts().get(c));
            entry.put("category", test.category(c));
            entry.put("positives", sets[c].positives().length);
            entry.put("negatives", sets[c].negatives().length);
            put(entry, mean, "");
            if (rule == Rule.COSINE) put(entry, Metrics.std(trials), "_std");
            concepts.add(entry);
            means.add(mean);
            if (test.hasCategories()) byCategory.computeIfAbsent(test.category(c), k -> new ArrayList<>()).add(mean);
        }
        report.put("concepts", concepts);
        if (test.hasCategories()) {
            List<Object> categories = new ArrayList<>();
            byCategory.forEach((category, list) -> {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("category", category);
                entry.put("concepts", list.size());
                put(entry, Metrics.mean(list), "");
                categories.add(entry);
            });
            report.put("categories", categories);
        }
        Map<String, Object> overall = new LinkedHashMap<>();
        put(overall, Metrics.mean(means), "");
        report.put("mean", overall);
        return report;
    }

    private static void put(Map<String, Object> entry, Metrics m, String suffix) {
        double[] values = {m.accuracy(), m.precision(), m.recall(), m.f1()};
        for (int k = 0; k < FIELDS.length; k++) entry.put(FIELDS[k] + suffix, values[k]);
    }
}
