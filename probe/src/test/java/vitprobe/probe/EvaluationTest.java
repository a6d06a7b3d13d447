package vitprobe.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;

class EvaluationTest {

    @Test
    void balancedSetsHoldAllPositivesAndAsManyRandomNegatives() {
        ProbeData d = Synthetic.segmentation(5, 30, 10, 4, 5, 1.0);
        for (int c = 0; c < d.conceptCount(); c++) {
            Evaluation.TestSet set = Evaluation.balanced(d, c, 3);
            int[] negatives = d.negatives(c);
            assertArrayEquals(d.positives(c), set.positives());
            assertEquals(Math.min(set.positives().length, negatives.length), set.negatives().length);
            assertEquals(
                    set.negatives().length,
                    Arrays.stream(set.negatives()).distinct().count());
            for (int i : set.negatives())
                assertTrue(Arrays.binarySearch(negatives, i) >= 0, "a negative of the concept");
            assertArrayEquals(set.negatives(), Evaluation.balanced(d, c, 3).negatives(), "the seed decides the draw");
        }
        assertFalse(Arrays.equals(
                Evaluation.balanced(d, 0, 3).negatives(),
                Evaluation.balanced(d, 0, 4).negatives()));
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
    void reportListsConceptsCategoriesAndMeans() {
        ProbeData train = Synthetic.segmentation(6, 40, 10, 6, 4, 2.0),
                test = Synthetic.segmentation(7, 40, 10, 6, 4, 2.0);
        var options = new CosineTrainer.Options(2, 3, false, 0);
        Evaluation.TestSet[] sets = Evaluation.balanced(test, 0);
        List<Metrics[]> trials = CosineTrainer.train(train, options).stream()
                .map(t -> Evaluation.evaluate(t, test, sets))
                .toList();
        ProbeReport.Result report = cosineReport(train, test, options, "patch", sets, trials);
        assertEquals("cosine", report.rule());
        assertEquals(2, report.training().k());
        List<ProbeReport.ConceptResult> concepts = report.concepts();
        assertEquals(4, concepts.size());
        double sum = 0;
        for (int c = 0; c < 4; c++) {
            int concept = c;
            ProbeReport.ConceptResult e = concepts.get(c);
            assertEquals("concept" + c, e.name());
            assertEquals(Integer.toString(c % 2), e.category(), "numbered: the data names no category");
            assertEquals(test.positives(c).length, e.positives());
            assertEquals(null, e.k(), "every concept has k training images");
            double mean =
                    trials.stream().mapToDouble(m -> m[concept].f1()).average().orElseThrow();
            assertEquals(mean, e.mean().f1(), 1e-12);
            assertTrue(e.std().f1Std() != null && e.std().accuracyStd() != null);
            sum += e.mean().accuracy();
        }
        assertEquals(sum / 4, report.mean().accuracy(), 1e-12);
        List<ProbeReport.CategoryResult> categories = report.categories();
        assertEquals(
                List.of("0", "1"),
                categories.stream().map(ProbeReport.CategoryResult::category).toList());
        double category0 =
                (concepts.get(0).mean().recall() + concepts.get(2).mean().recall()) / 2;
        assertEquals(category0, categories.get(0).mean().recall(), 1e-12);
        String json = JsonRecords.writePretty(report);
        assertEquals(
                List.of(
                        "rule",
                        "seed",
                        "k",
                        "trials",
                        "center",
                        "tokens",
                        "train",
                        "test",
                        "skipped_concepts",
                        "negatives_from_other_categories",
                        "seconds",
                        "concepts",
                        "categories",
                        "mean"),
                List.copyOf(Json.parseObject(json).keySet()));
        assertEquals(report, JsonRecords.read(json, ProbeReport.Result.class), "the file reads back as written");
    }

    /** Tester report: the k a concept's trials really used is recorded where it falls short of the k asked for. */
    @Test
    void reportRecordsTheSupportSizeOfConceptsShortOfK() {
        ProbeData train = Synthetic.classification(4, 14, 6, 3, 1.0), test = Synthetic.classification(5, 30, 6, 3, 1.0);
        var options = new CosineTrainer.Options(5, 2, false, 0);
        Evaluation.TestSet[] sets = Evaluation.balanced(test, 0);
        List<Metrics[]> trials = CosineTrainer.train(train, options).stream()
                .map(t -> Evaluation.evaluate(t, test, sets))
                .toList();
        ProbeReport.Result report = cosineReport(train, test, options, "cls", sets, trials);
        assertEquals(
                Arrays.asList(null, null, 4),
                report.concepts().stream().map(ProbeReport.ConceptResult::k).toList());
        String json = JsonRecords.writePretty(report);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> concepts =
                (List<Map<String, Object>>) Json.parseObject(json).get("concepts");
        assertFalse(concepts.get(0).containsKey("k"));
        assertEquals(4L, concepts.get(2).get("k"));
        assertEquals(report, JsonRecords.read(json, ProbeReport.Result.class), "the file reads back as written");
    }

    /** The report of cosine templates trained on {@code train}, their {@code trials} evaluated on {@code test}. */
    private static ProbeReport.Result cosineReport(
            ProbeData train,
            ProbeData test,
            CosineTrainer.Options options,
            String tokens,
            Evaluation.TestSet[] sets,
            List<Metrics[]> trials) {
        return ProbeReport.build(
                Rule.COSINE,
                ProbeReport.Training.cosine(options),
                tokens,
                "train",
                "test",
                List.of(),
                List.of(),
                CosineTrainer.negativesFromOtherConcepts(train, options),
                new ProbeReport.Seconds(1, 2, 3),
                test,
                sets,
                CosineTrainer.supportSizes(train, options),
                trials);
    }
}
