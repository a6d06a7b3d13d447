package vitprobe.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import vitprobe.testing.ChildJvm;

/**
 * The CPU forward must not depend on what ran before in the JVM (issue 13, item 8): after a small model, the
 * micro-kernel used to be compiled with its Vector API calls left as Java fallbacks, and a ViT-S/8 forward then
 * allocated 38–46 GB instead of about 100 MB and ran ~10× slower. Allocation is measured instead of time, so the
 * check does not depend on the machine's speed or load.
 */
class WarmJvmForwardTest {
    /** The activation buffers of a batch-4, depth-2 ViT-S/8 forward take about 100 MB; allow several times that. */
    private static final long LIMIT_BYTES = 1L << 30;

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void vitS8AfterASmallModelAllocatesOnlyItsBuffers() throws IOException, InterruptedException {
        String out = ChildJvm.run(ForwardAfterOtherModels.class, List.of("-Xmx2g"), "5");
        long bytes = out.lines()
                .filter(l -> l.startsWith("allocated-bytes "))
                .mapToLong(l -> Long.parseLong(l.substring("allocated-bytes ".length())))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no allocation line in:\n" + out));
        assertTrue(
                bytes < LIMIT_BYTES,
                "a ViT-S/8 forward after a small model allocated " + bytes / (1 << 20)
                        + " MiB (expected ~100 MiB): its vector code is not compiled as intended");
    }
}
