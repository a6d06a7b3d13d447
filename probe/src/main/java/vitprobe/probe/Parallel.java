package vitprobe.probe;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;

/** Runs loop bodies on every core: the caller works too, and idle threads take the next index. */
final class Parallel {
    static final int THREADS = Runtime.getRuntime().availableProcessors();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(Math.max(1, THREADS - 1), r -> {
        Thread t = new Thread(r, "vitprobe-probe");
        t.setDaemon(true);
        return t;
    });

    private Parallel() {
    }

    /**
     * Calls body(i) for every i in [0, n) and returns when all are done, rethrowing the first failure.
     * Waits for the indices rather than for the helper tasks, so a call from inside a body cannot deadlock.
     */
    static void forEach(int n, IntConsumer body) {
        if (n <= 0) return;
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int i; (i = next.getAndIncrement()) < n; done.countDown()) {
                try {
                    if (failure.get() == null) body.accept(i);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }
        };
        for (int t = 1; t < Math.min(THREADS, n); t++) POOL.execute(worker);
        worker.run();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for worker threads", e);
        }
        Throwable t = failure.get();
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error er) throw er;
        if (t != null) throw new IllegalStateException(t);
    }

    /** Cuts [0, n) into about 4 chunks per thread and calls body(from, to) for each, in parallel. */
    static void forRanges(int n, RangeBody body) {
        int chunks = Math.max(1, Math.min(n, 4 * THREADS));
        forEach(chunks, c -> body.accept((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks)));
    }

    @FunctionalInterface
    interface RangeBody {
        void accept(int from, int to);
    }
}
