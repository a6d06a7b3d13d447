package vitprobe.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;
import vitprobe.kernels.cpu.DenseMath;
import vitprobe.kernels.cpu.Parallel;

/**
 * The converged hyperplane solver: per concept, L2-regularised logistic regression on its positives and its
 * negative pool, minimising C·Σ log-loss + ½|w|² (scikit-learn's LogisticRegression(C) objective, bias not
 * penalised) to a small gradient. All concepts are solved together: each pass computes the logits of every
 * concept as one matrix product X·Wᵀ and every gradient as one product Xᵀ·R. Every concept runs its own
 * L-BFGS, preconditioned by ¼·XᵀX (the bound on the logistic Hessian), which makes it converge in a few dozen
 * iterations even on raw, badly scaled ViT features.
 */
public final class LogisticRegressionTrainer {
    /** Rows per task in the logit pass: the logits of one block stay in cache while the loss reads them. */
    private static final int ROW_BLOCK = 512;

    private static final int MEMORY = 10;
    private static final double ARMIJO = 1e-4;
    /** Halvings of the step before a concept counts as converged: the loss no longer decreases measurably. */
    private static final int MAX_BACKTRACKS = 10;
    /**
     * Concepts solved together at most: bounds the logit matrix (N × this many floats) on large patch sets while
     * keeping the products wide enough to run at full speed.
     */
    private static final int CONCEPT_CHUNK = 256;
    /** Role of a sample for a concept: not in its training set, negative, positive. */
    private static final byte UNUSED = 0, NEGATIVE = 1, POSITIVE = 2;

    /**
     * @param inverseRegularization C as in scikit-learn: larger means weaker L2
     * @param poolRatio             negatives per positive kept for a concept (ρ); 0 keeps all negatives
     * @param maxIterations         L-BFGS iterations per concept at most
     * @param tolerance             stop once every gradient component of the mean loss is below this
     * @param seed                  for the negative pool draw
     */
    public record Options(
            double inverseRegularization, double poolRatio, int maxIterations, double tolerance, long seed) {
        public Options {
            if (!(inverseRegularization > 0 && inverseRegularization < Double.POSITIVE_INFINITY))
                throw new IllegalArgumentException("C must be a positive finite number, got " + inverseRegularization);
            if (!(poolRatio >= 0 && poolRatio < Double.POSITIVE_INFINITY))
                throw new IllegalArgumentException("pool ratio must be a finite number >= 0, got " + poolRatio);
            if (maxIterations < 1)
                throw new IllegalArgumentException("max iterations must be >= 1, got " + maxIterations);
            if (!(tolerance > 0 && tolerance < Double.POSITIVE_INFINITY))
                throw new IllegalArgumentException("tolerance must be a positive finite number, got " + tolerance);
        }

        public static Options defaults() {
            return new Options(1.0, 0, 500, 1e-6, 0);
        }

        public Options withInverseRegularization(double c) {
            return new Options(c, poolRatio, maxIterations, tolerance, seed);
        }

        public Options withPoolRatio(double ratio) {
            return new Options(inverseRegularization, ratio, maxIterations, tolerance, seed);
        }

        public Options withSeed(long s) {
            return new Options(inverseRegularization, poolRatio, maxIterations, tolerance, s);
        }
    }

    private LogisticRegressionTrainer() {}

    public static ConceptTemplates train(ProbeData data, Options options) {
        return train(data, options, templates -> {});
    }

