package vitprobe.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's measured fp32 FMA peak, the yardstick of the GEMM and forward benchmarks: every thread (run with
 * {@code -t CORES}) keeps twelve independent FMA chains of the widest vectors busy, enough to cover the FMA
 * latency on both ports of the cores here. Score = vector FMAs per microsecond per thread; GFLOP/s =
 * score · 2 · lanes / 1000, JMH summing the score over threads; {@link #main} prints the lanes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(
        value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBenchmark {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int ROUNDS = 10_000, CHAINS = 12;
    public float x = 0.999f, y = 1e-4f;

    /** Prints the lanes per vector, which turn the score into FLOP/s. */
    public static void main(String[] args) {
        System.out.println(S.length());
    }

    @Benchmark
    @OperationsPerInvocation(ROUNDS * CHAINS)
    public float fmaChains() {
        FloatVector a = FloatVector.broadcast(S, x), b = FloatVector.broadcast(S, y);
        FloatVector c0 = a, c1 = b, c2 = a, c3 = b, c4 = a, c5 = b, c6 = a, c7 = b, c8 = a, c9 = b, c10 = a, c11 = b;
        for (int i = 0; i < ROUNDS; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        FloatVector sum = c0.add(c1)
                .add(c2)
                .add(c3)
                .add(c4)
                .add(c5)
                .add(c6)
                .add(c7)
                .add(c8)
                .add(c9)
                .add(c10);
        return sum.add(c11).reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
