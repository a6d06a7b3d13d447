package vitprobe.results;

import java.util.Locale;

/** What a result row averages over: one concept, the concepts of one category, or all concepts of a cell. */
public enum Level {
    CONCEPT,
    CATEGORY,
    ALL;

    /** The name in results.json and results.csv. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
