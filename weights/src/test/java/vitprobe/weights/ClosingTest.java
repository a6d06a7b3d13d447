package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import vitprobe.testing.SharedFixtures;

/** Closing twice is allowed (try-with-resources around code that also closes); reading after close is not. */
class ClosingTest {
    private static final Path MODEL = SharedFixtures.resolve(SharedFixtures.TIMM_DINO);

    @Test
    void safetensorsCloseTwiceDoesNothing() {
        SafeTensors st = SafeTensors.open(MODEL.resolve("model.safetensors"));
        assertFalse(st.isClosed());
        st.close();
        assertTrue(st.isClosed());
        assertDoesNotThrow(st::close);
    }

    @Test
    void weightsCloseTwiceDoesNothingAndSayTheyAreClosed() {
        ViTWeights w = CheckpointLoader.load(MODEL);
        assertFalse(w.isClosed());
        w.close();
        assertTrue(w.isClosed());
        assertDoesNotThrow(w::close);
        assertThrows(IllegalStateException.class, () -> w.clsToken().toFloatArray());
    }

    /** Tester report: reading a parameter of closed weights said "Already closed", naming neither file nor tensor. */
    @Test
    void readingAfterCloseNamesTheFileAndTheTensor() {
        Param pos;
        try (ViTWeights w = CheckpointLoader.load(MODEL)) {
            pos = w.posEmbed();
        }
        Tensor t = pos.parts().getFirst();
        String expected =
                MODEL.resolve("model.safetensors") + ": tensor '" + t.name() + "' read after its file was closed";
        for (Executable read : List.<Executable>of(pos::toFloatArray, () -> t.getFloat(0), t::indexOfNonFinite)) {
            assertEquals(
                    expected, assertThrows(IllegalStateException.class, read).getMessage());
        }
    }

    @Test
    void randomWeightsOwnNothingAndCloseTwice() {
        ViTWeights w = ViTWeights.random(ViTConfig.vit(64, 1, 2, 8), 1);
        w.close();
        assertDoesNotThrow(w::close);
        assertFalse(w.isClosed());
    }

    /** Tester report: a load on an interrupted thread said "cannot read file (null)" of a good file. */
    @Test
    void aLoadOnAnInterruptedThreadSaysSoAndKeepsTheFlag() {
        Thread.currentThread().interrupt();
        try {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> CheckpointLoader.load(MODEL));
            assertTrue(e.getMessage().endsWith("not read: the thread was interrupted"), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt stays set for the caller");
        } finally {
            Thread.interrupted();
        }
    }
}
