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
    private static final float ERFC0 = -1.26551223f, ERFC1 = 1.00002368f, ERFC2 = 0.37409196f, ERFC3 = 0.09678418f;
    private static final float ERFC4 = -0.18628806f, ERFC5 = 0.27886807f, ERFC6 = -1.13520398f, ERFC7 = 1.48851587f;
    private static final float ERFC8 = -0.82215223f, ERFC9 = 0.17087277f;

    /** The scalar twin of the vector GELU: the same float operations in the same order, so tails match lanes. */
    static float gelu(float x) {
        float z = Math.abs(x) * INV_SQRT2;
        float t = 1f / Math.fma(z, 0.5f, 1f);
        float poly = Math.fma(Math.fma(Math.fma(Math.fma(ERFC9, t, ERFC8), t, ERFC7), t, ERFC6), t, ERFC5);
        poly = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(poly, t, ERFC4), t, ERFC3), t, ERFC2), t, ERFC1), t, ERFC0);
        float halfErfc = t * 0.5f * exp(Math.fma(-z, z, poly));
        return x * (x >= 0 ? 1f - halfErfc : halfErfc);
    }

    static FloatVector gelu(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector t =
                FloatVector.broadcast(S, 1f).div(z.fma(FloatVector.broadcast(S, 0.5f), FloatVector.broadcast(S, 1f)));
        FloatVector poly = FloatVector.broadcast(S, ERFC9);
        poly = poly.fma(t, FloatVector.broadcast(S, ERFC8)).fma(t, FloatVector.broadcast(S, ERFC7));
        poly = poly.fma(t, FloatVector.broadcast(S, ERFC6)).fma(t, FloatVector.broadcast(S, ERFC5));
        poly = poly.fma(t, FloatVector.broadcast(S, ERFC4)).fma(t, FloatVector.broadcast(S, ERFC3));
        poly = poly.fma(t, FloatVector.broadcast(S, ERFC2)).fma(t, FloatVector.broadcast(S, ERFC1));
        poly = poly.fma(t, FloatVector.broadcast(S, ERFC0));
        FloatVector halfErfc = t.mul(0.5f).mul(exp(z.neg().fma(z, poly)));
        VectorMask<Float> positive = x.compare(VectorOperators.GE, 0f);
        FloatVector phi = halfErfc.blend(halfErfc.neg().add(1f), positive);
        return x.mul(phi);
    }

    /*
     * exp for arguments ≤ 0 (all that GELU needs), built from IEEE-exact operations only. The Vector
     * API's own EXP is computed by different code before and after the JIT compiles it, which changes last bits
     * between runs; extraction must be bit-reproducible, so we do the range reduction ourselves:
     * exp(x) = 2^n · exp(r), n = rint(x / ln 2), |r| ≤ ln 2 / 2, exp(r) by its Taylor series to r^7
     * (truncation error below 6e-9, under float resolution). Results below e^-87 flush to zero.
     * Polynomial coefficients are named constants, not array elements, so the JIT keeps them in registers
     * instead of loading them on every iteration.
     */
    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    /** 1.5 · 2^23: adding and subtracting it rounds a float to the nearest integer (ties to even). */
    private static final float ROUNDER = 12582912f;

    private static final float EXP_MIN = -87f;
    private static final float EXP2 = 1f / 2, EXP3 = 1f / 6, EXP4 = 1f / 24, EXP5 = 1f / 120, EXP6 = 1f / 720;
    private static final float EXP7 = 1f / 5040;
    /** The bits of ROUNDER: n + ROUNDER, an integer-valued float, has the bits ROUNDER_BITS + n. */
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    /**
     * The clamp is a blend on the underflow mask rather than {@code max}, whose Java semantics (NaN, −0) cost five
     * instructions; 2^n is built from the bits of n + ROUNDER rather than by converting n to int, whose Java
     * semantics (NaN, overflow) add a compare and a branch. Both give the same bits as the plain forms.
     */
    static FloatVector exp(FloatVector x) {
        VectorMask<Float> underflow = x.compare(VectorOperators.LT, EXP_MIN);
        x = x.blend(EXP_MIN, underflow);
        FloatVector shifted = x.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUNDER));
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, EXP7);
        p = p.fma(r, FloatVector.broadcast(S, EXP6)).fma(r, FloatVector.broadcast(S, EXP5));
        p = p.fma(r, FloatVector.broadcast(S, EXP4)).fma(r, FloatVector.broadcast(S, EXP3));
        p = p.fma(r, FloatVector.broadcast(S, EXP2)).fma(r, FloatVector.broadcast(S, 1f));
        p = p.fma(r, FloatVector.broadcast(S, 1f));
        FloatVector twoToN = shifted.reinterpretAsInts()
                .add(127 - ROUNDER_BITS)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return p.mul(twoToN).blend(0f, underflow);
    }

    static float exp(float x) {
        if (x < EXP_MIN) return 0f;
        float n = Math.fma(x, LOG2E, ROUNDER) - ROUNDER;
        float r = Math.fma(n, -LN2_HI, x);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(Math.fma(Math.fma(EXP7, r, EXP6), r, EXP5), r, EXP4);
        p = Math.fma(Math.fma(Math.fma(Math.fma(p, r, EXP3), r, EXP2), r, 1f), r, 1f);
        return p * Float.intBitsToFloat(((int) n + 127) << 23);
    }

    /**
     * Sum of the lanes in lane order: reduceLanes(ADD) may reorder, and differently once compiled. Lane by lane, not
     * through {@code toArray()}, whose array C2 did not take apart: a LayerNorm row of 768 took 1.0–1.2 ns an element
     * with it, 0.27–0.29 without (same sums).
     */
    static float sumLanes(FloatVector v) {
        float s = 0;
        for (int i = 0; i < L; i++) s += v.lane(i);
        return s;
    }

    /** v[from, to) = GELU(v). */
    static void gelu(float[] v, int from, int to) {
        int i = from;
        for (int end = from + S.loopBound(to - from); i < end; i += L)
            gelu(FloatVector.fromArray(S, v, i)).intoArray(v, i);
        for (; i < to; i++) v[i] = gelu(v[i]);
    }

    /** out[o..o+n) = a[ia..) + b[ib..). */
    static void add(float[] a, int ia, float[] b, int ib, float[] out, int o, int n) {
        int i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector.fromArray(S, a, ia + i)
                    .add(FloatVector.fromArray(S, b, ib + i))
                    .intoArray(out, o + i);
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
        float s = sumLanes(acc0.add(acc1));
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
        float sq = sumLanes(acc);
        for (; i < n; i++) {
            float d = in[at + i] - mean;
            sq += d * d;
        }
        float rstd = (float) (1 / Math.sqrt(sq / n + eps));
        FloatVector r = FloatVector.broadcast(S, rstd);
        i = 0;
        for (int end = S.loopBound(n); i < end; i += L) {
            FloatVector x = FloatVector.fromArray(S, in, at + i).sub(m).mul(r);
            x.fma(FloatVector.fromArray(S, w, i), FloatVector.fromArray(S, b, i))
                    .intoArray(out, outAt + i);
        }
        for (; i < n; i++) out[outAt + i] = (in[at + i] - mean) * rstd * w[i] + b[i];
    }

    /*
     * The softmax numerators are powers of two: exp(scale·(v − max)) = 2^t with t = v·(scale·log2 e) − max·scale·log2 e,
     * so the scale and the change of base fold into the one FMA that forms t, and no reduction by ln 2 is needed:
     * n = rint(t), f = t − n ∈ [−½, ½] (exact), 2^f = 1 + f·q(f) with q a degree-5 minimax fit of relative error
     * 2e-9 (7.9e-8 evaluated in float). t is clamped at −126, the smallest normal exponent, so the numerators of
     * far-off scores (and of the −∞ padding) come out as 2^−126 ≈ 1.2e-38 instead of 0: below half an ulp of a
     * row's sum, which is at least 1.
     */
    private static final float POW2_1 = 0.6931471824645996f, POW2_2 = 0.24022647738456726f;
    private static final float POW2_3 = 0.055503323674201965f, POW2_4 = 0.00961843691766262f;
    private static final float POW2_5 = 0.0013398875016719103f, POW2_6 = 0.00015353361959569156f;
    private static final float POW2_MIN = -126f;

    static FloatVector pow2(FloatVector t) {
        t = t.blend(POW2_MIN, t.compare(VectorOperators.LT, POW2_MIN));
        FloatVector shifted = t.add(ROUNDER);
        FloatVector f = t.sub(shifted.sub(ROUNDER));
        FloatVector p = FloatVector.broadcast(S, POW2_6);
        p = p.fma(f, FloatVector.broadcast(S, POW2_5)).fma(f, FloatVector.broadcast(S, POW2_4));
        p = p.fma(f, FloatVector.broadcast(S, POW2_3)).fma(f, FloatVector.broadcast(S, POW2_2));
        p = p.fma(f, FloatVector.broadcast(S, POW2_1)).fma(f, FloatVector.broadcast(S, 1f));
        FloatVector twoToN = shifted.reinterpretAsInts()
                .add(127 - ROUNDER_BITS)
                .lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return p.mul(twoToN);
    }

    /**
     * Softmax numerators down the columns of a block of {@code rows} rows and {@code width} columns (a multiple of the
     * vector length) from {@code v[from]}, stored as {@link Gemm#packTransposed} stores B: one block of {@code
     * rows × L} row-major per L columns. Each element becomes exp(scale · (x − its column's max)), and 1 / Σ of each
     * column goes to {@code inverses[inv...]}. The exponential is 2^t with the scale and log₂ e folded into the one FMA
     * that forms t ({@link #pow2}); each column's sum runs over the rows in order.
     */
    static void columnExponentials(float[] v, int from, int rows, int width, float scale, float[] inverses, int inv) {
        float perUnit = scale * LOG2E;
        FloatVector slope = FloatVector.broadcast(S, perUnit), one = FloatVector.broadcast(S, 1f);
        for (int col = 0; col < width; col += L) {
            int block = from + col * rows;
            // Two running maxima, each a compare and a blend (scores are never NaN): Java's max, with its NaN and
            // −0 rules, compiles to six dependent instructions a vector.
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
            int r = 0;
            for (; r + 1 < rows; r += 2) {
                m0 = larger(m0, FloatVector.fromArray(S, v, block + r * L));
                m1 = larger(m1, FloatVector.fromArray(S, v, block + (r + 1) * L));
            }
            if (r < rows) m0 = larger(m0, FloatVector.fromArray(S, v, block + r * L));
            FloatVector shift = larger(m0, m1).neg().mul(perUnit), sum = FloatVector.zero(S);
            for (r = 0; r < rows; r++) {
                int i = block + r * L;
                FloatVector e = pow2(FloatVector.fromArray(S, v, i).fma(slope, shift));
                e.intoArray(v, i);
                sum = sum.add(e);
            }
            one.div(sum).intoArray(inverses, inv + col);
        }
    }

    private static FloatVector larger(FloatVector a, FloatVector b) {
        return a.blend(b, b.compare(VectorOperators.GT, a));
    }
}
