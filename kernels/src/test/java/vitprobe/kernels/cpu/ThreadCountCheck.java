package vitprobe.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run in a fresh JVM by {@link ParallelThreadsTest}: starts the CPU loops with each bad -Dvitprobe.threads value
 * given, printing what each failure says, then with a good one, printing the thread count and the tasks run.
 */
public final class ThreadCountCheck {
    public static void main(String[] args) {
        for (String bad : args) {
            System.setProperty("vitprobe.threads", bad);
            try {
                Parallel.forEach(4, i -> {});
                System.out.println("accepted " + bad);
            } catch (IllegalArgumentException e) {
                System.out.println(e.getMessage());
            }
        }
        System.setProperty("vitprobe.threads", "2");
        AtomicInteger ran = new AtomicInteger();
        Parallel.forEach(4, i -> ran.incrementAndGet());
        System.out.println(Parallel.threads() + " threads ran " + ran + " tasks");
    }
}
