package vitprobe.results;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import vitprobe.io.AtomicFiles;
import vitprobe.io.Json;
import vitprobe.io.JsonRecords;

/** Reads and writes results.json: indented JSON of a {@link ResultsDocument}, written atomically. */
public final class ResultsJson {
    private ResultsJson() {}

    public static void write(Path file, ResultsDocument results) throws IOException {
        AtomicFiles.writeString(file, JsonRecords.writePretty(results));
    }

    /** Reads a results file; any problem is one {@link IllegalArgumentException} naming the file and the place. */
    public static ResultsDocument read(Path file) throws IOException {
        String text = Files.readString(file);
        try {
            Object json = Json.parse(text);
            Object format = json instanceof Map<?, ?> m ? m.get("format") : null;
            if (!ResultsDocument.FORMAT.equals(format)) {
                throw new IllegalArgumentException(
                        "not a vitprobe results file (format " + format + ", expected " + ResultsDocument.FORMAT + ")");
            }
            return JsonRecords.fromTree(json, ResultsDocument.class);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }
}
