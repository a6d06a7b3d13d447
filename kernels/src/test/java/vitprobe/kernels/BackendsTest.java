package vitprobe.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

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
}
