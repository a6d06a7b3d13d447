package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void runsEveryTaskOnce() {
        AtomicIntegerArray runs = new AtomicIntegerArray(1000);
        Parallel.forEach(runs.length(), runs::incrementAndGet);
        for (int i = 0; i < runs.length(); i++) assertEquals(1, runs.get(i), "task " + i);
    }

    /**
     * The pool would rethrow a copy whose message is "java.lang.IllegalArgumentException: ...", unfit for users, and
     * a copy of a copy when the task ran two thread boundaries away: repeated, since which happens is a race.
     */
    @RepeatedTest(200)
    void aTaskFailureArrivesAsThrown() {
        IllegalArgumentException thrown = new IllegalArgumentException("data.safetensors: labels must be 0 or 1");
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> Parallel.forEach(64, i -> {
                    if (i == 37) throw thrown;
                }));
        assertSame(thrown, e);
    }
}
