package vitprobe.weights;

/** Numeric settings given as {@code -Dname=value}; a value that is set but unusable is an error, not ignored. */
public final class SystemProperties {
    private SystemProperties() {}

    /**
     * The property as a positive long, {@code fallback} when it is unset; any other value fails with an
     * {@link IllegalArgumentException} naming the property and the value.
     */
    public static long positiveLong(String name, long fallback) {
        return positive(name, fallback, Long.MAX_VALUE);
    }

    /** As {@link #positiveLong}, for a setting that must fit an int. */
    public static int positiveInt(String name, int fallback) {
        return (int) positive(name, fallback, Integer.MAX_VALUE);
    }

    private static long positive(String name, long fallback, long max) {
        String value = System.getProperty(name);
        if (value == null) return fallback;
        long parsed;
        try {
            parsed = Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            parsed = 0; // reported below
        }
        String setting = "-D" + name + "=" + value;
        if (parsed <= 0) throw new IllegalArgumentException(setting + " is not a positive whole number");
        if (parsed > max) throw new IllegalArgumentException(setting + " is over the limit of " + max);
        return parsed;
    }
}
