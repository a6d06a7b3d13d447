package vitprobe.probe;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Locates the shared oracle fixtures: the folder named by the system property {@code vitprobe.fixtures} (set by
 * surefire to ../shared/fixtures beside the checkout). Missing fixtures fail the test on CI (env CI=true) and
 * skip it elsewhere.
 */
final class Fixtures {
    private Fixtures() {
    }

    static Path resolve(String relative) {
        Path dir = Path.of(System.getProperty("vitprobe.fixtures", "../../shared/fixtures"));
        if (!Files.isDirectory(dir)) {
            String message = "oracle fixtures not found at " + dir.toAbsolutePath().normalize();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(message);
            Assumptions.abort(message);
        }
        return dir.resolve(relative);
    }
}
