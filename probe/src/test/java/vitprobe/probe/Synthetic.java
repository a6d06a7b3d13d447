package vitprobe.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small synthetic probe data sets: concept prototypes plus Gaussian noise. */
final class Synthetic {
    private Synthetic() {}

    private static List<String> names(int concepts) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < concepts; c++) names.add("concept" + c);
        return names;
    }

    private static float[][] prototypes(SplittableRandom random, int concepts, int dim) {
        float[][] p = new float[concepts][dim];
        for (float[] row : p) for (int j = 0; j < dim; j++) row[j] = (float) (2 * random.nextGaussian() + 1);
        return p;
    }

    /** [CLS]-like data: every sample is its own image and carries exactly one of the concepts. */
    static ProbeData classification(long seed, int samples, int dim, int concepts, double noise) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] proto = prototypes(new SplittableRandom(42), concepts, dim);
        float[] features = new float[samples * dim];
        byte[] labels = new byte[samples * concepts];
        for (int i = 0; i < samples; i++) {
            int c = i % concepts;
            labels[i * concepts + c] = 1;
            for (int j = 0; j < dim; j++) features[i * dim + j] = proto[c][j] + (float) (noise * random.nextGaussian());
        }
        return ProbeData.of(features, dim, labels, names(concepts), null, null, SampleKind.CLS);
    }

    /**
     * Patch-like data: images of several patches; concepts alternate between two categories; every image shows
     * one concept of each category on some of its patches, the rest stay unlabelled.
     */
    static ProbeData segmentation(long seed, int images, int patches, int dim, int concepts, double noise) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] proto = prototypes(new SplittableRandom(43), concepts, dim);
        int n = images * patches;
        float[] features = new float[n * dim];
        byte[] labels = new byte[n * concepts];
        long[] groups = new long[n];
        long[] categories = new long[concepts];
        for (int c = 0; c < concepts; c++) categories[c] = c % 2;
        for (int g = 0; g < images; g++) {
            int first = 2 * random.nextInt((concepts + 1) / 2),
                    second = Math.min(concepts - 1, 2 * random.nextInt(concepts / 2) + 1);
            for (int p = 0; p < patches; p++) {
                int i = g * patches + p;
                groups[i] = 1000 + g;
                double u = random.nextDouble();
                int shown = u < 0.4 ? first : u < 0.8 ? second : -1;
                if (shown >= 0) labels[i * concepts + shown] = 1;
                for (int j = 0; j < dim; j++) {
                    features[i * dim + j] =
                            (shown >= 0 ? proto[shown][j] : 0) + (float) (noise * random.nextGaussian());
                }
            }
        }
        return ProbeData.of(features, dim, labels, names(concepts), groups, categories, null);
    }
}
