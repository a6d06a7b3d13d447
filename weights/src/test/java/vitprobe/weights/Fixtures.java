package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the shared oracle fixtures: the folder named by the system property {@code vitprobe.fixtures} (set by
 * surefire to ../shared/fixtures beside the checkout). Missing fixtures fail the test on CI (env CI=true) and
 * skip it elsewhere.
 */
final class Fixtures {
    /** The four checkpoint folders described in the fixtures README. */
    static final String TIMM_DINO = "timm-dino-vits8-depth2";
    static final String TIMM_MAE = "timm-mae-vitb16-depth1";
    static final String HF_VIT = "hf-vit-dino-format-small";
    static final String HF_VIT_MAE = "hf-vitmae-pretraining-format-small";

    /** One checkpoint fixture as the README and its config.json describe it. */
    record Model(String folder, Layout layout, int dim, int depth, int heads, int patch, int tokens, int mlp,
                 double eps, DType dtype, int tensorCount, Map<String, String> metadata, List<String> images) {
        @Override
        public String toString() {
            return folder;
        }
    }

    static final List<Model> MODELS = List.of(
            new Model(TIMM_DINO, Layout.TIMM, 384, 2, 6, 8, 785, 1536, 1e-6, DType.F32, 30, Map.of(), List.of("astronaut")),
            new Model(TIMM_MAE, Layout.TIMM, 768, 1, 12, 16, 197, 3072, 1e-6, DType.F16, 18, Map.of(), List.of("coffee")),
            new Model(HF_VIT, Layout.HF_VIT, 64, 2, 4, 8, 785, 256, 1e-6, DType.F32, 40, Map.of("format", "pt"),
                    List.of("astronaut", "chelsea")),
            new Model(HF_VIT_MAE, Layout.HF_VIT_MAE, 96, 2, 3, 16, 197, 384, 1e-6, DType.F32, 62, Map.of("format", "pt"),
                    List.of("coffee", "camera")));

    private Fixtures() {}

    static Path dir() {
        String property = System.getProperty("vitprobe.fixtures", "../../shared/fixtures");
        if (Files.isDirectory(Path.of(property))) return Path.of(property);
        String message = "oracle fixtures not found at " + Path.of(property).toAbsolutePath().normalize();
        if ("true".equalsIgnoreCase(System.getenv("CI"))) fail(message);
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    static Path resolve(String relative) {
        return dir().resolve(relative);
    }
}
