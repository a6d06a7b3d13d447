package vitprobe.probe.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.results.CellKey;
import vitprobe.results.CellRow;
import vitprobe.results.Level;
import vitprobe.results.ResultRow;
import vitprobe.results.ResultsCsv;
import vitprobe.results.Scores;
import vitprobe.results.Spread;

/** A tester's Broden concept names with '"' in them came out altered. */
class CsvTest {
    @TempDir
    Path dir;

    private static final List<String> NAMES =
            List.of("6\" ruler", "say \"hi\"", "a, b", "\"quoted\"", "plain", "\"a\", \"b\"", "x\"\"y");

    @Test
    void aQuoteInsideAnUnquotedFieldIsKept() throws Exception {
        Path file = Files.writeString(
                dir.resolve("label.csv"), "number,name,category\n1,6\" ruler,object\n2,say \"hi\",object\n");
        Csv csv = Csv.read(file);
        assertEquals("6\" ruler", csv.get(0, csv.column("name")));
        assertEquals("say \"hi\"", csv.get(1, csv.column("name")));
        assertEquals("object", csv.get(1, csv.column("category")));
    }

    @Test
    void namesWrittenToResultsCsvReadBackExactly() throws Exception {
        List<ResultRow> rows = NAMES.stream()
                .map(name -> new ResultRow(
                        new CellKey("m", "segmentation", "k", "cosine", 1),
                        new CellRow(
                                Level.CONCEPT, name, "ob\"ject", 1, 2, 2, null, new Scores(1, 1, 1, 1), Spread.NONE)))
                .toList();
        Path file = dir.resolve("results.csv");
        ResultsCsv.write(file, rows);
        Csv csv = Csv.read(file);
        for (int r = 0; r < NAMES.size(); r++) {
            assertEquals(NAMES.get(r), csv.get(r, csv.column("concept")));
            assertEquals("ob\"ject", csv.get(r, csv.column("category")));
        }
    }
}
