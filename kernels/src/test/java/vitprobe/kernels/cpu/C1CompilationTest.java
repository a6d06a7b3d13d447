package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import vitprobe.testing.ChildJvm;

/**
 * Every CPU kernel must compile with C1, the JIT's first tier. When C1 gave up on the masked micro-kernel ("out of
 * virtual registers"), a JVM could keep running it at a lower tier whose Vector API calls are Java fallbacks: an
 * attention benchmark ran at 1 GFLOP/s instead of 30–50 in one of 14 fresh JVMs on a busy machine. Compiling with C1
 * only ({@code TieredStopAtLevel=3}) makes the failure deterministic.
 */
class C1CompilationTest {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyKernelCompilesWithC1() throws IOException, InterruptedException {
        String out = ChildJvm.run(
                CpuKernelWorkout.class, List.of("-XX:TieredStopAtLevel=3", "-XX:+PrintCompilation"), "300");
        assertTrue(out.contains("vitprobe.kernels.cpu.Gemm::tile"), "the micro-kernel was not compiled:\n" + out);
        List<String> failed = out.lines()
                .filter(l -> l.contains("vitprobe.kernels.cpu.") && l.contains("COMPILE SKIPPED"))
                .toList();
        assertTrue(failed.isEmpty(), "C1 could not compile:\n" + String.join("\n", failed));
    }
}
