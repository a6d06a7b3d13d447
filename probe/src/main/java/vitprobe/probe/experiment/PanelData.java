package vitprobe.probe.experiment;

import vitprobe.engine.image.RgbImage;
import vitprobe.weights.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One concept's panel as qualitative.json and results.json hold it: the columns with their F1 and, per image shown,
 * its picture (written beside, atomically), its true mask and every column's predicted mask with its IoU.
 */
final class PanelData {
    private PanelData() {}

    /**
     * @param kind "best" or "worst"
     * @param slot the concept's position in the masks
     * @param shown the images to show, best first
     */
    static Map<String, Object> of(String kind, String concept, int slot, List<PanelColumn> columns,
                                  List<ScoredImage> shown, Path output) throws IOException {
        List<Map<String, Object>> images = new ArrayList<>();
        for (ScoredImage s : shown) images.add(image(s, slot, columns, output));
        Map<String, Object> panel = new LinkedHashMap<>();
        panel.put("kind", kind);
        panel.put("concept", concept);
        panel.put("f1", PanelColumn.meanF1(columns, concept));
        List<Map<String, Object>> described = new ArrayList<>();
        for (PanelColumn c : columns) described.add(column(c, concept));
        panel.put("columns", described);
        panel.put("images", images);
        return panel;
    }

    private static Map<String, Object> column(PanelColumn c, String concept) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", c.model());
        m.put("rule", c.rule().key());
        m.put("token", c.token().id());
        m.put("k", c.k());
        m.put("f1", c.conceptF1().get(concept));
        return m;
    }

    /** The image with the first model's truth; writes its picture. */
    private static Map<String, Object> image(ScoredImage s, int slot, List<PanelColumn> columns, Path output)
            throws IOException {
        PanelCandidate candidate = s.candidate();
        String picture = QualitativePanels.FOLDER + "/test-" + candidate.index + ".png";
        AtomicFiles.write(output.resolve(picture), png(candidate.picture));
        PanelCandidate.Truth truth = candidate.truth.get(columns.getFirst().model());
        Map<String, Object> image = new LinkedHashMap<>();
        image.put("id", candidate.sample.id());
        image.put("picture", picture);
        image.put("grid", truth.side());
        image.put("truth", PatchMasks.text(truth.masks()[slot], truth.side() * truth.side()));
        image.put("iou", s.meanIou());
        List<Map<String, Object>> predictions = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            predictions.add(prediction(candidate, columns.get(c), slot, s.iou()[c]));
        }
        image.put("predictions", predictions);
        return image;
    }

    private static Map<String, Object> prediction(PanelCandidate candidate, PanelColumn column, int slot, double iou) {
        int side = candidate.truth.get(column.model()).side();
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("model", column.model());
        p.put("rule", column.rule().key());
        p.put("grid", side);
        p.put("mask", PatchMasks.text(candidate.predicted.get(column)[slot], side * side));
        p.put("iou", iou);
        return p;
    }

    private static byte[] png(RgbImage image) throws IOException {
        BufferedImage out = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                out.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(out, "png", bytes);
        return bytes.toByteArray();
    }
}
