package vitprobe.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The exit code bench/gpu-check.sh reads: on the card (VITPROBE_REQUIRE_GPU=1) a skipped test is a failure. */
class GpuTestMainTest {
    /** Run only through GpuTestMain below (surefire leaves nested classes out). */
    static class OnePassesOneSkips {
        @Test
        void passes() {}

        @Test
        void skips() {
            Assumptions.abort("a fixture is missing");
        }
    }

    @Test
    void aSkippedTestFailsTheRunWhenTheGpuIsRequired() throws ClassNotFoundException {
        assertEquals(1, GpuTestMain.run(true, OnePassesOneSkips.class.getName()));
    }

    @Test
    void aSkippedTestIsReportedOnlyWhenTheGpuIsNotRequired() throws ClassNotFoundException {
        assertEquals(0, GpuTestMain.run(false, OnePassesOneSkips.class.getName()));
    }
}
