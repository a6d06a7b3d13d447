package vitprobe.kernels.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Element-wise and row-wise float kernels on the Vector API. */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    private VectorMath() {}

    /*
     * GELU(x) = x·Φ(x) with Φ(x) = erfc(−x/√2)/2. erfc is evaluated with the Chebyshev fit of Numerical Recipes
     * (§6.2), whose fractional error is below 1.2e-7 everywhere. Working with erfc(|x|/√2) keeps the negative
     * half accurate in relative terms, where 1 + erf(x) would cancel.
     */
    private static final float[] ERFC_POLY = {-1.26551223f, 1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f,
            0.27886807f, -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};

    static float gelu(float x) {
        double z = Math.abs(x) * (1 / Math.sqrt(2));
        double t = 1 / (1 + 0.5 * z);
        double poly = ERFC_POLY[ERFC_POLY.length - 1];
        for (int i = ERFC_POLY.length - 2; i >= 0; i--) poly = poly * t + ERFC_POLY[i];
        double halfErfc = 0.5 * t * Math.exp(-z * z + poly);
        return (float) (x * (x >= 0 ? 1 - halfErfc : halfErfc));
    }

    static FloatVector gelu(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector t = FloatVector.broadcast(S, 1f).div(z.fma(FloatVector.broadcast(S, 0.5f), FloatVector.broadcast(S, 1f)));
        FloatVector poly = FloatVector.broadcast(S, ERFC_POLY[ERFC_POLY.length - 1]);
        for (int i = ERFC_POLY.length - 2; i >= 0; i--) poly = poly.fma(t, FloatVector.broadcast(S, ERFC_POLY[i]));
        FloatVector halfErfc = t.mul(0.5f).mul(z.neg().fma(z, poly).lanewise(VectorOperators.EXP));
        VectorMask<Float> positive = x.compare(VectorOperators.GE, 0f);
        FloatVector phi = halfErfc.blend(halfErfc.neg().add(1f), positive);
        return x.mul(phi);
    }

    /** v[from, to) = GELU(v). */
    static void gelu(float[] v, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L) gelu(FloatVector.fromArray(S, v, i)).intoArray(v, i);
        for (; i < to; i++) v[i] = gelu(v[i]);
    }

    /** out[o..o+n) = a[ia..) + b[ib..). */
    static void add(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, a, ia + i).add(FloatVector.fromArray(S, b, ib + i)).intoArray(out, o + i);
        }
        for (; i < n; i++) out[o + i] = a[ia + i] + b[ib + i];
    }

    static float sum(float[] v, int from, int n) {
        FloatVector acc0 = FloatVector.zero(S), acc1 = FloatVector.zero(S);
        int i = 0;
        for (int end = (n / (2 * L)) * 2 * L; i < end; i += 2 * L) {
            acc0 = acc0.add(FloatVector.fromArray(S, v, from + i));
            acc1 = acc1.add(FloatVector.fromArray(S, v, from + i + L));
        }
        float s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += v[from + i];
        return s;
    }

    /** LayerNorm of one row: two passes (mean, then centred variance) for accuracy. */
    static void layerNorm(float[] in, int at, int n, float[] w, float[] b, float eps, float[] out, int outAt) {
        float mean = sum(in, at, n) / n;
        FloatVector m = FloatVector.broadcast(S, mean);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector d = FloatVector.fromArray(S, in, at + i).sub(m);
            acc = d.fma(d, acc);
        }
        float sq = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = in[at + i] - mean;
            sq += d * d;
        }
        float rstd = (float) (1 / Math.sqrt(sq / n + eps));
        FloatVector r = FloatVector.broadcast(S, rstd);
        i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, at + i).sub(m).mul(r);
            x.fma(FloatVector.fromArray(S, w, i), FloatVector.fromArray(S, b, i)).intoArray(out, outAt + i);
        }
        for (; i < n; i++) out[outAt + i] = (in[at + i] - mean) * rstd * w[i] + b[i];
    }

    /** Softmax of scale·v over one row, in place: exp(scale·(v − max)) / Σ. */
    static void softmax(float[] v, int at, int n, float scale) {
        FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int i = 0;
        int end = S.loopBound(n);
        for (; i < end; i += L) mx = mx.max(FloatVector.fromArray(S, v, at + i));
        float max = mx.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, v[at + i]);
        FloatVector shift = FloatVector.broadcast(S, -max * scale);
        FloatVector scaleV = FloatVector.broadcast(S, scale);
        FloatVector acc = FloatVector.zero(S);
        for (i = 0; i < end; i += L) {
            FloatVector e = FloatVector.fromArray(S, v, at + i).fma(scaleV, shift).lanewise(VectorOperators.EXP);
            e.intoArray(v, at + i);
            acc = acc.add(e);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(Math.fma(v[at + i], scale, -max * scale));
            v[at + i] = e;
            sum += e;
        }
        float inv = 1 / sum;
        for (i = 0; i < end; i += L) FloatVector.fromArray(S, v, at + i).mul(inv).intoArray(v, at + i);
        for (; i < n; i++) v[at + i] *= inv;
    }
}
