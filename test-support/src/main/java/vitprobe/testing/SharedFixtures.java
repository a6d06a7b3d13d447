package vitprobe.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The oracle fixtures in ../shared/fixtures (the folder named by the system property {@code vitprobe.fixtures},
 * which surefire sets). CI always has them, so there a missing folder fails the test; elsewhere it skips it.
 */
public final class SharedFixtures {
    /** The four checkpoint folders the fixtures README describes. */
    public static final String TIMM_DINO = "timm-dino-vits8-depth2";

    public static final String TIMM_MAE = "timm-mae-vitb16-depth1";
    public static final String HF_VIT = "hf-vit-dino-format-small";
    public static final String HF_VIT_MAE = "hf-vitmae-pretraining-format-small";

    private SharedFixtures() {}

    /** A file or folder of the shared fixtures, e.g. {@code images/coffee.jpg} or {@link #TIMM_DINO}. */
    public static Path resolve(String relative) {
        Path root = Path.of(System.getProperty("vitprobe.fixtures", "../../shared/fixtures"));
        Path path = root.resolve(relative);
        if (!Files.exists(path)) {
            String why = "shared fixture " + path.toAbsolutePath().normalize() + " not found";
            if ("true".equalsIgnoreCase(System.getenv("CI")))
                throw new AssertionError(why + " (required when CI=true)");
            Assumptions.abort(why);
        }
        return path;
    }
}
