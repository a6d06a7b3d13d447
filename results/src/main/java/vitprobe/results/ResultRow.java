package vitprobe.results;

import vitprobe.io.JsonRecords.Inline;

/** A row of results.json and results.csv: the cell it comes from and the row of that cell's result. */
public record ResultRow(@Inline CellKey cell, @Inline CellRow row) {
    public double metric(String name) {
        return row.mean().get(name);
    }

    /** A metric's standard deviation over trials, null for a single trial. */
    public Double std(String name) {
        return row.std().get(name);
    }
}
