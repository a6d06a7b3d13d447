package vitprobe.probe;

/** How a concept template projects a feature f onto its direction d before comparing with its threshold. */
public enum Rule {
    /** p(f, d) = d·f: a logistic-regression hyperplane with threshold -bias. */
    HYPERPLANE,
    /** p(f, d) = cos(f, d), optionally after subtracting a centre from f; 0 when f or d is the zero vector. */
    COSINE;

    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The rule a file or flag names, or an exception saying what it may name. */
    public static Rule byKey(String key) {
        for (Rule r : values()) if (r.key().equals(key)) return r;
        throw new IllegalArgumentException("unknown rule '" + key + "' (known: hyperplane, cosine)");
    }
}
