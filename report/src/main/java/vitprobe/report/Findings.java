package vitprobe.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static vitprobe.report.ResultsFile.format;
import static vitprobe.report.ResultsFile.map;
import static vitprobe.report.ResultsFile.maps;
import static vitprobe.report.ResultsFile.signed;

/**
 * The study's TLDRs as sentences, written from results.json's findings and LayerNorm comparison: which token
 * type and rule win per model, task and category. Markdown inline syntax (**bold**, `code`); the HTML report
 * converts it.
 */
final class Findings {
    private Findings() {}

    static List<String> warnings(ResultsFile results) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> m : results.list("models")) {
            if (Boolean.TRUE.equals(m.get("random_weights"))) {
                out.add("**The weights of " + m.get("name") + " are RANDOM** (`" + m.get("reference") + "`), not a trained model: "
                        + "these numbers show the pipeline working, not what a self-supervised ViT learned (random features can "
                        + "still tell simple colours and shapes apart a little). "
                        + "Pass a real checkpoint (e.g. `--model hf:facebook/dino-vits8`) for the study's results.");
            }
        }
        return out;
    }

    static List<String> sentences(ResultsFile results) {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> f : results.list("findings")) {
            String metric = f.get("metric").equals("f1") ? "F1" : (String) f.get("metric");
            if (f.get("scope").equals("all")) {
                StringBuilder s = new StringBuilder("**" + f.get("model") + " · " + f.get("task") + "**: best " + metric + " "
                        + choice(map(f.get("best"))) + "; worst " + choice(map(f.get("worst"))) + ".");
                List<Map<String, Object>> perRule = maps(f.get("per_rule"));
                if (perRule.size() > 1) {
                    s.append(" Best token type per rule: ");
                    s.append(String.join(", ", perRule.stream().map(c -> rule(c) + " → `" + c.get("token") + "` (" + value(c) + ")").toList()));
                    s.append('.');
                }
                if (f.get("rule_wins") != null) {
                    Map<String, Object> w = map(f.get("rule_wins"));
                    s.append(" Over the ").append(w.get("tokens")).append(" token types the hyperplane is ahead on ").append(w.get("hyperplane"))
                            .append(", the cosine rule on ").append(w.get("cosine"));
                    if (((Number) w.get("ties")).longValue() > 0) s.append(" (tied on ").append(w.get("ties")).append(')');
                    s.append('.');
                }
                out.add(s.toString());
            } else {
                out.add("**" + f.get("model") + " · " + f.get("task") + " · " + f.get("category") + "**: best " + metric + " "
                        + choice(map(f.get("best"))) + "; worst " + choice(map(f.get("worst"))) + ".");
            }
        }
        for (Map<String, Object> e : results.list("layernorm")) {
            Map<String, Object> delta = map(e.get("delta"));
            out.add("**LayerNorm, " + e.get("model") + " · " + e.get("task") + " · " + rule(e) + "**: `y_norm` against `y` changes accuracy by "
                    + signed(((Number) delta.get("accuracy")).doubleValue()) + " and F1 by " + signed(((Number) delta.get("f1")).doubleValue()) + ".");
        }
        return out;
    }

    /** "0.812 with cosine k=5 on `v`". */
    private static String choice(Map<String, Object> c) {
        return value(c) + " with " + rule(c) + " on `" + c.get("token") + "`";
    }

    private static String value(Map<String, Object> c) {
        return format(((Number) c.get("value")).doubleValue());
    }

    static String rule(Map<String, Object> c) {
        return c.get("k") == null ? (String) c.get("rule") : c.get("rule") + " k=" + c.get("k");
    }
}
