package vitprobe.testing;

/**
 * Seeds of the tests that draw fresh random data on every run. The seed is printed with the test's name, and
 * {@code -Dvitprobe.test.seed=N} (on the mvn command line, or to the JVM) replays a run.
 */
public final class TestSeeds {
    public static final String PROPERTY = "vitprobe.test.seed";

    private TestSeeds() {}

    /** The given seed when {@value #PROPERTY} is set, else a fresh one; printed either way. */
    public static long seed(String test) {
        String given = System.getProperty(PROPERTY);
        long seed;
        try {
            seed = given == null || given.isBlank() ? System.nanoTime() : Long.parseLong(given.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + " must be an integer, not '" + given + "'");
        }
        System.out.printf("%s: seed %d (replay with -D%s=%d)%n", test, seed, PROPERTY, seed);
        return seed;
    }
}