    /** @param progress told of the concepts finished */
    public static ConceptTemplates train(ProbeData data, Options options, IntConsumer progress) {
        int n = data.size, dim = data.dim, count = data.conceptCount();
        byte[] roles = new byte[n * count];
        int[] sampleCount = new int[count];
        int[] positiveCount = new int[count];
        Parallel.forEach(count, c -> {
            int[] positives = Pools.positives(data, c);
            int[] negatives = Pools.negatives(data, c, positives.length, options.poolRatio(), options.seed());
            for (int i : positives) roles[i * count + c] = POSITIVE;
            for (int i : negatives) roles[i * count + c] = NEGATIVE;
            positiveCount[c] = positives.length;
            sampleCount[c] = positives.length + negatives.length;
        });
        double meanSamples = Arrays.stream(sampleCount).average().orElseThrow();
        Cholesky preconditioner = preconditioner(data, 1 / (options.inverseRegularization() * meanSamples));

        List<Lbfgs> solvers = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            double[] start = new double[dim + 1];
            double p = (double) positiveCount[c] / sampleCount[c];
            start[dim] = Math.log(p / (1 - p));
            solvers.add(new Lbfgs(c, start, 1 / (options.inverseRegularization() * sampleCount[c]), sampleCount[c]));
        }
        float[] directions = new float[count * dim];
        float[] thresholds = new float[count];
        for (int from = 0; from < count; from += CONCEPT_CHUNK) {
            List<Lbfgs> active = solvers.subList(from, Math.min(count, from + CONCEPT_CHUNK));
            while (!active.isEmpty()) {
                evaluate(data, roles, active);
                List<Lbfgs> stepping = active;
                Parallel.forEach(stepping.size(), j -> stepping.get(j).step(preconditioner, options));
                active = active.stream().filter(s -> !s.done).toList();
                progress.accept(stepping.size() - active.size());
            }
        }
        for (Lbfgs s : solvers) {
            for (int k = 0; k < dim; k++) directions[s.concept * dim + k] = (float) s.w[k];
            thresholds[s.concept] = (float) -s.w[dim];
        }
        return new ConceptTemplates(
                Rule.HYPERPLANE, data.tokens(), data.concepts(), dim, directions, thresholds, null, data.origin());
    }

    /** Loss and gradient of every active solver at its trial point, from two matrix products over all samples. */
    private static void evaluate(ProbeData data, byte[] roles, List<Lbfgs> active) {
        int n = data.size, dim = data.dim, count = data.conceptCount();
        int a = active.size(), width = ConceptTemplates.roundUp(a, DenseMath.L);
        float[] weightsT = new float[dim * width];
        float[] bias = new float[a];
        double[] inverseSamples = new double[a];
        int[] concept = new int[a];
        for (int j = 0; j < a; j++) {
            Lbfgs s = active.get(j);
            for (int k = 0; k < dim; k++) weightsT[k * width + j] = (float) s.trial[k];
            bias[j] = (float) s.trial[dim];
            inverseSamples[j] = 1.0 / s.samples;
            concept[j] = s.concept;
        }
        // Logits, then in place the residuals (sigmoid(z) - y) / n_c: the matrix R of the gradient product.
        float[] residuals = new float[n * width];
        int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        double[][] loss = new double[blocks][a];
        double[][] biasGradient = new double[blocks][a];
        Parallel.forEach(blocks, blk -> {
            int from = blk * ROW_BLOCK, to = Math.min(n, from + ROW_BLOCK);
            DenseMath.gemm(data.features, dim, 1, weightsT, width, residuals, width, from, to, dim, width);
            double[] l = loss[blk], gb = biasGradient[blk];
            for (int i = from; i < to; i++) {
                for (int j = 0; j < a; j++) {
                    int role = roles[i * count + concept[j]];
                    if (role == UNUSED) {
                        residuals[i * width + j] = 0;
                        continue;
                    }
                    double z = residuals[i * width + j] + bias[j];
                    double y = role == POSITIVE ? 1 : 0;
                    // log(1 + e^z) - y z and sigmoid(z) from one exponential, finite for any z
                    double e = Math.exp(-Math.abs(z));
                    l[j] += Math.max(z, 0) + Math.log(1 + e) - y * z;
                    double r = ((z >= 0 ? 1 : e) / (1 + e) - y) * inverseSamples[j];
                    residuals[i * width + j] = (float) r;
                    gb[j] += r;
                }
            }
        });
        float[] gradientT = new float[dim * width];
        int dimBlocks = (dim + 31) / 32;
        Parallel.forEach(
                dimBlocks,
                blk -> DenseMath.gemm(
                        data.features,
                        1,
                        dim,
                        residuals,
                        width,
                        gradientT,
                        width,
                        blk * 32,
                        Math.min(dim, blk * 32 + 32),
                        n,
                        width));
        for (int j = 0; j < a; j++) {
            Lbfgs s = active.get(j);
            double l = 0, gb = 0;
            for (int b = 0; b < blocks; b++) {
                l += loss[b][j];
                gb += biasGradient[b][j];
            }
            double penalty = 0;
            for (int k = 0; k < dim; k++) {
                penalty += s.trial[k] * s.trial[k];
                s.trialGradient[k] = gradientT[k * width + j] + s.lambda * s.trial[k];
            }
            s.trialGradient[dim] = gb;
            s.trialValue = l * inverseSamples[j] + 0.5 * s.lambda * penalty;
        }
    }

    /**
     * Cholesky factor of ¼·E[x̃x̃ᵀ] + λ̄·I over all samples, x̃ = (x, 1) and λ̄ the mean L2 weight (not on the
     * bias): an upper bound of every concept's Hessian up to the sample subset, shared by all concepts.
     */
    private static Cholesky preconditioner(ProbeData data, double meanLambda) {
        int n = data.size, dim = data.dim;
        int width = ConceptTemplates.roundUp(dim, DenseMath.L);
        // XᵀX as a product of X with itself, whose rows the kernel wants padded to whole vectors
        float[] f = width == dim ? data.features : new float[n * width];
        if (width != dim) for (int i = 0; i < n; i++) System.arraycopy(data.features, i * dim, f, i * width, dim);
        float[] gram = new float[width * width];
        int dimBlocks = (dim + 31) / 32;
        Parallel.forEach(
                dimBlocks,
                blk -> DenseMath.gemm(
                        f, 1, width, f, width, gram, width, blk * 32, Math.min(dim, blk * 32 + 32), n, width));
        double[] mean = data.featureMean();
        double[][] m = new double[dim + 1][dim + 1];
        double trace = 0;
        for (int r = 0; r < dim; r++) {
            for (int c = 0; c < dim; c++) m[r][c] = 0.25 * gram[r * width + c] / n;
            m[r][r] += meanLambda;
            m[r][dim] = m[dim][r] = 0.25 * mean[r];
            trace += m[r][r];
        }
        m[dim][dim] = 0.25;
        // A whisker of ridge keeps the factorisation defined when features are collinear and L2 is tiny.
        for (int r = 0; r <= dim; r++) m[r][r] += 1e-9 * trace / dim;
        return new Cholesky(m);
    }

    /** Lower-triangular factor L of a symmetric positive definite matrix, M = L·Lᵀ. */
    static final class Cholesky {
        private final double[][] l;

        Cholesky(double[][] m) {
            int n = m.length;
            l = new double[n][];
            for (int i = 0; i < n; i++) {
                l[i] = new double[i + 1];
                for (int j = 0; j <= i; j++) {
                    double s = m[i][j];
                    for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                    if (i == j) {
                        if (!(s > 0)) throw new IllegalStateException("preconditioner is not positive definite");
                        l[i][i] = Math.sqrt(s);
                    } else {
                        l[i][j] = s / l[j][j];
                    }
                }
            }
        }

        /** M⁻¹·v, by forward and back substitution. */
        double[] solve(double[] v) {
            int n = l.length;
            double[] x = v.clone();
            for (int i = 0; i < n; i++) {
                double s = x[i];
                for (int k = 0; k < i; k++) s -= l[i][k] * x[k];
                x[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                x[i] /= l[i][i];
                double xi = x[i];
                for (int k = 0; k < i; k++) x[k] -= l[i][k] * xi;
            }
            return x;
        }
    }

    /** One concept's L-BFGS with Armijo backtracking, driven one function evaluation at a time. */
    static final class Lbfgs {
        final int concept;
        final double lambda;
        final int samples;
        final double[] w, gradient;
        final double[] trial, trialGradient;
        double value = Double.NaN, trialValue;
        double[] direction;
        double step, slope;
        final double[][] sHistory = new double[MEMORY][], yHistory = new double[MEMORY][];
        final double[] rho = new double[MEMORY];
        /** Scale of H₀ = γ·M⁻¹ from the newest pair: sᵀy / yᵀM⁻¹y. */
        double gamma;

        int stored, newest = -1, iterations, backtracks;
        boolean done;

        Lbfgs(int concept, double[] start, double lambda, int samples) {
            this.concept = concept;
            this.lambda = lambda;
            this.samples = samples;
            this.w = start.clone();
            this.gradient = new double[start.length];
            this.trial = start.clone();
            this.trialGradient = new double[start.length];
        }

        /**
         * Takes the evaluation at the trial point: accept it and pick a new direction, or backtrack. Every call after
         * the first counts an iteration or a backtrack, both bounded, so the solver ends whatever the loss does.
         */
        void step(Cholesky preconditioner, Options options) {
            boolean first = direction == null;
            // The loss is convex along the line, so a trial where it still descends lies below the start even when
            // float rounding of the logits hides the decrease from the Armijo test near the optimum. A loss that
            // overflowed (not finite) is a step too far.
            if (!first
                    && (!Double.isFinite(trialValue)
                            || !(trialValue <= value + ARMIJO * step * slope) && dot(trialGradient, direction) > 0)) {
                step *= 0.5;
                if (++backtracks > MAX_BACKTRACKS) {
                    done = true;
                    return;
                }
                for (int k = 0; k < w.length; k++) trial[k] = w[k] + step * direction[k];
                return;
            }
            if (!first) {
                remember(preconditioner);
                iterations++;
            }
            System.arraycopy(trial, 0, w, 0, w.length);
            System.arraycopy(trialGradient, 0, gradient, 0, w.length);
            value = trialValue;
            backtracks = 0;
            if (!Double.isFinite(value)
                    || largestGradient() <= options.tolerance()
                    || iterations >= options.maxIterations()) {
                done = true;
                return;
            }
            direction = direction(preconditioner);
            slope = dot(gradient, direction);
            if (!(slope < 0)) { // not a descent direction: forget the curvature pairs, take the preconditioned gradient
                stored = 0;
                direction = direction(preconditioner);
                slope = dot(gradient, direction);
            }
            step = 1;
            for (int k = 0; k < w.length; k++) trial[k] = w[k] + direction[k];
        }

        private double largestGradient() {
            double largest = 0;
            for (double g : gradient) largest = Math.max(largest, Math.abs(g));
            return largest;
        }

        private void remember(Cholesky preconditioner) {
            double[] s = new double[w.length], y = new double[w.length];
            for (int k = 0; k < w.length; k++) {
                s[k] = trial[k] - w[k];
                y[k] = trialGradient[k] - gradient[k];
            }
            double sy = dot(s, y);
            if (!(sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y)))) return; // curvature pair would break positivity
            newest = (newest + 1) % MEMORY;
            sHistory[newest] = s;
            yHistory[newest] = y;
            rho[newest] = 1 / sy;
            gamma = sy / dot(y, preconditioner.solve(y));
            stored = Math.min(stored + 1, MEMORY);
        }

        /** -H·g by the two-loop recursion, with H₀ = γ·M⁻¹ for the preconditioner M. */
        private double[] direction(Cholesky preconditioner) {
            double[] q = gradient.clone();
            double[] alpha = new double[MEMORY];
            for (int i = 0, idx = newest; i < stored; i++, idx = (idx + MEMORY - 1) % MEMORY) {
                alpha[idx] = rho[idx] * dot(sHistory[idx], q);
                axpy(-alpha[idx], yHistory[idx], q);
            }
            double[] r = preconditioner.solve(q);
            if (stored > 0) for (int k = 0; k < r.length; k++) r[k] *= gamma;
            for (int i = 0, idx = (newest - stored + 1 + MEMORY) % MEMORY; i < stored; i++, idx = (idx + 1) % MEMORY) {
                double beta = rho[idx] * dot(yHistory[idx], r);
                axpy(alpha[idx] - beta, sHistory[idx], r);
            }
            for (int k = 0; k < r.length; k++) r[k] = -r[k];
            return r;
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void axpy(double alpha, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) y[i] += alpha * x[i];
    }
}
