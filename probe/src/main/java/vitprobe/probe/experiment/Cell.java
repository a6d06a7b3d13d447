package vitprobe.probe.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import vitprobe.engine.Intermediate;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.engine.extract.Task;
import vitprobe.io.JsonRecords;
import vitprobe.io.JsonRecords.OmitNull;
import vitprobe.probe.ConceptTemplates;
import vitprobe.probe.CosineTrainer;
import vitprobe.probe.Metrics;
import vitprobe.probe.Rule;
import vitprobe.probe.SampleKind;
import vitprobe.results.CellKey;
import vitprobe.results.CellRow;
import vitprobe.results.Level;
import vitprobe.results.ResultsJson;
import vitprobe.results.Scores;
import vitprobe.results.Spread;
import vitprobe.weights.SafetensorsException;

/**
 * One point of the grid: a model's token type probed for a task with a rule (and for the cosine rule one k).
 * Its result lives in {@code OUT/cells/<model>/<task>/<token>/<rule>[-k<k>].json} (with the templates beside it),
 * written last and atomically, so that a finished cell is one whose file holds the current settings.
 *
 * @param k support images per concept for the cosine rule, null for the hyperplane
 */
record Cell(String model, Task task, Intermediate token, Rule rule, Integer k) implements java.io.Serializable {
    /**
     * A cell's file: the settings it was computed with, its key, the concepts left out and its rows.
     *
     * @param negativesFromOtherCategories concepts whose category has no other concept in the data, so that their
     *     negatives are patches of other categories
     * @param negativesFromOtherConcepts cosine: concepts whose support set held a single positive in some trial,
     *     thresholded against the other concepts' support samples; null when none
     */
    record Result(
            Settings settings,
            CellKey key,
            List<String> skippedConcepts,
            List<String> negativesFromOtherCategories,
            @OmitNull List<String> negativesFromOtherConcepts,
            List<CellRow> rows) {
        /** The note naming the concepts of {@link #negativesFromOtherConcepts}, null when there are none. */
        String otherConceptsNote() {
            return negativesFromOtherConcepts == null
                    ? null
                    : CosineTrainer.negativesFromOtherConceptsNote(negativesFromOtherConcepts, settings.k());
        }

        /** The note naming the concepts with fewer training images than the cell's k, null when none has. */
        String fewerThanK() {
            List<CellRow> fewer = rows.stream().filter(r -> r.support() != null).toList();
            if (fewer.isEmpty()) return null;
            return CosineTrainer.fewerThanK(
                    fewer.stream().map(CellRow::concept).toList(),
                    fewer.stream().mapToInt(CellRow::support).toArray(),
                    settings.k(),
                    settings.trials());
        }
    }

    /**
     * The settings a cell's numbers depend on; a stored cell with other settings is computed again.
     *
     * @param model the model's reference
     * @param splits the train and test split
     * @param patchesPerImage segmentation only
     * @param solver the hyperplane rule only
     * @param k the cosine rule only, as trials and center
     */
    record Settings(
            String model,
            String architecture,
            int block,
            long seed,
            String dtype,
            String precision,
            String dataset,
            List<String> splits,
            @OmitNull Integer patchesPerImage,
            @OmitNull String solver,
            @OmitNull Integer k,
            @OmitNull Integer trials,
            @OmitNull Boolean center)
            implements java.io.Serializable {}

    Path file(Path output) {
        return folder(output).resolve(stem() + ".json");
    }

    Path templates(Path output) {
        return folder(output).resolve(stem() + ".safetensors");
    }

    private Path folder(Path output) {
        return output.resolve("cells").resolve(model).resolve(task.key()).resolve(token.key());
    }

    private String stem() {
        return k == null ? rule.key() : rule.key() + "-k" + k;
    }

    String label() {
        return model + " · " + task.key() + " · " + token.key() + " · " + rule.key() + (k == null ? "" : " k=" + k);
    }

    /** The cell's stored result when it was computed with these settings, else null (to be computed). */
    Result finished(Path output, Settings settings) {
        if (!Files.isRegularFile(file(output)) || !Files.isRegularFile(templates(output))) return null;
        try {
            Result stored = stored(output);
            return stored.settings().equals(settings) ? stored : null;
        } catch (IOException | IllegalArgumentException e) {
            return null; // unreadable: computed again
        }
    }

