package vitprobe.probe;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import vitprobe.kernels.cpu.DenseMath;
import vitprobe.kernels.cpu.Parallel;

/**
 * The study's hyperplane protocol: per concept a logistic regression trained by mini-batch Adam on its positives
 * and a mined set of negatives. The negative pool (at most ρ·|positives| random negatives) is fixed; each of the
 * rounds fits some epochs on the positives plus r·|positives| pool negatives: random ones in round 0, afterwards
 * the pool negatives that the current template scores highest. Concepts train in parallel, each on its own
 * thread with its own random stream, so results do not depend on scheduling.
 * <p>
 * Training runs on standardised features, folded back into the template: divided per dimension by the deviation of
 * the training set, so that one learning rate suits models whose feature scales differ a hundredfold, and centred
 * per concept on the midpoint of its positive and pool means, where its boundary lies, so that the bias starts
 * near its final value even for a rare concept whose boundary is far out.
 */
public final class HyperplaneTrainer {
    /**
     * The learning rate halves after every round: the first rounds take large steps to find the boundary, the later
     * ones refine it on hard negatives without the step noise that costs generalisation when D is near N.
     */
    private static final double ROUND_DECAY = 0.5;

    /**
     * @param poolRatio    ρ: the negative pool holds at most ρ·|positives| random negatives (0: all of them)
     * @param minedRatio   r: each round trains on positives : negatives = 1 : r
     * @param rounds       rounds of hard-negative mining, the first with random negatives
     * @param epochs       passes over each round's training set
     * @param learningRate Adam step size of the first round; it halves every round
     * @param l2           weight decay on the standardised weights, added to the mean loss as (l2/2)·|w|²
     * @param batchSize    samples per Adam step
     * @param seed         for the pool, the mined sets and the batch order
     */
    public record Options(
            double poolRatio,
            int minedRatio,
            int rounds,
            int epochs,
            double learningRate,
            double l2,
            int batchSize,
            long seed) {
        public Options {
            if (!(poolRatio >= 0 && poolRatio < Double.POSITIVE_INFINITY))
                throw new IllegalArgumentException("pool ratio must be a finite number >= 0, got " + poolRatio);
            if (minedRatio < 1) throw new IllegalArgumentException("mined ratio must be >= 1, got " + minedRatio);
            if (rounds < 1) throw new IllegalArgumentException("rounds must be >= 1, got " + rounds);
            if (epochs < 1) throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            if (!(learningRate > 0 && learningRate < Double.POSITIVE_INFINITY))
                throw new IllegalArgumentException(
                        "learning rate must be a positive finite number, got " + learningRate);
            if (!(l2 >= 0 && l2 < Double.POSITIVE_INFINITY))
                throw new IllegalArgumentException("L2 must be a finite number >= 0, got " + l2);
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }

        /** ρ = 20, r = 2, 5 rounds of 3 epochs (the study's); Adam at 0.1 (halving each round), L2 1e-5, batches of 16. */
        public static Options defaults() {
            return new Options(20, 2, 5, 3, 0.1, 1e-5, 16, 0);
        }

        public Options withSeed(long s) {
            return new Options(poolRatio, minedRatio, rounds, epochs, learningRate, l2, batchSize, s);
        }
    }

    private HyperplaneTrainer() {}

    public static ConceptTemplates train(ProbeData data, Options options) {
        return train(data, options, templates -> {});
    }

    /** @param progress told of every concept finished, from any thread */
    public static ConceptTemplates train(ProbeData data, Options options, IntConsumer progress) {
        int dim = data.dim, count = data.conceptCount();
        float[] deviation = deviation(data);
        float[] directions = new float[count * dim];
        float[] thresholds = new float[count];
        Parallel.forEach(count, c -> {
            Model m = trainConcept(data, c, deviation, options);
            System.arraycopy(m.direction(), 0, directions, c * dim, dim);
            thresholds[c] = -m.bias();
            progress.accept(1);
        });
        return new ConceptTemplates(
                Rule.HYPERPLANE, data.tokens(), data.concepts(), dim, directions, thresholds, null, data.origin());
    }

    private static Model trainConcept(ProbeData data, int c, float[] deviation, Options o) {
        int[] positives = Pools.positives(data, c);
        int[] pool = Pools.negatives(data, c, positives.length, o.poolRatio(), o.seed());
        int perRound = (int) Math.min(pool.length, (long) o.minedRatio() * positives.length);
        SplittableRandom random = Draws.random(o.seed(), Draws.MINING, data.drawKey(c));
        float[] origin = mean(data, positives);
        float[] poolMean = mean(data, pool);
        for (int j = 0; j < origin.length; j++) origin[j] = (origin[j] + poolMean[j]) / 2;
        Model model = new Model(data, origin, deviation, o);
        for (int round = 0; round < o.rounds(); round++) {
            // The pool is in random order, so its head is a random draw.
            int[] negatives = round == 0 ? pool : model.highestScoring(pool, perRound);
            int[] set = Arrays.copyOf(positives, positives.length + perRound);
            System.arraycopy(negatives, 0, set, positives.length, perRound);
            model.rate = (float) Math.pow(ROUND_DECAY, round);
            for (int epoch = 0; epoch < o.epochs(); epoch++) {
                shuffle(set, random);
                for (int from = 0; from < set.length; from += o.batchSize()) {
                    model.step(set, from, Math.min(set.length, from + o.batchSize()), c);
                }
            }
        }
        return model;
    }

