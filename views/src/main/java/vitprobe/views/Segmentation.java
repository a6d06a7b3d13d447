package vitprobe.views;

import java.util.Comparator;
import java.util.List;
import vitprobe.probe.SampleKind;

/** The templates applied to one image: every concept's scores, in the templates' order. */
public record Segmentation(InputImage image, SampleKind kind, List<ConceptScores> concepts) {
    public Segmentation {
        concepts = List.copyOf(concepts);
    }

    /**
     * The concepts that fire, the most telling first: patch templates by the area their masks cover (then mean
     * score), [CLS] templates by how far their score passes the threshold.
     */
    public List<ConceptScores> ranked() {
        Comparator<ConceptScores> order = kind == SampleKind.CLS
                ? Comparator.comparingDouble(ConceptScores::margin).reversed()
                : Comparator.comparingDouble(ConceptScores::area)
                        .thenComparingDouble(ConceptScores::meanScore)
                        .reversed();
        return concepts.stream().filter(ConceptScores::fires).sorted(order).toList();
    }
}