    /**
     * Why a stored cell with the current settings cannot be reused, naming the file, or null when it can: its key is
     * another cell's, its rows hold metrics the results reader refuses, or its templates (which the qualitative panels
     * and {@code segment} read) cannot be read back whole or were trained for another cell.
     */
    String damaged(Path output, Result stored) {
        if (!stored.key().equals(key())) return file(output) + ": holds the cell " + stored.key() + ", not " + key();
        try {
            ResultsJson.requireMetricsInRange(stored.rows());
        } catch (IllegalArgumentException e) {
            return file(output) + ": " + e.getMessage();
        }
        ConceptTemplates templates;
        try {
            templates = ConceptTemplates.load(templates(output));
        } catch (SafetensorsException | IllegalArgumentException e) {
            return e.getMessage();
        }
        String mismatch = mismatch(templates, stored);
        return mismatch == null ? null : templates(output) + ": " + mismatch;
    }

    /** How templates differ from the cell's as far as their metadata records (k is not recorded), null if not. */
    private String mismatch(ConceptTemplates templates, Result stored) {
        SampleKind kind = task == Task.CLASSIFICATION ? SampleKind.CLS : SampleKind.PATCH;
        FeatureOrigin origin = templates.origin();
        List<String> concepts = stored.rows().stream()
                .filter(r -> r.level() == Level.CONCEPT)
                .map(CellRow::concept)
                .toList();
        if (templates.rule() != rule)
            return "templates of the " + templates.rule().key() + " rule, not " + rule.key();
        if (templates.tokens() != kind)
            return "templates of " + templates.tokens().key() + " samples, not " + kind.key();
        if (origin.tokenType() != null && !origin.tokenType().equals(token.key()))
            return "templates of token type " + origin.tokenType() + ", not " + token.key();
        if (origin.block() != null && origin.block() != stored.settings().block())
            return "templates of block " + origin.block() + ", not "
                    + stored.settings().block();
        if (!templates.concepts().equals(concepts))
            return "templates of the concepts " + templates.concepts() + ", not the cell's " + concepts;
        return null;
    }

    /** The cell's stored result; a file that does not hold one fails naming the file and the place. */
    Result stored(Path output) throws IOException {
        Path f = file(output);
        try {
            return JsonRecords.read(Files.readString(f), Result.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
        }
    }

    /**
     * A segmentation cell's note on concepts with fewer training images than k, as a warning of its task, else null.
     * Classification's are warned of before any work, by the config's check of the smallest class; which patches a
     * segmentation concept has is known only once the features are read.
     */
    static String segmentationNote(Cell cell, String fewerThanK) {
        return cell.task() == Task.SEGMENTATION ? taskNote(cell, fewerThanK) : null;
    }

    /** A cell's note as a warning of its task and model (a grid of several models warns per model), null for none. */
    static String taskNote(Cell cell, String note) {
        return note == null ? null : "tasks." + cell.task().key() + ", model " + cell.model() + ": " + note;
    }

    /** The fields that identify the cell in results.json and results.csv. */
    CellKey key() {
        return new CellKey(model, task.key(), token.key(), rule.key(), k);
    }

    /**
     * Result rows from per-trial metrics (one trial for the hyperplane): per concept, per category and over all
     * concepts, each the mean over trials of the mean over its concepts and, for several trials, the standard
     * deviation over trials as "*_std".
     *
     * @param categories per concept its category name, or null without categories
     */
    /** @param supports per concept the cosine support images each trial drew; null for the hyperplane rule */
    static List<CellRow> rows(
            List<String> concepts,
            List<String> categories,
            int[] positives,
            int[] negatives,
            int[] supports,
            Integer k,
            List<Metrics[]> trials) {
        List<CellRow> rows = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        Map<String, List<Integer>> byCategory = new TreeMap<>();
        for (int c = 0; c < concepts.size(); c++) {
            rows.add(row(
                    Level.CONCEPT,
                    concepts.get(c),
                    categories == null ? null : categories.get(c),
                    List.of(c),
                    positives[c],
                    negatives[c],
                    supports != null && supports[c] < k ? supports[c] : null,
                    trials));
            all.add(c);
            if (categories != null)
                byCategory
                        .computeIfAbsent(categories.get(c), x -> new ArrayList<>())
                        .add(c);
        }
        byCategory.forEach((category, members) ->
                rows.add(row(Level.CATEGORY, null, category, members, null, null, null, trials)));
        rows.add(row(Level.ALL, null, null, all, null, null, null, trials));
        return rows;
    }

    private static CellRow row(
            Level level,
            String concept,
            String category,
            List<Integer> members,
            Integer positives,
            Integer negatives,
            Integer support,
            List<Metrics[]> trials) {
        List<Metrics> perTrial = new ArrayList<>();
        for (Metrics[] trial : trials)
            perTrial.add(Metrics.mean(members.stream().map(c -> trial[c]).toList()));
        Scores mean = Metrics.mean(perTrial).scores();
        Spread std = trials.size() > 1 ? Spread.of(Metrics.std(perTrial).scores()) : Spread.NONE;
        return new CellRow(level, concept, category, members.size(), positives, negatives, support, mean, std);
    }
}
