package vitprobe.report;

import static vitprobe.report.ResultsFile.format;
import static vitprobe.report.ResultsFile.signed;

import java.util.ArrayList;
import java.util.List;
import vitprobe.results.CellKey;
import vitprobe.results.Finding;
import vitprobe.results.LayerNormComparison;
import vitprobe.results.Level;
import vitprobe.results.ModelDescription;

/**
 * The study's TLDRs as sentences, written from results.json's findings and LayerNorm comparison: which token
 * type and rule win per model, task and category. Markdown inline syntax (**bold**, `code`); the HTML report
 * converts it.
 */
final class Findings {
    private Findings() {}

    static List<String> warnings(ResultsFile results) {
        List<String> out = new ArrayList<>();
        for (ModelDescription m : results.results().models()) {
            if (m.randomWeights()) {
                out.add("**The weights of " + m.name() + " are RANDOM** (`" + m.reference() + "`), "
                        + "not a trained model: "
                        + "these numbers show the pipeline working, not what a self-supervised ViT learned (random features can "
                        + "still tell simple colours and shapes apart a little). "
                        + "Pass a real checkpoint (e.g. `--model hf:facebook/dino-vits8`) for the study's results.");
            }
        }
        if (results.results().warnings() != null) out.addAll(results.results().warnings());
        return out;
    }

    static List<String> sentences(ResultsFile results) {
        List<String> out = new ArrayList<>();
        for (Finding f : results.results().findings()) {
            if (f.scope() == Level.ALL) {
                StringBuilder s = new StringBuilder("**" + f.model() + " · " + f.task() + "**: " + bestAndWorst(f));
                List<Finding.Choice> perRule = f.perRule();
                if (perRule.size() > 1) {
                    s.append(" Best token type per rule: ");
                    s.append(String.join(
                            ", ",
                            perRule.stream()
                                    .map(c -> rule(c) + " → `" + c.token() + "` (" + format(c.value()) + ")")
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
                out.add("**" + f.model() + " · " + f.task() + " · " + f.category() + "**: " + bestAndWorst(f));
            }
        }
        for (LayerNormComparison e : results.results().layernorm()) {
            out.add("**LayerNorm, " + e.model() + " · " + e.task() + " · " + CellKey.ruleLabel(e.rule(), e.k())
                    + "**: `y_norm` against `y` changes accuracy by "
                    + signed(e.delta().accuracy()) + " and F1 by "
                    + signed(e.delta().f1()) + ".");
        }
        return out;
    }

    /**
     * "best F1 0.812 with cosine k=5 on `v`; worst 0.701 with hyperplane on `k`.", or the one value where the best
     * and the worst are one cell, or tie as printed.
     */
    private static String bestAndWorst(Finding f) {
        String metric = f.metric().equals("f1") ? "F1" : f.metric();
        Finding.Choice best = f.best(), worst = f.worst();
        if (best.equals(worst)) return metric + " " + choice(best) + ", the only token type and rule.";
        if (format(best.value()).equals(format(worst.value())))
            return "every token type and rule reaches " + metric + " " + format(best.value()) + " (a tie).";
        return "best " + metric + " " + choice(best) + "; worst " + choice(worst) + ".";
    }

    /** "0.812 with cosine k=5 on `v`". */
    private static String choice(Finding.Choice c) {
        return format(c.value()) + " with " + rule(c) + " on `" + c.token() + "`";
    }

    private static String rule(Finding.Choice c) {
        return CellKey.ruleLabel(c.rule(), c.k());
    }
}
