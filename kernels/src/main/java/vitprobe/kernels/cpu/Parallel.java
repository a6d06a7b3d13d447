package vitprobe.kernels.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Runs independent tasks 0..n-1 on a dedicated fork-join pool. The common pool is not used because its
 * parallelism is cores − 1, which leaves one of two cores idle on small machines.
 */
public final class Parallel {
    private static final int THREADS =
            Integer.getInteger("vitprobe.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = new ForkJoinPool(
            THREADS,
            pool -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
                t.setDaemon(true);
                t.setName("vitprobe-cpu-" + t.getPoolIndex());
                return t;
            },
            null,
            false);

    private Parallel() {}

    public static int threads() {
        return THREADS;
    }

    public static void forEach(int n, IntConsumer task) {
        if (n <= 0) return;
        if (n == 1 || THREADS == 1) {
            for (int i = 0; i < n; i++) task.accept(i);
            return;
        }
        if (java.util.concurrent.ForkJoinTask.getPool() == POOL) {
            new Split(0, n, task).compute();
            return;
        }
        try {
            POOL.invoke(new Split(0, n, task));
        } catch (RuntimeException e) {
            throw thrownByTask(e);
        }
    }

    /**
     * A task's exception from another thread comes back as a copy of its type wrapping it, whose message is the
     * original's {@code toString()}, once per thread boundary it crossed; the task's own exception is the one to
     * report.
     */
    private static RuntimeException thrownByTask(RuntimeException e) {
        Throwable t = e;
        while (t.getCause() instanceof RuntimeException cause
                && cause.getClass() == t.getClass()
                && cause.toString().equals(t.getMessage())) {
            t = cause;
        }
        return (RuntimeException) t;
    }

    private static final class Split extends RecursiveAction {
        private final int from, to;
        private final IntConsumer task;

        Split(int from, int to, IntConsumer task) {
            this.from = from;
            this.to = to;
            this.task = task;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                task.accept(from);
                return;
            }
            int mid = (from + to) >>> 1;
            invokeAll(new Split(from, mid, task), new Split(mid, to, task));
        }
    }
}
