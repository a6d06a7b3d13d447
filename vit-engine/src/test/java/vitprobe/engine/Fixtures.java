package vitprobe.engine;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The small oracle fixtures bundled in test resources (the large ones: {@code vitprobe.testing.SharedFixtures}). */
public final class Fixtures {
    private Fixtures() {}

    /** A fixture folder bundled in test resources. */
    public static Path bundled(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("bundled fixture " + name + " missing from test resources", e);
        }
    }
}
