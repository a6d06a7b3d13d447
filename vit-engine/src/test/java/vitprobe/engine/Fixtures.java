package vitprobe.engine;

import org.junit.jupiter.api.Assumptions;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the oracle fixtures: small ones in test resources, large ones in ../shared/fixtures. */
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

    /**
     * A folder of the shared fixtures. Missing fixtures fail the test under CI (CI=true always has them) and
     * skip it elsewhere.
     */
    public static Path shared(String name) {
        Path root = Path.of(System.getProperty("vitprobe.fixtures", "../../shared/fixtures"));
        Path dir = root.resolve(name);
        if (!Files.isDirectory(dir)) {
            String why = "shared fixture " + dir.toAbsolutePath().normalize() + " not found";
            if ("true".equals(System.getenv("CI"))) throw new AssertionError(why + " (required when CI=true)");
            Assumptions.abort(why);
        }
        return dir;
    }
}
