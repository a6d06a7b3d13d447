package vitprobe.probe.experiment;

import vitprobe.engine.Intermediate;
import vitprobe.engine.extract.Task;
import vitprobe.probe.Metrics;
import vitprobe.probe.Rule;
import vitprobe.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One point of the grid: a model's token type probed for a task with a rule (and for the cosine rule one k).
 * Its result lives in {@code OUT/cells/<model>/<task>/<token>/<rule>[-k<k>].json} (with the templates beside it),
 * written last and atomically, so that a finished cell is one whose file holds the current settings.
 *
 * @param k support images per concept for the cosine rule, null for the hyperplane
 */
record Cell(String model, Task task, Intermediate token, Rule rule, Integer k) {
    private static final String[] FIELDS = {"accuracy", "precision", "recall", "f1"};

    Path file(Path output) {
        return folder(output).resolve(stem() + ".json");
    }

    Path templates(Path output) {
        return folder(output).resolve(stem() + ".safetensors");
    }

    private Path folder(Path output) {
        return output.resolve("cells").resolve(model).resolve(task.key()).resolve(token.id());
    }

    private String stem() {
        return k == null ? rule.key() : rule.key() + "-k" + k;
    }

    String label() {
        return model + " · " + task.key() + " · " + token.id() + " · " + rule.key() + (k == null ? "" : " k=" + k);
    }

    /** The cell's stored result when it was computed with these settings, else null (to be computed). */
    Map<String, Object> finished(Path output, Map<String, Object> settings) {
        Path f = file(output);
        if (!Files.isRegularFile(f) || !Files.isRegularFile(templates(output))) return null;
        try {
            Map<String, Object> stored = Json.parseObject(Files.readString(f));
            return Json.write(stored.get("settings")).equals(Json.write(settings)) ? stored : null;
        } catch (IOException | IllegalArgumentException e) {
            return null; // unreadable: computed again
        }
    }

    /** The fields that identify the cell in results.json and results.csv. */
    Map<String, Object> key() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("task", task.key());
        m.put("token", token.id());
        m.put("rule", rule.key());
        m.put("k", k);
        return m;
    }

    /**
     * Result rows from per-trial metrics (one trial for the hyperplane): per concept, per category and over all
     * concepts, each the mean over trials of the mean over its concepts and, for several trials, the standard
     * deviation over trials as "*_std".
     *
     * @param categories per concept its category name, or null without categories
     */
    static List<Map<String, Object>> rows(List<String> concepts, List<String> categories, int[] positives, int[] negatives,
                                          List<Metrics[]> trials) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        Map<String, List<Integer>> byCategory = new TreeMap<>();
        for (int c = 0; c < concepts.size(); c++) {
            Map<String, Object> row = row("concept", concepts.get(c), categories == null ? null : categories.get(c), 1);
            row.put("positives", positives[c]);
            row.put("negatives", negatives[c]);
            putMetrics(row, trials, List.of(c));
            rows.add(row);
            all.add(c);
            if (categories != null) byCategory.computeIfAbsent(categories.get(c), x -> new ArrayList<>()).add(c);
        }
        byCategory.forEach((category, members) -> {
            Map<String, Object> row = row("category", null, category, members.size());
            putMetrics(row, trials, members);
            rows.add(row);
        });
        Map<String, Object> row = row("all", null, null, all.size());
        putMetrics(row, trials, all);
        rows.add(row);
        return rows;
    }

    private static Map<String, Object> row(String level, String concept, String category, int count) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("level", level);
        row.put("concept", concept);
        row.put("category", category);
        row.put("concepts", count);
        row.put("positives", null);
        row.put("negatives", null);
        return row;
    }

    private static void putMetrics(Map<String, Object> row, List<Metrics[]> trials, List<Integer> members) {
        List<Metrics> perTrial = new ArrayList<>();
        for (Metrics[] trial : trials) perTrial.add(Metrics.mean(members.stream().map(c -> trial[c]).toList()));
        double[] mean = values(Metrics.mean(perTrial)), std = values(Metrics.std(perTrial));
        for (int f = 0; f < FIELDS.length; f++) row.put(FIELDS[f], mean[f]);
        for (int f = 0; f < FIELDS.length; f++) row.put(FIELDS[f] + "_std", trials.size() > 1 ? std[f] : null);
    }

    private static double[] values(Metrics m) {
        return new double[]{m.accuracy(), m.precision(), m.recall(), m.f1()};
    }
}
