package vitprobe.weights;

import java.util.List;
import java.util.Map;
import vitprobe.testing.SharedFixtures;

/** The checkpoint fixtures of ../shared/fixtures as their README and config.json describe them. */
final class Fixtures {
    /** One checkpoint fixture as the README and its config.json describe it. */
    record Model(
            String folder,
            CheckpointFormat format,
            int dim,
            int depth,
            int heads,
            int patch,
            int tokens,
            int mlp,
            double eps,
            DType dtype,
            int tensorCount,
            Map<String, String> metadata,
            List<String> images) {
        @Override
        public String toString() {
            return folder;
        }
    }

    static final List<Model> MODELS = List.of(
            new Model(
                    SharedFixtures.TIMM_DINO,
                    CheckpointFormat.TIMM,
                    384,
                    2,
                    6,
                    8,
                    785,
                    1536,
                    1e-6,
                    DType.F32,
                    30,
                    Map.of(),
                    List.of("astronaut")),
            new Model(
                    SharedFixtures.TIMM_MAE,
                    CheckpointFormat.TIMM,
                    768,
                    1,
                    12,
                    16,
                    197,
                    3072,
                    1e-6,
                    DType.F16,
                    18,
                    Map.of(),
                    List.of("coffee")),
            new Model(
                    SharedFixtures.HF_VIT,
                    CheckpointFormat.HF_VIT,
                    64,
                    2,
                    4,
                    8,
                    785,
                    256,
                    1e-6,
                    DType.F32,
                    40,
                    Map.of("format", "pt"),
                    List.of("astronaut", "chelsea")),
            new Model(
                    SharedFixtures.HF_VIT_MAE,
                    CheckpointFormat.HF_VIT_MAE,
                    96,
                    2,
                    3,
                    16,
                    197,
                    384,
                    1e-6,
                    DType.F32,
                    62,
                    Map.of("format", "pt"),
                    List.of("coffee", "camera")));

    private Fixtures() {}
}
