package vitprobe.kernels.cpu;

import java.lang.ref.WeakReference;

/** Garbage collection for tests that check what is retained. */
final class Gc {
    private Gc() {}

    /** Whether the referent is collected within a few full collections (each clears every weakly reachable one). */
    static boolean collected(WeakReference<?> ref) throws InterruptedException {
        for (int i = 0; i < 20 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        return ref.get() == null;
    }
}
