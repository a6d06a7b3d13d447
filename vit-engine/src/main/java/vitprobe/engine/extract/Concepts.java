package vitprobe.engine.extract;

import java.util.List;

/**
 * The label columns of a data set.
 *
 * @param names         one name per concept (label column)
 * @param categories    per concept, its index into {@code categoryNames}; null when the data set has no categories
 * @param categoryNames the category names (empty without categories)
 */
public record Concepts(List<String> names, long[] categories, List<String> categoryNames) {
    public Concepts {
        names = List.copyOf(names);
        categoryNames = List.copyOf(categoryNames);
        if (names.isEmpty()) throw new IllegalArgumentException("a data set needs at least one concept");
        if (categories != null) {
            if (categories.length != names.size()) {
                throw new IllegalArgumentException(categories.length + " categories for " + names.size() + " concepts");
            }
            for (long c : categories) {
                if (c < 0 || c >= categoryNames.size())
                    throw new IllegalArgumentException(
                            "category index " + c + " outside 0.." + (categoryNames.size() - 1));
            }
            categories = categories.clone();
        }
    }

    /** Concepts without categories, e.g. the classes of an image classification set. */
    public static Concepts classes(List<String> names) {
        return new Concepts(names, null, List.of());
    }

    public int size() {
        return names.size();
    }

    @Override
    public long[] categories() {
        return categories == null ? null : categories.clone();
    }
}
