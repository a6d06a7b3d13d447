package vitprobe.kernels.cpu;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import vitprobe.weights.SystemProperties;

/**
 * Runs independent tasks 0..n-1 on the calling thread and {@code threads − 1} helpers, each taking the next task
 * index until none is left. The caller works instead of waiting, and a helper that finished a loop spins for a
 * moment before it parks, so the many short loops of a batch-1 forward (a few milliseconds each) start and end
 * without a thread wake-up on the critical path: the fork-join pool used before lost 15–25 % of such a loop on two
 * cores. A loop started while another runs (from a task, or from another thread) runs on its caller alone.
 */
public final class Parallel {
    /** The thread count, helpers and caller together; the default is one per core. */
    public static final String THREADS_PROPERTY = "vitprobe.threads";
    /**
     * How long an idle helper, or a caller waiting for the last task, spins before it parks: longer than the serial
     * steps between the loops of a forward, so the helper is awake when the next loop starts.
     */
    private static final long SPIN_NANOS = 200_000;

    private static final AtomicBoolean BUSY = new AtomicBoolean();
    /**
     * Started by the first loop, not by the class's initialisation: a bad {@link #THREADS_PROPERTY} is then an
     * error of that call, and a later call with the setting fixed still works.
     */
    private static volatile Thread[] helpers;
    /** The loop being run, null between loops (so a finished loop's task can be collected). */
    private static volatile Loop current;

    private static long loops;

    private Parallel() {}

    /** The thread count; fails with an {@link IllegalArgumentException} when {@link #THREADS_PROPERTY} is bad. */
    public static int threads() {
        return helpers().length + 1;
    }

    private static Thread[] helpers() {
        Thread[] started = helpers;
        return started != null ? started : startHelpers();
    }

    private static synchronized Thread[] startHelpers() {
        if (helpers != null) return helpers;
        int threads = SystemProperties.positiveInt(
                THREADS_PROPERTY, Runtime.getRuntime().availableProcessors());
        Thread[] started = new Thread[threads - 1];
        for (int i = 0; i < started.length; i++) {
            started[i] = new Thread(Parallel::help, "vitprobe-cpu-" + (i + 1));
            started[i].setDaemon(true);
            started[i].start();
        }
        helpers = started;
        return started;
    }

    public static void forEach(int n, IntConsumer task) {
        if (n <= 0) return;
        Thread[] helpers = helpers();
        if (n == 1 || helpers.length == 0 || !BUSY.compareAndSet(false, true)) {
            for (int i = 0; i < n; i++) task.accept(i);
            return;
        }
        Loop loop = new Loop(++loops, n, task);
        try {
            current = loop;
            for (Thread h : helpers) LockSupport.unpark(h);
            loop.work();
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (loop.finished.get() < n) {
                if (System.nanoTime() < spinUntil) Thread.onSpinWait();
                else LockSupport.park(loop);
            }
        } finally {
            current = null;
            BUSY.set(false);
        }
        // The task's own exception, not a copy: IntConsumer throws only unchecked ones.
        if (loop.failure instanceof RuntimeException e) throw e;
        if (loop.failure instanceof Error e) throw e;
    }

    /** A helper's life: run every new loop's tasks, spin a moment for the next loop, park. */
    private static void help() {
        long seen = 0;
        long spinUntil = System.nanoTime() + SPIN_NANOS;
        while (true) {
            long ran = runNewLoop(seen);
            if (ran != seen) {
                seen = ran;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            } else if (System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(Parallel.class);
            }
        }
    }

    /**
     * Runs the current loop's tasks unless that loop is the one seen last; returns the id of the loop seen now. The
     * loop is a local of this call alone, so a parked helper's frame holds no task (nor what the task holds).
     */
    private static long runNewLoop(long seen) {
        Loop loop = current;
        if (loop == null || loop.id == seen) return seen;
        loop.work();
        return loop.id;
    }

    private static final class Loop {
        final long id;
        final int n;
        final IntConsumer task;
        final Thread caller = Thread.currentThread();
        final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        /** The first task's exception; later tasks are then skipped. */
        volatile Throwable failure;

        Loop(long id, int n, IntConsumer task) {
            this.id = id;
            this.n = n;
            this.task = task;
        }

        void work() {
            int done = 0;
            for (int i; (i = next.getAndIncrement()) < n; done++) {
                if (failure != null) continue;
                try {
                    task.accept(i);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                }
            }
            if (done > 0 && finished.addAndGet(done) == n && Thread.currentThread() != caller)
                LockSupport.unpark(caller);
        }
    }
}
