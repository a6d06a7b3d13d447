package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import vitprobe.testing.ChildJvm;

/**
 * A -Dvitprobe.threads that is not a positive whole number is one clear error where the loops start, and leaves
 * them usable once it is fixed: it once failed the class's initialisation, so every later use failed too.
 */
class ParallelThreadsTest {
    @Test
    void aBadThreadCountIsAClearErrorThatBreaksNothing() throws IOException, InterruptedException {
        String out = ChildJvm.run(ThreadCountCheck.class, List.of(), "0", "-3", "abc", " ");
        assertEquals(
                List.of(
                        "-Dvitprobe.threads=0 is not a positive whole number",
                        "-Dvitprobe.threads=-3 is not a positive whole number",
                        "-Dvitprobe.threads=abc is not a positive whole number",
                        "-Dvitprobe.threads=  is not a positive whole number",
                        "2 threads ran 4 tasks"),
                out.lines()
                        .filter(l -> !l.startsWith("WARNING: Using incubator"))
                        .toList());
    }
}
