package vitprobe.kernels;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import vitprobe.kernels.cuda.CudaUnavailableException;

class BackendsTest {
    /** Tester report: Backends.create(null) failed inside with a NullPointerException about toLowerCase. */
    @Test
    void aNullDeviceOrPrecisionIsRefusedByName() {
        assertEquals(
                "device",
                assertThrows(NullPointerException.class, () -> Backends.create(null))
                        .getMessage());
        assertEquals(
                "precision",
                assertThrows(NullPointerException.class, () -> Backends.create("cpu", null))
                        .getMessage());
        assertEquals(
                "device",
                assertThrows(NullPointerException.class, () -> Backends.check(null, "fp32"))
                        .getMessage());
    }

    /** What this machine has, in words: none (and why), or the range of ordinals. */
    private static final String DEVICES_HERE =
            "(no CUDA device here(: .+)?|CUDA devices? here: cuda:0( to cuda:\\d+)?)";

    /** Tester report: --device cuda:99999 said "known: auto, cpu, cuda, cuda:N", not which devices exist. */
    @Test
    void aDeviceThatIsNotHereSaysWhichAre() {
        assertDoesNotThrow(() -> Backends.check("cuda:99999", "fp32"));
        String missing = assertThrows(CudaUnavailableException.class, () -> Backends.create("cuda:99999"))
                .getMessage();
        assertTrue(missing.matches("no CUDA device 99999; " + DEVICES_HERE), missing);
        String huge = assertThrows(CudaUnavailableException.class, () -> Backends.create("cuda:123456789012"))
                .getMessage();
        assertTrue(huge.matches("no CUDA device 123456789012; " + DEVICES_HERE), huge);
        String unknown = assertThrows(IllegalArgumentException.class, () -> Backends.check("cuda:first", "fp32"))
                .getMessage();
        assertTrue(
                unknown.matches("unknown device 'cuda:first': auto, cpu, cuda or cuda:ORDINAL; " + DEVICES_HERE),
                unknown);
        assertFalse(unknown.contains("\n"), unknown);
    }
}
