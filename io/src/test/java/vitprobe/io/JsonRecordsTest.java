package vitprobe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import vitprobe.io.JsonRecords.Inline;
import vitprobe.io.JsonRecords.Name;
import vitprobe.io.JsonRecords.Nullable;
import vitprobe.io.JsonRecords.OmitNull;

class JsonRecordsTest {
    enum Level {
        CONCEPT,
        ALL;

        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    enum Colour {
        RED,
        GREEN
    }

    record Key(String model, Integer k) {}

    record Scores(double f1, Double f1Std) {
        Scores {
            if (f1 < 0) throw new IllegalArgumentException("f1 is negative");
        }
    }

    record Row(
            @Inline Key key,
            Level level,
            @Nullable String concept,
            @Inline Scores scores) {}

    record Document(
            String format,
            long seed,
            int count,
            boolean center,
            @Name("C") double inverse,
            Colour colour,
            List<Row> rows,
            Map<String, List<Integer>> ksByTask,
            @OmitNull Integer patchesPerImage,
            @Nullable Key best) {}

    private static final Document DOCUMENT = new Document(
            "f/1",
            -3_000_000_000L,
            7,
            true,
            0.5,
            Colour.GREEN,
            List.of(
                    new Row(new Key("tiny", null), Level.CONCEPT, "red", new Scores(1.0, null)),
                    new Row(new Key("tiny", 2), Level.ALL, null, new Scores(0.25, 0.125))),
            orderedMap("segmentation", List.of(1, 5), "classification", List.of()),
            null,
            null);

    private static final String TEXT = "{\"format\":\"f/1\",\"seed\":-3000000000,\"count\":7,\"center\":true,\"C\":0.5,"
            + "\"colour\":\"GREEN\",\"rows\":[{\"model\":\"tiny\",\"k\":null,\"level\":\"concept\",\"concept\":\"red\","
            + "\"f1\":1,\"f1_std\":null},{\"model\":\"tiny\",\"k\":2,\"level\":\"all\",\"concept\":null,\"f1\":0.25,"
            + "\"f1_std\":0.125}],\"ks_by_task\":{\"segmentation\":[1,5],\"classification\":[]},\"best\":null}";

    private static Map<String, List<Integer>> orderedMap(String k1, List<Integer> v1, String k2, List<Integer> v2) {
        Map<String, List<Integer>> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    private static String compact(Object value) {
        return Json.write(JsonRecords.tree(value));
    }

    @Test
    void writesKeysInComponentOrderInSnakeCaseWithInlineRecordsInPlace() {
        assertEquals(TEXT, compact(DOCUMENT));
        assertEquals(Json.writePretty(Json.parse(TEXT)), JsonRecords.writePretty(DOCUMENT));
    }

    @Test
    void readsBackWhatItWrote() {
        Document read = JsonRecords.read(TEXT, Document.class);
        assertEquals(DOCUMENT, read);
        assertEquals(
                List.of("segmentation", "classification"),
                List.copyOf(read.ksByTask().keySet()),
                "key order kept");
        Document withPatches =
                new Document("f/1", 0, 0, false, 1e-300, Colour.RED, List.of(), Map.of(), 16, new Key("m", 3));
        String text = compact(withPatches);
        assertTrue(text.contains("\"patches_per_image\":16"), text);
        assertEquals(withPatches, JsonRecords.read(text, Document.class));
    }

    @Test
    void listsTheKeysOfARecordWithInlineOnes() {
        assertEquals(List.of("model", "k", "level", "concept", "f1", "f1_std"), JsonRecords.keys(Row.class));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "\"f1\":0.25, | \"f1\":\"high\", | rows[1].f1: expected a number, found a string",
                "\"f1\":0.25, | '' | rows[1].f1: missing",
                "\"f1\":0.25, | \"f1\":0.25,\"f2\":1, | rows[1].f2: unknown field",
                "\"f1\":0.25, | \"f1\":-1, | rows[1]: f1 is negative",
                "\"level\":\"all\" | \"level\":\"most\" | rows[1].level: expected one of [concept, all], found \"most\"",
                "\"level\":\"all\" | \"level\":null | rows[1].level: expected a string, found null",
                "\"model\":\"tiny\",\"k\":2 | \"model\":\"tiny\",\"k\":2.5 | rows[1].k: expected an integer, found 2.5",
                "\"count\":7 | \"count\":4294967296 | count: expected a 32-bit integer, found 4294967296",
                "\"count\":7 | \"count\":null | count: expected an integer, found null",
                "\"center\":true | \"center\":1 | center: expected a boolean, found a number",
                "\"segmentation\":[1,5] | \"segmentation\":[1,null] | ks_by_task.segmentation[1]: expected an integer, found null",
                "\"segmentation\":[1,5] | \"segmentation\":{} | ks_by_task.segmentation: expected an array, found an object",
                "\"best\":null | \"best\":[] | best: expected an object, found an array",
                "\"best\":null | '' | best: missing"
            })
    void namesThePathOfTheFirstProblem(String valid, String invalid, String message) {
        assertTrue(TEXT.contains(valid), valid);
        String text = TEXT.substring(0, TEXT.lastIndexOf(valid))
                + invalid
                + TEXT.substring(TEXT.lastIndexOf(valid) + valid.length());
        var e = assertThrows(
                IllegalArgumentException.class, () -> JsonRecords.read(text.replace(",}", "}"), Document.class));
        assertEquals(message, e.getMessage());
    }

    record Measured(String name, @Inline @OmitNull Scores scores) {}

    @Test
    void leavesOutTheKeysOfAnInlineRecordThatIsNull() {
        assertEquals("{\"name\":\"a\"}", compact(new Measured("a", null)));
        assertEquals(new Measured("a", null), JsonRecords.read("{\"name\":\"a\"}", Measured.class));
        String both = "{\"name\":\"a\",\"f1\":0.5,\"f1_std\":null}";
        assertEquals(both, compact(new Measured("a", new Scores(0.5, null))));
        assertEquals(new Measured("a", new Scores(0.5, null)), JsonRecords.read(both, Measured.class));
        var e = assertThrows(
                IllegalArgumentException.class,
                () -> JsonRecords.read("{\"name\":\"a\",\"f1_std\":0.1}", Measured.class));
        assertEquals("f1: missing", e.getMessage());
    }

    @Test
    void rejectsAnotherKindAtTheTop() {
        var e = assertThrows(IllegalArgumentException.class, () -> JsonRecords.read("[1]", Document.class));
        assertEquals("expected an object, found an array", e.getMessage());
    }

    @Test
    void refusesToWriteNullWhereNoneIsAllowed() {
        Row row = new Row(new Key(null, 1), Level.ALL, null, new Scores(0, null));
        var e = assertThrows(IllegalArgumentException.class, () -> compact(row));
        assertEquals("Key.model is null", e.getMessage());
    }

    @Test
    void snakeCaseSplitsBeforeCapitals() {
        assertEquals("patches_per_image", JsonRecords.snakeCase("patchesPerImage"));
        assertEquals("f1_std", JsonRecords.snakeCase("f1Std"));
        assertEquals("y_norm", JsonRecords.snakeCase("yNorm"));
        assertEquals("layernorm", JsonRecords.snakeCase("layernorm"));
    }
}
