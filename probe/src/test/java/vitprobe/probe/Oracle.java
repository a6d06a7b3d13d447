package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import vitprobe.engine.extract.FeatureOrigin;
import vitprobe.io.Json;
import vitprobe.testing.SharedFixtures;
import vitprobe.weights.SafeTensors;
import vitprobe.weights.Tensor;

/**
 * A scikit-learn oracle from src/test/resources/sklearn (written by bench/probe_oracle.py): train and test data
 * and the templates of LogisticRegression(C) fitted to convergence on the training data.
 */
record Oracle(ProbeData train, ProbeData test, ConceptTemplates sklearn, double inverseRegularization) {

    /** A synthetic oracle: separable or nonseparable. */
    static Oracle synthetic(String name) {
        try (SafeTensors st = SafeTensors.open(resource(name))) {
            List<String> concepts = concepts(st);
            int dim = (int) st.tensor("train_features").dim(1);
            ProbeData train = ProbeData.of(
                    st.tensor("train_features").toFloatArray(),
                    dim,
                    st.tensor("train_labels").toByteArray(),
                    concepts,
                    null,
                    null,
                    SampleKind.CLS);
            ProbeData test = ProbeData.of(
                    st.tensor("test_features").toFloatArray(),
                    dim,
                    st.tensor("test_labels").toByteArray(),
                    concepts,
                    null,
                    null,
                    SampleKind.CLS);
            return new Oracle(
                    train,
                    test,
                    templates(st, concepts, dim),
                    Double.parseDouble(st.metadata().get("C")));
        }
    }

    /**
     * Real tokens: the patch tokens of a fixture's final LayerNorm output (all its images), concepts = regions of the
     * patch grid, split by a checkerboard. Each patch is its own sample here (regions, not images, are the concepts).
     */
    static Oracle tokens(String fixture) {
        try (SafeTensors st = SafeTensors.open(resource("tokens-" + fixture));
                SafeTensors ref =
                        SafeTensors.open(SharedFixtures.resolve(st.metadata().get("fixture")))) {
            Tensor y = ref.tensor("y_norm");
            int images = (int) y.dim(0), tokens = (int) y.dim(1), dim = (int) y.dim(2);
            float[] all = y.toFloatArray();
            float[] patches = new float[images * (tokens - 1) * dim];
            for (int b = 0; b < images; b++) { // drop each image's [CLS] token
                System.arraycopy(all, (b * tokens + 1) * dim, patches, b * (tokens - 1) * dim, (tokens - 1) * dim);
            }
            assertEquals(
                    Double.parseDouble(st.metadata().get("feature_sum")),
                    sum(patches),
                    1e-2,
                    "fixture differs from the one the oracle was made from");
            List<String> concepts = concepts(st);
            byte[] labels = st.tensor("labels").toByteArray(),
                    train = st.tensor("train_mask").toByteArray();
            return new Oracle(
                    split(patches, dim, labels, concepts, train, 1),
                    split(patches, dim, labels, concepts, train, 0),
                    templates(st, concepts, dim),
                    Double.parseDouble(st.metadata().get("C")));
        }
    }

    /** An oracle by name: "separable", "nonseparable" or "tokens-" and a fixture folder. */
    static Oracle named(String name) {
        return name.startsWith("tokens-") ? tokens(name.substring("tokens-".length())) : synthetic(name);
    }

    private static ProbeData split(
            float[] features, int dim, byte[] labels, List<String> concepts, byte[] mask, int keep) {
        int c = concepts.size(), n = 0;
        for (byte m : mask) if (m == keep) n++;
        float[] f = new float[n * dim];
        byte[] l = new byte[n * c];
        for (int i = 0, k = 0; i < mask.length; i++) {
            if (mask[i] != keep) continue;
            System.arraycopy(features, i * dim, f, k * dim, dim);
            System.arraycopy(labels, i * c, l, k * c, c);
            k++;
        }
        return ProbeData.of(f, dim, l, concepts, null, null, SampleKind.CLS);
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float x : v) s += x;
        return s;
    }

    private static ConceptTemplates templates(SafeTensors st, List<String> concepts, int dim) {
        return new ConceptTemplates(
                Rule.HYPERPLANE,
                SampleKind.CLS,
                concepts,
                dim,
                st.tensor("directions").toFloatArray(),
                st.tensor("thresholds").toFloatArray(),
                null,
                FeatureOrigin.UNKNOWN);
    }

    private static List<String> concepts(SafeTensors st) {
        return ((List<?>) Json.parse(st.metadata().get("concepts")))
                .stream().map(String.class::cast).toList();
    }

    private static Path resource(String name) {
        try {
            return Path.of(Oracle.class
                    .getResource("/sklearn/" + name + ".safetensors")
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Mean over concepts of the balanced test accuracy of some templates, on this oracle's test draws. */
    double meanAccuracy(ConceptTemplates templates) {
        Evaluation.TestSet[] sets = Evaluation.balanced(test, 7);
        return Arrays.stream(Evaluation.evaluate(templates, test, sets))
                .mapToDouble(Metrics::accuracy)
                .average()
                .orElseThrow();
    }
}
