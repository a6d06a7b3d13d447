package vitprobe.kernels.cuda;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder.request;

import java.io.PrintWriter;
import java.util.Arrays;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the named test classes with the JUnit launcher, for machines without Maven (the GPU machine of
 * bench/gpu-check.sh). Prints each test's outcome and a closing "N passed, N failed, N skipped" line; exits 1 on
 * any failure, when nothing ran, or, with VITPROBE_REQUIRE_GPU=1, when any test was skipped (a missing fixture or
 * device must not pass quietly on the card).
 */
public final class GpuTestMain {
    private GpuTestMain() {}

    public static void main(String[] args) throws ClassNotFoundException {
        if (args.length == 0) throw new IllegalArgumentException("usage: GpuTestMain TEST_CLASS...");
        System.exit(run(GpuTests.required(), args));
    }

    /** Runs the classes and returns the exit code. */
    static int run(boolean gpuRequired, String... args) throws ClassNotFoundException {
        for (String name : args) Class.forName(name); // a misspelt class fails here, not as "0 tests"
        LauncherDiscoveryRequest request = request()
                .selectors(Arrays.stream(args).map(name -> selectClass(name)).toList())
                .build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        TestExecutionListener progress = new TestExecutionListener() {
            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                if (!id.isTest()) return;
                String why = result.getThrowable().map(t -> ": " + t).orElse("");
                System.out.println(
                        result.getStatus() + " " + id.getDisplayName() + " [" + id.getUniqueId() + "]" + why);
            }

            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                System.out.println("SKIPPED " + id.getDisplayName() + ": " + reason);
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(request, summary, progress);
        TestExecutionSummary s = summary.getSummary();
        s.printFailuresTo(new PrintWriter(System.out), 40);
        long failed = s.getTotalFailureCount(), passed = s.getTestsSucceededCount();
        long skipped = s.getTestsSkippedCount() + s.getTestsAbortedCount();
        System.out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        boolean skipsFail = gpuRequired && skipped > 0;
        if (skipsFail)
            System.out.println("FAILED: with VITPROBE_REQUIRE_GPU=1 every test must run, " + skipped + " did not");
        return failed == 0 && passed > 0 && !skipsFail ? 0 : 1;
    }
}
