package vitprobe.kernels.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.ref.WeakReference;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A helper that has run a loop and parked keeps nothing of it: its task may hold a forward's activations. */
class ParallelRetentionTest {
    @Test
    void aParkedHelperHoldsNoFinishedTask() throws InterruptedException {
        assumeTrue(Parallel.threads() > 1, "one thread: no helpers");
        WeakReference<byte[]> captured = runLoopThatOutlastsTheHelpersSpin();
        assertTrue(Gc.collected(captured), "a parked helper still holds the last loop's task");
    }

    /**
     * A helper runs one quick task while the caller's task takes 50 ms, so the helper spins out and parks while the
     * loop is still the current one: that loop is the last a helper saw.
     */
    private static WeakReference<byte[]> runLoopThatOutlastsTheHelpersSpin() {
        byte[] activations = new byte[1 << 20];
        CountDownLatch helperRan = new CountDownLatch(1);
        Thread caller = Thread.currentThread();
        Parallel.forEach(2, i -> {
            if (Thread.currentThread() != caller) {
                activations[i] = 1;
                helperRan.countDown();
                return;
            }
            try {
                helperRan.await(5, TimeUnit.SECONDS);
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        return new WeakReference<>(activations);
    }
}
