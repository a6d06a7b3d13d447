package vitprobe.engine;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import vitprobe.weights.ViTConfig;

/** The tensors of a transformer block that can be captured, named as on the command line. */
public enum Intermediate {
    /** LayerNorm 1 output: the attention branch's input. */
    NORM1,
    /** Queries, keys and values: heads concatenated head-major, [B, N, D]. */
    Q,
    K,
    V,
    /** Softmax attention probabilities, [B, heads, N, N]: large, so only on request. */
    ATTN,
    /** Attention output before the projection. */
    CONTEXT,
    /** Attention branch after the projection. */
    ATTN_OUT,
    /** Residual stream after the attention branch (the input of LayerNorm 2). */
    X,
    NORM2,
    /** MLP hidden activations after GELU, [B, N, 4D]. */
    MLP_HIDDEN,
    MLP_OUT,
    /** Block output. */
    Y,
    /** The model's final LayerNorm applied to the block output. */
    Y_NORM;

    /** The paper's six token types, extracted when nothing else is asked for. */
    public static final Set<Intermediate> PAPER = EnumSet.of(Q, K, V, X, Y, Y_NORM);

    /** Whether the tensor holds one vector per token, [B, N, width]; attn, [B, heads, N, N], does not. */
    public boolean perToken() {
        return this != ATTN;
    }

    /** Values per token: the model's width, the MLP's hidden width for mlp_hidden. */
    public int width(ViTConfig c) {
        if (!perToken()) throw new IllegalArgumentException(key() + " is not a feature per token");
        return this == MLP_HIDDEN ? c.mlpDim() : c.dim();
    }

    /** The name used in flags, configs and files ("y_norm"). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Intermediate byKey(String id) {
        for (Intermediate i : values()) if (i.key().equals(id.trim().toLowerCase(Locale.ROOT))) return i;
        throw new IllegalArgumentException("unknown intermediate '" + id.trim() + "' (known: "
                + String.join(", ", keys(EnumSet.allOf(Intermediate.class))) + ")");
    }

    /** Parses a comma-separated list; "all" means every intermediate, "paper" the six paper token types. */
    public static Set<Intermediate> parseList(String list) {
        if (list.trim().equals("all")) return EnumSet.allOf(Intermediate.class);
        if (list.trim().equals("paper")) return EnumSet.copyOf(PAPER);
        Set<Intermediate> set = EnumSet.noneOf(Intermediate.class);
        for (String s : list.split(",")) if (!s.isBlank()) set.add(byKey(s));
        if (set.isEmpty()) throw new IllegalArgumentException("no intermediates requested");
        return set;
    }

    public static List<String> keys(Set<Intermediate> set) {
        List<String> out = new ArrayList<>();
        for (Intermediate i : set) out.add(i.key());
        return out;
    }
}
