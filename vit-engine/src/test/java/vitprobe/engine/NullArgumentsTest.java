package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import vitprobe.kernels.Backend;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** Tester report: null arguments failed deep inside (or were accepted) instead of being refused by name. */
class NullArgumentsTest {
    private static final ViTConfig CONFIG = ViTConfig.vit(64, 2, 2, 8);

    private static void refusedNaming(String argument, Executable call) {
        assertEquals(argument, assertThrows(NullPointerException.class, call).getMessage());
    }

    @Test
    void theModelRefusesNullWeightsBackendOrPositionResampling() {
        try (ViTWeights w = ViTWeights.random(CONFIG, 1);
                Backend cpu = new CpuBackend()) {
            refusedNaming("posResample", () -> new VisionTransformer(w, cpu, null).close());
            refusedNaming("backend", () -> new VisionTransformer(w, null, PosResample.TIMM).close());
            refusedNaming("weights", () -> new VisionTransformer(null, cpu, PosResample.TIMM).close());
            refusedNaming("weights", () -> new VisionTransformer(null, cpu).close());
        }
    }

    @Test
    void captureAndPreprocessingRefuseNull() {
        refusedNaming("which", () -> Capture.of(0, null));
        refusedNaming("config", () -> ImageInputs.transformFor(null));
        assertEquals(
                EnumSet.of(Intermediate.K),
                Capture.of(0, EnumSet.of(Intermediate.K)).at(0));
    }
}
