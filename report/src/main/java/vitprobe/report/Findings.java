package vitprobe.report;

import static vitprobe.report.Markdown.code;
import static vitprobe.report.Markdown.text;
import static vitprobe.report.ResultsFile.format;
import static vitprobe.report.ResultsFile.signed;

import java.util.ArrayList;
import java.util.List;
import vitprobe.results.CellKey;
import vitprobe.results.Finding;
import vitprobe.results.LayerNormComparison;
import vitprobe.results.Level;
import vitprobe.results.ModelDescription;
import vitprobe.results.ResultRow;

/**
 * The study's TLDRs as sentences, written from results.json's findings and LayerNorm comparison: which token
 * type and rule win per model, task and category. Markdown inline syntax (**bold**, `code`) with every name
 * escaped ({@link Markdown}); the HTML report converts it.
 */
final class Findings {
    private Findings() {}

    static List<String> warnings(ResultsFile results) {
        List<String> out = new ArrayList<>();
        for (ModelDescription m : results.results().models()) {
            if (m.randomWeights()) {
                out.add("**The weights of " + text(m.name()) + " are RANDOM** (" + code(m.reference()) + "), "
                        + "not a trained model: "
                        + "these numbers show the pipeline working, not what a self-supervised ViT learned (random features can "
                        + "still tell simple colours and shapes apart a little). "
                        + "Pass a real checkpoint (e.g. `--model hf:facebook/dino-vits8`) for the study's results.");
            }
        }
        if (results.results().warnings() != null)
            for (String w : results.results().warnings()) out.add(text(w));
        return out;
    }

    static List<String> sentences(ResultsFile results) {
        List<String> out = new ArrayList<>();
        for (Finding f : results.results().findings()) {
            if (f.scope() == Level.ALL) {
                StringBuilder s = new StringBuilder("**" + text(f.model()) + " · " + text(f.task()) + "**: "
                        + bestAndWorst(f, compared(results, f)));
                List<Finding.Choice> perRule = f.perRule();
                if (perRule.size() > 1) {
                    s.append(" Best token type per rule: ");
                    s.append(String.join(
                            ", ",
                            perRule.stream()
                                    .map(c -> rule(c.rule(), c.k()) + " → " + code(c.token()) + " (" + format(c.value())
                                            + ")")
                                    .toList()));
                    s.append('.');
                }
                if (f.ruleWins() != null) {
                    Finding.RuleWins w = f.ruleWins();
                    s.append(" Over the ")
                            .append(w.tokens())
                            .append(" token types the hyperplane is ahead on ")
                            .append(w.hyperplane())
                            .append(", the cosine rule on ")
                            .append(w.cosine());
                    if (w.ties() > 0) s.append(" (tied on ").append(w.ties()).append(')');
                    s.append('.');
                }
                out.add(s.toString());
            } else {
                out.add("**" + text(f.model()) + " · " + text(f.task()) + " · " + text(f.category()) + "**: "
                        + bestAndWorst(f, compared(results, f)));
            }
        }
        for (LayerNormComparison e : results.results().layernorm()) {
            out.add("**LayerNorm, " + text(e.model()) + " · " + text(e.task()) + " · " + rule(e.rule(), e.k())
                    + "**: `y_norm` against `y` changes accuracy by "
                    + signed(e.delta().accuracy()) + " and F1 by "
                    + signed(e.delta().f1()) + ".");
        }
        return out;
    }

    /** The rows a finding compares: its model and task over all concepts or in its category, at the report's k. */
    private static List<ResultRow> compared(ResultsFile results, Finding f) {
        return results.headline(f.scope()).stream()
                .filter(r -> r.cell().model().equals(f.model())
                        && r.cell().task().equals(f.task())
                        && (f.scope() == Level.ALL
                                || f.category().equals(r.row().category())))
                .toList();
    }

    /**
     * "best F1 0.812 with cosine k=5 on `v`; worst 0.701 with hyperplane on `k`.", naming every cell tied at the best
     * or the worst as printed; the one value where only one cell was compared; a tie where every cell prints alike.
     */
    private static String bestAndWorst(Finding f, List<ResultRow> compared) {
        String metric = f.metric().equals("f1") ? "F1" : f.metric();
        List<ResultRow> best = at(compared, f.metric(), f.best().value()),
                worst = at(compared, f.metric(), f.worst().value());
        if (compared.size() <= 1) return metric + " " + choice(f.best()) + ", the only token type and rule.";
        if (best.size() == compared.size()) {
            String value = metric + " " + format(f.best().value());
            if (best.size() > MAX_NAMED) return "all " + best.size() + " token types and rules tie at " + value + ".";
            return sameRule(best)
                    ? tokens(best) + " tie at " + value + " with "
                            + text(best.getFirst().cell().ruleLabel()) + "."
                    : cells(best) + " tie at " + value + ".";
        }
        return "best " + metric + " " + format(f.best().value()) + " with " + cells(best) + "; worst "
                + format(f.worst().value()) + " with " + cells(worst) + ".";
    }

    /** More tied cells than this are counted, not named. */
    private static final int MAX_NAMED = 4;

    /** The rows whose metric prints as {@code value} does. */
    private static List<ResultRow> at(List<ResultRow> rows, String metric, double value) {
        return rows.stream()
                .filter(r -> format(r.metric(metric)).equals(format(value)))
                .toList();
    }

    private static boolean sameRule(List<ResultRow> rows) {
        return rows.stream().map(r -> r.cell().ruleLabel()).distinct().count() == 1;
    }

    /** "hyperplane on `y` and `y_norm`", or "hyperplane on `y` and cosine k=2 on `k`" across rules. */
    private static String cells(List<ResultRow> rows) {
        if (rows.size() > MAX_NAMED) return rows.size() + " token types and rules";
        if (sameRule(rows)) return text(rows.getFirst().cell().ruleLabel()) + " on " + tokens(rows);
        return and(rows.stream()
                .map(r -> text(r.cell().ruleLabel()) + " on " + code(r.cell().token()))
                .toList());
    }

    private static String tokens(List<ResultRow> rows) {
        return and(rows.stream().map(r -> code(r.cell().token())).toList());
    }

    /** "a", "a and b", "a, b and c". */
    private static String and(List<String> names) {
        if (names.size() == 1) return names.getFirst();
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
    }

    /** "0.812 with cosine k=5 on `v`". */
    private static String choice(Finding.Choice c) {
        return format(c.value()) + " with " + rule(c.rule(), c.k()) + " on " + code(c.token());
    }

    private static String rule(String rule, Integer k) {
        return text(CellKey.ruleLabel(rule, k));
    }
}
