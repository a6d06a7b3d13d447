package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.kernels.Backend;
import vitprobe.kernels.cpu.CpuBackend;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.CheckpointLoader;
import vitprobe.weights.ViTConfig;
import vitprobe.weights.ViTWeights;

/** What an embedding program can get wrong is refused with a message, not a wrong or empty answer. */
class EmbeddingMisuseTest {
    private static final ViTConfig CONFIG = ViTConfig.vit(64, 2, 2, 8);
    private static final Capture K = Capture.of(1, EnumSet.of(Intermediate.K));

    @TempDir
    Path dir;

    private static FloatTensor pixels(int batch, int side) {
        return new FloatTensor(new float[batch * 3 * side * side], batch, 3, side, side);
    }

    private static void refused(Class<? extends RuntimeException> type, String message, Executable call) {
        assertEquals(message, assertThrows(type, call).getMessage());
    }

    @Test
    void anEmptyBatchIsRefused() {
        try (ViTWeights w = ViTWeights.random(CONFIG, 1);
                Backend cpu = new CpuBackend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            refused(
                    IllegalArgumentException.class,
                    "batch must be at least 1, got 0",
                    () -> vit.forward(new FloatTensor(new float[0], 0, 3, 224, 224), K));
        }
    }

    @Test
    void aShapeArrayChangedAfterwardsIsRefused() {
        try (ViTWeights w = ViTWeights.random(CONFIG, 1);
                Backend cpu = new CpuBackend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            FloatTensor t = pixels(1, 16);
            t.shape()[0] = 4;
            refused(
                    IllegalArgumentException.class,
                    "input shape [4, 3, 16, 16] does not hold its 768 values (was the shape array changed?)",
                    () -> vit.forward(t, K));
        }
    }

    @Test
    void negativeSizesAreRefusedByTheTensor() {
        refused(
                IllegalArgumentException.class,
                "shape [0, -3, 224, 224] has a negative size",
                () -> new FloatTensor(new float[0], 0, -3, 224, 224));
        refused(
                IllegalArgumentException.class,
                "shape [-1, -3, 224, 224] has a negative size",
                () -> new FloatTensor(new float[3 * 224 * 224], -1, -3, 224, 224));
    }

    @Test
    void capturesOfNegativeBlocksOrNothingAreRefused() {
        refused(
                IllegalArgumentException.class,
                "block index -1: blocks are numbered from 0 (the last is depth - 1)",
                () -> Capture.of(-1, EnumSet.of(Intermediate.K)));
        refused(
                IllegalArgumentException.class,
                "no intermediates requested for block 0",
                () -> Capture.of(0, Set.of()));
        refused(IllegalArgumentException.class, "no blocks requested", () -> new Capture(Map.of()));
    }

    @Test
    void loadingNoImagesIsRefused() {
        refused(IllegalArgumentException.class, "no images", () -> ImageInputs.load(List.of(), CONFIG));
    }

    @Test
    void aClosedModelOrBackendIsNotUsed() {
        ViTWeights w = ViTWeights.random(CONFIG, 1);
        Backend cpu = new CpuBackend();
        VisionTransformer vit = new VisionTransformer(w, cpu);
        vit.forward(pixels(1, 16), K);
        vit.close();
        assertDoesNotThrow(vit::close);
        refused(IllegalStateException.class, "VisionTransformer used after close", () -> vit.forward(pixels(1, 16), K));
        cpu.close();
        assertDoesNotThrow(cpu::close);
        refused(IllegalStateException.class, "CPU backend used after close", () -> new VisionTransformer(w, cpu));
    }

    @Test
    void closedWeightsAreNamedWhenAModelIsBuiltFromThem() {
        ViTWeights w = CheckpointLoader.load(Fixtures.bundled(SharedFixtures.HF_VIT));
        w.close();
        try (Backend cpu = new CpuBackend()) {
            refused(
                    IllegalStateException.class,
                    w.source() + ": weights used after close",
                    () -> new VisionTransformer(w, cpu));
        }
    }

    /** The weights are views of the mapped file: a file truncated under them fails naming it, not with an Error. */
    @Test
    void aWeightsFileTruncatedAfterLoadingFailsNamingIt() throws IOException {
        Path model = Fixtures.bundled(SharedFixtures.HF_VIT);
        for (String name : List.of("config.json", "model.safetensors"))
            Files.copy(model.resolve(name), dir.resolve(name));
        try (ViTWeights w = CheckpointLoader.load(dir);
                Backend cpu = new CpuBackend()) {
            try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.WRITE)) {
                ch.truncate(1000);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> new VisionTransformer(w, cpu));
            assertTrue(
                    e.getMessage()
                            .startsWith(dir.resolve("model.safetensors") + ": the weights file could not be read: it"
                                    + " was truncated or rewritten in place after loading"),
                    e.getMessage());
        }
    }

    @Test
    void aCaptureOfANullIntermediateNamesTheArgument() {
        Set<Intermediate> withNull = new HashSet<>(Arrays.asList(Intermediate.K, null));
        refused(NullPointerException.class, "which contains null", () -> Capture.of(0, withNull));
        refused(
                NullPointerException.class,
                "blocks: block 0 has a null intermediate",
                () -> new Capture(Map.of(0, withNull)));
    }

    @Test
    void nullArgumentsAreNamed() {
        refused(NullPointerException.class, "files", () -> ImageInputs.load(null, CONFIG));
        refused(NullPointerException.class, "model", () -> CheckpointLoader.load(null));
        try (ViTWeights w = ViTWeights.random(CONFIG, 1);
                Backend cpu = new CpuBackend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            Activations acts = vit.forward(pixels(1, 16), K);
            refused(NullPointerException.class, "which", () -> acts.get(1, null));
        }
    }

    @Test
    void allActivationsAreUnmodifiableAllTheWayDown() {
        try (ViTWeights w = ViTWeights.random(CONFIG, 1);
                Backend cpu = new CpuBackend();
                VisionTransformer vit = new VisionTransformer(w, cpu)) {
            Activations acts = vit.forward(pixels(1, 16), K);
            Map<Intermediate, FloatTensor> block = acts.all().get(1);
            assertThrows(UnsupportedOperationException.class, block::clear);
            assertThrows(UnsupportedOperationException.class, () -> block.put(Intermediate.Q, pixels(1, 1)));
            assertEquals(Set.of(Intermediate.K), acts.block(1).keySet());
        }
    }

    @Test
    void aShapeWhoseSizeOverflowsIsRefused() {
        refused(
                IllegalArgumentException.class,
                "shape [65536, 65536, 65536, 65536] is too large: its size overflows a long",
                () -> new FloatTensor(new float[0], 65536, 65536, 65536, 65536));
    }
}
