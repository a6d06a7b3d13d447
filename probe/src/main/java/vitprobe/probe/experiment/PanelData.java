package vitprobe.probe.experiment;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import vitprobe.engine.TokenGrid;
import vitprobe.engine.image.RgbImage;
import vitprobe.io.AtomicFiles;
import vitprobe.results.QualitativePanel;
import vitprobe.results.QualitativePanel.Kind;

/**
 * One concept's panel as qualitative.json and results.json hold it: the columns with their F1 and, per image shown,
 * its picture (written beside, atomically), its true mask and every column's predicted mask with its IoU.
 */
final class PanelData {
    private PanelData() {}

    /**
     * @param slot the concept's position in the masks
     * @param shown the images to show, best first
     */
    static QualitativePanel of(
            Kind kind, String concept, int slot, List<PanelColumn> columns, List<ScoredImage> shown, Path output)
            throws IOException {
        List<QualitativePanel.Image> images = new ArrayList<>();
        for (ScoredImage s : shown) images.add(image(s, slot, columns, output));
        List<QualitativePanel.Column> described = new ArrayList<>();
        for (PanelColumn c : columns) {
            described.add(new QualitativePanel.Column(
                    c.model(),
                    c.rule().key(),
                    c.token().key(),
                    c.k(),
                    c.conceptF1().get(concept)));
        }
        return new QualitativePanel(kind, concept, PanelColumn.meanF1(columns, concept), described, images);
    }

    /** The image with the first model's truth; writes its picture. */
    private static QualitativePanel.Image image(ScoredImage s, int slot, List<PanelColumn> columns, Path output)
            throws IOException {
        PanelCandidate candidate = s.candidate();
        String picture = QualitativePanels.FOLDER + "/test-" + candidate.index + ".png";
        AtomicFiles.write(output.resolve(picture), png(candidate.picture));
        PanelCandidate.Truth truth = candidate.truth.get(columns.getFirst().model());
        List<QualitativePanel.Prediction> predictions = new ArrayList<>();
        for (int c = 0; c < columns.size(); c++) {
            predictions.add(prediction(candidate, columns.get(c), slot, s.iou()[c]));
        }
        TokenGrid grid = truth.grid();
        return new QualitativePanel.Image(
                candidate.sample.id(),
                picture,
                grid.rows(),
                QualitativePanel.gridColumns(grid.rows(), grid.columns()),
                PatchMasks.text(truth.masks()[slot], grid.patches()),
                s.meanIou(),
                predictions);
    }

    private static QualitativePanel.Prediction prediction(
            PanelCandidate candidate, PanelColumn column, int slot, double iou) {
        TokenGrid grid = candidate.truth.get(column.model()).grid();
        return new QualitativePanel.Prediction(
                column.model(),
                column.rule().key(),
                grid.rows(),
                QualitativePanel.gridColumns(grid.rows(), grid.columns()),
                PatchMasks.text(candidate.predicted.get(column)[slot], grid.patches()),
                iou);
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
