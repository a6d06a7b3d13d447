package vitprobe.engine.image;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the shared oracle fixtures: the folder named by the system property {@code vitprobe.fixtures} (set by
 * surefire), else {@value #FALLBACK}. Missing fixtures fail the test on CI (env CI=true) and skip it elsewhere.
 */
final class Fixtures {
    static final String FALLBACK = "/work/shared/fixtures";

    private Fixtures() {}

    static Path dir() {
        String property = System.getProperty("vitprobe.fixtures");
        // Built from the module folder, the property resolves against it and points nowhere; then the fallback applies.
        for (String candidate : new String[] {property, FALLBACK}) {
            if (candidate != null && !candidate.isBlank() && Files.isDirectory(Path.of(candidate))) return Path.of(candidate);
        }
        String message = "oracle fixtures not found (vitprobe.fixtures=" + property + ", fallback " + FALLBACK + ")";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(message);
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    static Path image(String file) {
        return dir().resolve("images").resolve(file);
    }

    static Path preprocessOracle() {
        return dir().resolve("images").resolve("preprocess_oracle.safetensors");
    }
}
