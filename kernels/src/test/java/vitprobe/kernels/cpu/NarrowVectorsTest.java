package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import vitprobe.testing.ChildJvm;

/**
 * The micro-kernel's height follows the vector registers (14 rows with AVX-512, 5 with AVX2), so one machine runs
 * only one of them: a child JVM limited to AVX2 runs {@link CpuBackendTest}'s linear and attention checks on
 * 256-bit vectors, whatever this machine's widest.
 */
class NarrowVectorsTest {
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void linearAndAttentionAreRightOnAvx2Vectors() throws IOException, InterruptedException {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "-XX:UseAVX is an x86 option");
        String out = ChildJvm.run(Check.class, List.of("-XX:UseAVX=2"));
        assertTrue(out.contains("8 lanes, micro-tiles of 5 rows"), out);
    }

    /** Runs the checks in the child JVM; a failed one ends it with the assertion's message. */
    public static final class Check {
        public static void main(String[] args) {
            System.out.println(Gemm.L + " lanes, micro-tiles of " + Gemm.MR + " rows");
            CpuBackendTest test = new CpuBackendTest();
            CpuBackendTest.linearShapes().forEach(s -> {
                Object[] a = s.get();
                test.linearMatchesDoublePrecision((int) a[0], (int) a[1], (int) a[2]);
            });
            CpuBackendTest.attentionShapes().forEach(s -> {
                Object[] a = s.get();
                test.attentionMatchesDoublePrecision((int) a[0], (int) a[1], (int) a[2], (int) a[3]);
            });
        }
    }
}
