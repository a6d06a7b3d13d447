package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogisticRegressionTrainerTest {

    private static ConceptTemplates fit(Oracle o) {
        return LogisticRegressionTrainer.train(
                o.train(),
                LogisticRegressionTrainer.Options.defaults().withInverseRegularization(o.inverseRegularization()));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"separable", "nonseparable", "tokens-timm-dino-vits8-depth2", "tokens-hf-vit-dino-format-small"})
    void balancedAccuracyMatchesConvergedSklearn(String name) {
        Oracle o = Oracle.named(name);
        assertEquals(o.meanAccuracy(o.sklearn()), o.meanAccuracy(fit(o)), 0.005);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"separable", "nonseparable", "tokens-timm-dino-vits8-depth2", "tokens-hf-vit-dino-format-small"})
    void reachesTheObjectiveOfSklearn(String name) {
        Oracle o = Oracle.named(name);
        ConceptTemplates ours = fit(o);
        for (int c = 0; c < ours.conceptCount(); c++) {
            double sklearn = objective(o.train(), c, o.sklearn(), o.inverseRegularization());
            double mine = objective(o.train(), c, ours, o.inverseRegularization());
            assertTrue(
                    mine <= sklearn * (1 + 1e-5),
                    "concept " + c + ": objective " + mine + " above sklearn's " + sklearn);
        }
    }

    /** C·Σ log(1 + exp(-s·z)) + ½|w|², in double, as scikit-learn states it. */
    static double objective(ProbeData data, int c, ConceptTemplates t, double inverseRegularization) {
        float[] w = t.direction(c);
        double loss = 0, norm = 0;
        for (float x : w) norm += (double) x * x;
        for (int i = 0; i < data.size(); i++) {
            double z = -t.threshold(c);
            float[] f = data.feature(i);
            for (int j = 0; j < w.length; j++) z += (double) w[j] * f[j];
            double m = data.label(i, c) ? -z : z;
            loss += Math.max(m, 0) + Math.log1p(Math.exp(-Math.abs(m)));
        }
        return inverseRegularization * loss + 0.5 * norm;
    }

    @Test
    void gradientVanishesAtTheSolution() {
        Oracle o = Oracle.synthetic("nonseparable");
        ConceptTemplates t = fit(o);
        ProbeData d = o.train();
        for (int c = 0; c < t.conceptCount(); c++) {
            float[] w = t.direction(c);
            double[] g = new double[d.dim() + 1];
            for (int i = 0; i < d.size(); i++) {
                float[] f = d.feature(i);
                double z = -t.threshold(c);
                for (int j = 0; j < w.length; j++) z += (double) w[j] * f[j];
                double r = 1 / (1 + Math.exp(-z)) - (d.label(i, c) ? 1 : 0);
                for (int j = 0; j < w.length; j++) g[j] += r * f[j];
                g[d.dim()] += r;
            }
            // gradient of the mean loss plus the L2 term 1/(C n)·w
            for (int j = 0; j < w.length; j++) g[j] = g[j] / d.size() + w[j] / (o.inverseRegularization() * d.size());
            g[d.dim()] /= d.size();
            double largest = Arrays.stream(g).map(Math::abs).max().orElseThrow();
            assertTrue(largest < 1e-5, "concept " + c + ": gradient " + largest);
        }
    }

    @Test
    void weakerRegularisationGrowsTheWeights() {
        Oracle o = Oracle.synthetic("nonseparable");
        var options = LogisticRegressionTrainer.Options.defaults();
        ConceptTemplates strong = LogisticRegressionTrainer.train(o.train(), options.withInverseRegularization(1e-3));
        ConceptTemplates weak = LogisticRegressionTrainer.train(o.train(), options.withInverseRegularization(10));
        for (int c = 0; c < strong.conceptCount(); c++) {
            assertTrue(ConceptTemplates.norm(strong.direction(c), 0, o.train().dim())
                    < ConceptTemplates.norm(weak.direction(c), 0, o.train().dim()));
        }
    }

    @Test
    void aConceptOnEverySampleHasNothingToLearnFrom() {
        ProbeData all = ProbeData.of(
                new float[] {1, 2, 3, 4}, 2, new byte[] {1, 1}, java.util.List.of("everything"), null, null, null);
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> LogisticRegressionTrainer.train(all, LogisticRegressionTrainer.Options.defaults()));
        assertTrue(e.getMessage().contains("'everything' has no negative samples"), e.getMessage());
    }

    /** A loss that overflows to NaN (at the start or on the way) ends the solver instead of restarting it forever. */
    @Test
    void aSolverWhoseLossTurnsNaNStops() {
        var options = LogisticRegressionTrainer.Options.defaults();
        var identity = new LogisticRegressionTrainer.Cholesky(new double[][] {{1, 0}, {0, 1}});
        for (int finiteEvaluations : new int[] {0, 1, 3}) {
            var solver = new LogisticRegressionTrainer.Lbfgs(0, new double[2], 1, 10);
            int evaluations = 0;
            while (!solver.done && evaluations < 10_000) {
                boolean nan = evaluations >= finiteEvaluations;
                solver.trialValue = nan ? Double.NaN : 1.0 / (1 + evaluations);
                Arrays.fill(solver.trialGradient, nan ? Double.NaN : 1);
                solver.step(identity, options);
                evaluations++;
            }
            assertTrue(solver.done, "still running after " + evaluations + " evaluations");
            for (double w : solver.w) assertTrue(Double.isFinite(w), "keeps its last finite point");
        }
    }
}
