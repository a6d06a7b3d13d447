package vitprobe.results;

import vitprobe.io.JsonRecords.Inline;
import vitprobe.io.JsonRecords.Nullable;
import vitprobe.io.JsonRecords.OmitNull;

/**
 * One row of a cell's result: a concept, a category or all concepts, with the mean over trials of the mean over
 * its concepts and, for several trials, the standard deviation over trials.
 *
 * @param concept   the concept's name on concept rows, else null
 * @param category  the category's name (on concept rows the concept's), null without categories
 * @param concepts  how many concepts the row averages over
 * @param positives the test positives of a concept row, else null
 * @param negatives the test negatives of a concept row, else null
 * @param support   on a cosine concept row whose concept has fewer training images than the cell's k, the support
 *                  images each trial drew instead (all there are); else null
 */
public record CellRow(
        Level level,
        @Nullable String concept,
        @Nullable String category,
        int concepts,
        Integer positives,
        Integer negatives,
        @OmitNull Integer support,
        @Inline Scores mean,
        @Inline Spread std) {}