    private static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1), t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** Per-dimension standard deviation of the training features (1 where a dimension is constant). */
    private static float[] deviation(ProbeData data) {
        double[] mean = data.featureMean();
        double[] var = new double[data.dim];
        for (int i = 0; i < data.size; i++) {
            for (int j = 0; j < data.dim; j++) {
                double d = data.features[i * data.dim + j] - mean[j];
                var[j] += d * d;
            }
        }
        float[] s = new float[data.dim];
        for (int j = 0; j < data.dim; j++) {
            double sd = Math.sqrt(var[j] / data.size);
            s[j] = sd > 0 ? (float) sd : 1f;
        }
        return s;
    }

    private static float[] mean(ProbeData data, int[] samples) {
        double[] sum = new double[data.dim];
        for (int i : samples) {
            for (int j = 0; j < data.dim; j++) sum[j] += data.features[i * data.dim + j];
        }
        float[] m = new float[data.dim];
        for (int j = 0; j < data.dim; j++) m[j] = (float) (sum[j] / samples.length);
        return m;
    }

    /**
     * Logistic regression on standardised features u = (x - origin) / deviation with Adam. Its template on raw
     * features is d = w / deviation, bias b - d·origin, which is also what the logits are computed with.
     */
    private static final class Model {
        private static final float BETA1 = 0.9f, BETA2 = 0.999f, EPSILON = 1e-8f;
        private final ProbeData data;
        private final float[] origin, deviation;
        private final Options options;
        private final int dim;
        private final float[] w, moment1, moment2;
        private float b, biasMoment1, biasMoment2;
        private int steps;
        /** Multiplies the learning rate: {@link #ROUND_DECAY} to the power of the round. */
        float rate = 1;
        /** The raw-feature template, kept in step with w and b. */
        private final float[] direction;

        private float rawBias;
        private final float[] featureSum;

        Model(ProbeData data, float[] origin, float[] deviation, Options options) {
            this.data = data;
            this.origin = origin;
            this.deviation = deviation;
            this.options = options;
            this.dim = data.dim;
            this.w = new float[dim];
            this.moment1 = new float[dim];
            this.moment2 = new float[dim];
            this.direction = new float[dim];
            this.featureSum = new float[dim];
        }

        float[] direction() {
            return direction;
        }

        float bias() {
            return rawBias;
        }

        float logit(int sample) {
            return DenseMath.dot(direction, 0, data.features, sample * dim, dim) + rawBias;
        }

        /** One Adam step on samples set[from..to). */
        void step(int[] set, int from, int to, int concept) {
            Arrays.fill(featureSum, 0);
            float residualSum = 0;
            for (int k = from; k < to; k++) {
                int i = set[k];
                float y = data.label(i, concept) ? 1f : 0f;
                float r = (float) (1 / (1 + Math.exp(-logit(i)))) - y;
                DenseMath.axpy(r, data.features, i * dim, featureSum, 0, dim);
                residualSum += r;
            }
            float inverseCount = 1f / (to - from);
            steps++;
            float lr = (float) (rate
                    * options.learningRate()
                    * Math.sqrt(1 - Math.pow(BETA2, steps))
                    / (1 - Math.pow(BETA1, steps)));
            float l2 = (float) options.l2();
            for (int j = 0; j < dim; j++) {
                // d/dw of the mean loss on u = (x - origin)/deviation is (Σ r x - origin Σ r) / deviation / n
                float g = (featureSum[j] - origin[j] * residualSum) / deviation[j] * inverseCount + l2 * w[j];
                moment1[j] = BETA1 * moment1[j] + (1 - BETA1) * g;
                moment2[j] = BETA2 * moment2[j] + (1 - BETA2) * g * g;
                w[j] -= lr * moment1[j] / ((float) Math.sqrt(moment2[j]) + EPSILON);
            }
            float gb = residualSum * inverseCount;
            biasMoment1 = BETA1 * biasMoment1 + (1 - BETA1) * gb;
            biasMoment2 = BETA2 * biasMoment2 + (1 - BETA2) * gb * gb;
            b -= lr * biasMoment1 / ((float) Math.sqrt(biasMoment2) + EPSILON);
            float shift = 0;
            for (int j = 0; j < dim; j++) {
                direction[j] = w[j] / deviation[j];
                shift += direction[j] * origin[j];
            }
            rawBias = b - shift;
        }

        /** The count samples of pool that the current template scores highest. */
        int[] highestScoring(int[] pool, int count) {
            long[] keyed = new long[pool.length];
            for (int k = 0; k < pool.length; k++) keyed[k] = (long) sortable(logit(pool[k])) << 32 | pool[k];
            Arrays.sort(keyed);
            int[] out = new int[count];
            for (int k = 0; k < count; k++) out[k] = (int) keyed[keyed.length - 1 - k];
            return out;
        }

        /** An int that orders like the float. */
        private static int sortable(float f) {
            int bits = Float.floatToIntBits(f);
            return bits ^ ((bits >> 31) & 0x7fffffff);
        }
    }
}
