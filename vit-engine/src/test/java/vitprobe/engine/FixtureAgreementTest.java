package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import vitprobe.kernels.Backend;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;
import vitprobe.weights.ViTWeights;

/** The CPU forward against float64 references of timm and transformers, on all four oracle fixtures. */
class FixtureAgreementTest {
    static final double TOLERANCE = 1e-5;
    static final Backend CPU = new CpuBackend();

    @AfterAll
    static void close() {
        CPU.close();
    }

    static Path fixture(String name) {
        return name.startsWith("hf-") ? Fixtures.bundled(name) : SharedFixtures.resolve(name);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "hf-vit-dino-format-small",
                "hf-vitmae-pretraining-format-small",
                "timm-dino-vits8-depth2",
                "timm-mae-vitb16-depth1"
            })
    void lastBlockMatchesReference(String name) {
        assertLastBlockMatchesReference(fixture(name), CPU, TOLERANCE, name);
    }

    /**
     * Runs the forward on the fixture's input with the given backend and checks the paper intermediates of the last
     * block against the fixture's float64 reference; `label` starts every printed line and failure message.
     */
    static void assertLastBlockMatchesReference(Path dir, Backend backend, double tolerance, String label) {
        try (ViTWeights w = CheckpointLoader.load(dir);
                VisionTransformer vit = new VisionTransformer(w, backend);
                SafeTensors ref = SafeTensors.open(dir.resolve("reference.safetensors"))) {
            Tensor input = ref.tensor("input");
            FloatTensor images = new FloatTensor(input.toFloatArray(), Math.toIntExact(input.dim(0)), 3, 224, 224);
            int last = w.config().depth() - 1;
            Activations acts = vit.forward(images, Capture.paper(last));
            for (Intermediate which : Intermediate.PAPER) {
                Tensor expected = ref.tensor(which.key());
                FloatTensor got = acts.get(last, which);
                assertArrayEquals(expected.shape(), got.longShape(), which.key() + " shape");
                double err = relativeError(got.data(), expected.toFloatArray());
                System.out.printf("%s %-6s relative error %.3e%n", label, which.key(), err);
                assertTrue(
                        err < tolerance, label + " " + which.key() + ": relative error " + err + " above " + tolerance);
            }
        }
    }

    /** ‖out − ref‖ / ‖ref‖, accumulated in double. */
    static double relativeError(float[] out, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) out[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        return Math.sqrt(num / den);
    }
}
