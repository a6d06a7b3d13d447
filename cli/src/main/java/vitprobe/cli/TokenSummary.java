package vitprobe.cli;

import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;

import java.io.PrintWriter;
import java.nio.file.Path;

/** A per-tensor table of statistics for a tokens file: how the token types differ at a glance. */
final class TokenSummary {
    private TokenSummary() {}

    static void print(Path file, PrintWriter out) {
        try (SafeTensors st = SafeTensors.open(file)) {
            out.printf("%n%-8s %-16s %10s %10s %10s %14s%n", "tensor", "shape", "mean", "std", "|CLS|", "cos(CLS,patch)");
            for (String name : st.names()) {
                if (name.equals("input")) continue;
                Tensor t = st.tensor(name);
                float[] v = t.toFloatArray();
                int n = (int) t.dim(1), d = (int) t.dim(2);
                double sum = 0, sq = 0;
                for (float x : v) {
                    sum += x;
                    sq += (double) x * x;
                }
                double mean = sum / v.length, std = Math.sqrt(Math.max(0, sq / v.length - mean * mean));
                double clsNorm = Math.sqrt(dot(v, 0, v, 0, d));
                double cos = 0;
                for (int i = 1; i < n; i++) cos += dot(v, 0, v, i * d, d) / (clsNorm * Math.sqrt(dot(v, i * d, v, i * d, d)));
                out.printf("%-8s %-16s %10.4f %10.4f %10.3f %14.4f%n", name, t.shapeString(), mean, std, clsNorm, cos / (n - 1));
            }
        }
    }

    private static double dot(float[] a, int ia, float[] b, int ib, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[ia + i] * b[ib + i];
        return s;
    }
}
