package vitprobe.probe.experiment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vitprobe.engine.Intermediate;
import vitprobe.engine.extract.Task;
import vitprobe.probe.Rule;
import vitprobe.probe.experiment.ExperimentConfig.ModelSpec;
import vitprobe.results.CellRow;
import vitprobe.results.Level;

/**
 * One column of the qualitative panels: a model and rule at the segmentation token type (for the cosine rule at the
 * largest k) whose mean F1 is highest, with that cell's F1 per concept.
 */
record PanelColumn(String model, Rule rule, Intermediate token, Integer k, Cell cell, Map<String, Double> conceptF1) {

    /** Per model and rule, in the config's order, the column of its best stored cell. */
    static List<PanelColumn> choose(ExperimentConfig config, List<Cell> plan) throws IOException {
        List<PanelColumn> columns = new ArrayList<>();
        for (ModelSpec m : config.models()) {
            for (Rule rule : config.rules()) columns.add(best(config, plan, m.name(), rule));
        }
        return columns;
    }

    /** A concept's F1 averaged over the columns. */
    static double meanF1(List<PanelColumn> columns, String concept) {
        return columns.stream()
                .mapToDouble(c -> c.conceptF1().get(concept))
                .average()
                .orElse(0);
    }

    private static PanelColumn best(ExperimentConfig config, List<Cell> plan, String model, Rule rule)
            throws IOException {
        Integer headline = config.ks().getLast();
        PanelColumn best = null;
        double bestF1 = -1;
        for (Cell c : plan) {
            boolean eligible = c.model().equals(model)
                    && c.task() == Task.SEGMENTATION
                    && c.rule() == rule
                    && (rule != Rule.COSINE || c.k().equals(headline));
            if (!eligible) continue;
            StoredF1 f1 = StoredF1.of(c.stored(config.output()));
            if (f1.overall() > bestF1) {
                bestF1 = f1.overall();
                best = new PanelColumn(model, rule, c.token(), c.k(), c, f1.perConcept());
            }
        }
        return best;
    }

    /** A stored cell's F1 over all concepts (NaN without that row) and per concept. */
    private record StoredF1(double overall, Map<String, Double> perConcept) {
        static StoredF1 of(Cell.Result cell) {
            Map<String, Double> perConcept = new LinkedHashMap<>();
            double overall = Double.NaN;
            for (CellRow row : cell.rows()) {
                double f1 = row.mean().f1();
                if (row.level() == Level.CONCEPT) perConcept.put(row.concept(), f1);
                if (row.level() == Level.ALL) overall = f1;
            }
            return new StoredF1(overall, perConcept);
        }
    }
}
