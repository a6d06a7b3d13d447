package vitprobe.probe.experiment;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vitprobe.engine.TokenGrid;
import vitprobe.engine.extract.Sample;
import vitprobe.engine.image.RgbImage;

/**
 * A test image that may appear in the panels. {@link PanelInference} records what the models make of it: the picture
 * at the model's input, per model the true masks, per column the predicted masks (one mask per chosen concept).
 */
final class PanelCandidate {
    /** A model's truth: the image's patch grid and, per chosen concept, the patches labelled with it. */
    record Truth(TokenGrid grid, BitSet[] masks) {}

    final Sample sample;
    /** The image's position in the test split: it names the picture and breaks ties. */
    final int index;

    final Map<String, Truth> truth = new LinkedHashMap<>();
    final Map<PanelColumn, BitSet[]> predicted = new LinkedHashMap<>();
    RgbImage picture;

    private PanelCandidate(Sample sample, int index) {
        this.sample = sample;
        this.index = index;
    }

    /**
     * Per chosen concept the first test images labelled with it, at most {@code perConcept}; an image chosen for
     * both concepts is one candidate.
     */
    static List<List<PanelCandidate>> choose(
            List<? extends Sample> test, List<String> labelNames, List<String> concepts, int perConcept)
            throws IOException {
        Map<Integer, PanelCandidate> byIndex = new HashMap<>();
        List<List<PanelCandidate>> chosen = new ArrayList<>();
        for (String concept : concepts) {
            int label = labelNames.indexOf(concept);
            List<PanelCandidate> list = new ArrayList<>();
            for (int i = 0; i < test.size() && list.size() < perConcept; i++) {
                if (test.get(i).imageLabels()[label] != 0) {
                    list.add(byIndex.computeIfAbsent(i, x -> new PanelCandidate(test.get(x), x)));
                }
            }
            chosen.add(list);
        }
        return chosen;
    }
}
