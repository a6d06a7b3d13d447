package vitprobe.probe.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A comma-separated file with a header row, as Broden writes them (fields may be double-quoted, with "" for a quote;
 * a quote inside an unquoted field is text).
 * Errors name the file and line.
 */
final class Csv {
    private final Path file;
    private final List<String> header;
    private final Map<String, Integer> columns = new HashMap<>();
    private final List<List<String>> rows = new ArrayList<>();
    private final List<Integer> lines = new ArrayList<>();

    private Csv(Path file, List<String> text) {
        this.file = file;
        if (text.isEmpty()) throw new IllegalArgumentException(file + ": empty file, expected a header row");
        this.header = split(text.getFirst(), 1);
        for (int i = 0; i < header.size(); i++) columns.put(header.get(i).trim(), i);
        for (int i = 1; i < text.size(); i++) {
            if (text.get(i).isBlank()) continue;
            List<String> row = split(text.get(i), i + 1);
            if (row.size() != header.size()) {
                throw error(i + 1, "has " + row.size() + " fields, the header has " + header.size());
            }
            rows.add(row);
            this.lines.add(i + 1);
        }
    }

    static Csv read(Path file) {
        try {
            return new Csv(file, Files.readAllLines(file));
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    List<String> header() {
        return header;
    }

    int rows() {
        return rows.size();
    }

    /** The index of a required column. */
    int column(String name) {
        Integer c = columns.get(name);
        if (c == null) throw new IllegalArgumentException(file + ": no column '" + name + "' in header " + header);
        return c;
    }

    String get(int row, int column) {
        return rows.get(row).get(column);
    }

    int getInt(int row, int column) {
        String v = get(row, column).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw error(lineOf(row), "column '" + header.get(column) + "' is '" + v + "', expected an integer");
        }
    }

    double getDouble(int row, int column) {
        String v = get(row, column).trim();
        try {
            return v.isEmpty() ? 0 : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw error(lineOf(row), "column '" + header.get(column) + "' is '" + v + "', expected a number");
        }
    }

    /** The line number of a data row in the file, the header being line 1. */
    int lineOf(int row) {
        return lines.get(row);
    }

    IllegalArgumentException error(int line, String problem) {
        return new IllegalArgumentException(file + " line " + line + ": " + problem);
    }

    private List<String> split(String line, int lineNumber) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"' && startsField(line, i)) {
                quoted = true; // only at a field's start: elsewhere a quote is part of the text, as in 6" ruler
            } else if (ch == ',') {
                out.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        if (quoted) throw error(lineNumber, "unterminated quoted field");
        out.add(field.toString());
        return out;
    }

    private static boolean startsField(String line, int i) {
        return i == 0 || line.charAt(i - 1) == ',';
    }
}
