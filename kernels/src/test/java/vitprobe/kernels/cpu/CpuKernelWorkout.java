package vitprobe.kernels.cpu;

import java.util.SplittableRandom;
import vitprobe.kernels.Activation;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;

/**
 * Runs every CPU kernel (linear layers with and without GELU and residual, LayerNorm, attention) on small shapes
 * with edge tiles (of both micro-kernels' heights), often enough for the JIT to compile them. Run in a fresh JVM by
 * {@link C1CompilationTest}.
 */
public final class CpuKernelWorkout {
    private CpuKernelWorkout() {}

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        SplittableRandom rng = new SplittableRandom(5);
        CpuBackend cpu = new CpuBackend();
        int tokens = 37, heads = 2, hd = 16, d = heads * hd, mlp = 4 * d, k = 800;
        Matrix x = cpu.upload(random(rng, tokens * d), tokens, d);
        // 29 rows: two 14-row tiles and one row left, which the 5-row kernel takes.
        int wideRows = 29;
        Matrix wide = cpu.upload(random(rng, wideRows * k), wideRows, k), wideOut = cpu.allocate(wideRows, d);
        Matrix qkv = cpu.allocate(tokens, 3 * d), ctx = cpu.allocate(tokens, d), hidden = cpu.allocate(tokens, mlp);
        Matrix out = cpu.allocate(tokens, d), normed = cpu.allocate(tokens, d);
        Matrix ones = cpu.upload(random(rng, d), 1, d), zeros = cpu.upload(random(rng, d), 1, d);
        LinearWeights toQkv = weights(cpu, rng, 3 * d, d),
                up = weights(cpu, rng, mlp, d),
                down = weights(cpu, rng, d, mlp);
        LinearWeights longK = weights(cpu, rng, d, k);
        for (int i = 0; i < rounds; i++) {
            cpu.layerNorm(x, ones, zeros, 1e-6f, normed);
            cpu.linear(normed, toQkv, qkv, Activation.NONE, null);
            cpu.attention(qkv, 1, tokens, heads, ctx, null);
            cpu.linear(normed, up, hidden, Activation.GELU, null);
            cpu.linear(hidden, down, out, Activation.NONE, x);
            cpu.linear(wide, longK, wideOut, Activation.NONE, null);
        }
    }

    private static LinearWeights weights(CpuBackend cpu, SplittableRandom rng, int out, int in) {
        return cpu.linear(
                CpuBackendTest.param("w", random(rng, out * in), out, in),
                CpuBackendTest.param("b", random(rng, out), out));
    }

    private static float[] random(SplittableRandom rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }
}
