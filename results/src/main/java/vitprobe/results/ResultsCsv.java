package vitprobe.results;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;

/**
 * results.csv: the rows of results.json, one line each, with the same columns in the same order and the same
 * numbers as results.json writes them; empty for null.
 */
public final class ResultsCsv {
    private ResultsCsv() {}

    public static void write(Path file, List<ResultRow> rows) throws IOException {
        List<String> columns = JsonRecords.keys(ResultRow.class);
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (ResultRow row : rows) {
            Map<?, ?> values = (Map<?, ?>) JsonRecords.tree(row);
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) sb.append(',');
                sb.append(field(values.get(columns.get(i))));
            }
            sb.append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
    }

    private static String field(Object v) {
        if (v == null) return "";
        String s = v instanceof String text ? text : Json.write(v);
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
