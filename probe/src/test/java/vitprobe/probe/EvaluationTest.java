package vitprobe.probe;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvaluationTest {

    @Test
    void balancedSetsHoldAllPositivesAndAsManyRandomNegatives() {
        ProbeData d = Synthetic.segmentation(5, 30, 10, 4, 5, 1.0);
        for (int c = 0; c < d.conceptCount(); c++) {
            Evaluation.TestSet set = Evaluation.balanced(d, c, 3);
            int[] negatives = d.negatives(c);
            assertArrayEquals(d.positives(c), set.positives());
            assertEquals(Math.min(set.positives().length, negatives.length), set.negatives().length);
            assertEquals(set.negatives().length, Arrays.stream(set.negatives()).distinct().count());
            for (int i : set.negatives()) assertTrue(Arrays.binarySearch(negatives, i) >= 0, "a negative of the concept");
            assertArrayEquals(set.negatives(), Evaluation.balanced(d, c, 3).negatives(), "the seed decides the draw");
        }
        assertFalse(Arrays.equals(Evaluation.balanced(d, 0, 3).negatives(), Evaluation.balanced(d, 0, 4).negatives()));
    }

    @Test
    void metricsFollowTheirDefinitions() {
        Metrics m = Metrics.of(6, 2, 8, 4);
        assertEquals(0.7, m.accuracy(), 1e-12);
        assertEquals(0.75, m.precision(), 1e-12);
        assertEquals(0.6, m.recall(), 1e-12);
        assertEquals(2 * 0.75 * 0.6 / (0.75 + 0.6), m.f1(), 1e-12);
        assertEquals(new Metrics(0.5, 0, 0, 0), Metrics.of(0, 0, 5, 5), "nothing predicted positive: precision 0");
        Metrics std = Metrics.std(List.of(new Metrics(1, 1, 1, 1), new Metrics(0, 0.5, 1, 0)));
        assertEquals(new Metrics(0.5, 0.25, 0, 0.5), std);
    }

    @Test
    @SuppressWarnings("unchecked")
    void reportListsConceptsCategoriesAndMeans() {
        ProbeData train = Synthetic.segmentation(6, 40, 10, 6, 4, 2.0), test = Synthetic.segmentation(7, 40, 10, 6, 4, 2.0);
        var options = new CosineTrainer.Options(2, 3, false, 0);
        Evaluation.TestSet[] sets = Evaluation.balanced(test, 0);
        List<Metrics[]> trials = CosineTrainer.train(train, options).stream().map(t -> Evaluation.evaluate(t, test, sets)).toList();
        Map<String, Object> report = ProbeReport.build(Rule.COSINE, test, sets, trials, Map.of("k", 2));
        assertEquals("cosine", report.get("rule"));
        assertEquals(2, report.get("k"));
        List<Map<String, Object>> concepts = (List<Map<String, Object>>) report.get("concepts");
        assertEquals(4, concepts.size());
        double sum = 0;
        for (int c = 0; c < 4; c++) {
            int concept = c;
            Map<String, Object> e = concepts.get(c);
            assertEquals("concept" + c, e.get("name"));
            assertEquals((long) (c % 2), e.get("category"));
            assertEquals(test.positives(c).length, e.get("positives"));
            double mean = trials.stream().mapToDouble(m -> m[concept].f1()).average().orElseThrow();
            assertEquals(mean, (double) e.get("f1"), 1e-12);
            assertTrue(e.containsKey("f1_std") && e.containsKey("accuracy_std"));
            sum += (double) e.get("accuracy");
        }
        assertEquals(sum / 4, (double) ((Map<String, Object>) report.get("mean")).get("accuracy"), 1e-12);
        List<Map<String, Object>> categories = (List<Map<String, Object>>) report.get("categories");
        assertEquals(List.of(0L, 1L), categories.stream().map(e -> e.get("category")).toList());
        double category0 = ((double) concepts.get(0).get("recall") + (double) concepts.get(2).get("recall")) / 2;
        assertEquals(category0, (double) categories.get(0).get("recall"), 1e-12);
    }
}
