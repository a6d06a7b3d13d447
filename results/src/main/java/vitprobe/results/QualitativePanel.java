package vitprobe.results;

import java.util.List;
import java.util.Locale;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * The qualitative segmentation figure of one concept: the test images where the predicted masks overlap the truth
 * best, with the truth and each model × rule's predicted mask. Masks are at patch resolution, row-major strings of
 * 0 and 1, on a grid of {@code grid} rows and {@code grid_columns} columns ({@code grid} when the key is absent:
 * square grids, as every file written before other input sizes existed has).
 *
 * @param f1 the concept's F1 averaged over the columns
 */
public record QualitativePanel(Kind kind, String concept, double f1, List<Column> columns, List<Image> images) {
    /** The concept with the best or the worst mean F1. */
    public enum Kind {
        BEST,
        WORST;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A model and rule at its token type (and k) with the highest mean F1, and the concept's F1 there. */
    public record Column(String model, String rule, String token, Integer k, double f1) {}

    /**
     * @param picture     the image as the model saw it, a PNG relative to the experiment's folder
     * @param grid        patch rows
     * @param gridColumns patch columns, when not {@code grid}
     * @param iou         the mean IoU over the columns
     */
    public record Image(
            String id,
            String picture,
            int grid,
            @OmitNull Integer gridColumns,
            String truth,
            double iou,
            List<Prediction> predictions) {
        public int columns() {
            return QualitativePanel.columns(grid, gridColumns);
        }
    }

    public record Prediction(
            String model, String rule, int grid, @OmitNull Integer gridColumns, String mask, double iou) {
        public int columns() {
            return QualitativePanel.columns(grid, gridColumns);
        }
    }

    /** The {@code grid_columns} of a grid of rows × columns: null when square. */
    public static Integer gridColumns(int rows, int columns) {
        return rows == columns ? null : columns;
    }

    private static int columns(int rows, Integer columns) {
        return columns == null ? rows : columns;
    }
}
