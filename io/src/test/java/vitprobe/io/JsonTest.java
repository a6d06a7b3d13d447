package vitprobe.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
class JsonTest {
    @Test
    void parsesAndWritesBackCompactText() {
        String text =
                "{\"b\":[1,-2,3.5,-0.25,1.0E-12,true,false,null],\"a\":{\"nested\":{}},\"e\":[],\"s\":\"q\\\"\\\\\\n\\t\u00e9\u4e2d\"}";
        Object value = Json.parse(text);
        assertEquals(text, Json.write(value));
        assertEquals(List.of("b", "a", "e", "s"), List.copyOf(((Map<?, ?>) value).keySet()), "key order kept");
    }

    @Test
    void writtenValuesParseBackEqual() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("long", Long.MIN_VALUE);
        value.put("double", 0.1);
        value.put("tiny", 4.9e-324);
        value.put(
                "strings", List.of("", "\u0001\u001f control", "quote \" backslash \\ slash /", "emoji \ud83d\ude00"));
        value.put("nested", List.of(Map.of("k", List.of()), new ArrayList<>(Arrays.asList(null, true))));
        assertEquals(value, Json.parse(Json.write(value)));
        assertEquals(value, Json.parse(Json.writePretty(value)));
    }

    @Test
    void parsesEscapes() {
        assertEquals("\"\\/\b\f\n\r\t", Json.parse("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""));
        assertEquals("\u00e9\ud83d\ude00", Json.parse("\"\\u00E9\\ud83d\\ude00\""));
        assertEquals(" ", Json.parse("\" \"  \n\t\r"), "surrounding whitespace is allowed");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "0 | 0",
                "-0 | 0",
                "42 | 42",
                "-9223372036854775808 | -9223372036854775808",
                "9223372036854775807 | 9223372036854775807"
            })
    void parsesIntegersAsLong(String text, long expected) {
        assertEquals(expected, Json.parse(text));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "1.5 | 1.5",
                "-0.25 | -0.25",
                "1e3 | 1000",
                "1E+3 | 1000",
                "2.5e-3 | 0.0025",
                "0.0 | 0",
                "9223372036854775808 | 9.223372036854775808E18"
            })
    void parsesOtherNumbersAsDouble(String text, double expected) {
        assertEquals(expected, Json.parse(text));
    }

    @Test
    @Timeout(value = 5, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void integersTooLongForALongParseInLinearTime() {
        // A safetensors header may be 100 MB of digits; a quadratic parse would never end.
        assertEquals(Double.POSITIVE_INFINITY, Json.parse("9".repeat(1_000_000)));
        assertEquals(-1e300, Json.parse("-1" + "0".repeat(300)));
        assertEquals(18446744073709551616.0, Json.parse("18446744073709551617"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "01",
                "-",
                "+1",
                ".5",
                "1.",
                "-.5",
                "1.e3",
                "1e",
                "1e+",
                "--1",
                "0x10",
                "1.2.3",
                "NaN",
                "Infinity",
                "-Infinity"
            })
    void rejectsNumbersOutsideTheJsonGrammar(String text) {
        assertRejected(text, null);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "{} x | trailing characters",
                "[1] 2 | trailing characters",
                "\"a\" \"b\" | trailing characters",
                "\"\\x\" | bad escape",
                "\"\\u12\" | \\u escape",
                "\"\\u12zz\" | bad \\u escape",
                "\"\\u+123\" | bad \\u escape",
                "\"\\u-123\" | bad \\u escape",
                "\"\\u12 | truncated",
                "\"abc | end of input",
                "[1,] | unexpected character",
                "{\"a\":1,} | expected a string key",
                "{\"a\" 1} | expected ':'",
                "{a:1} | expected a string key",
                "[1 2] | expected ',' or ']'",
                "{\"a\":1,\"a\":2} | duplicate key \"a\"",
                "tru | expected true",
                "'a' | unexpected character ''",
                " | end of input"
            })
    void rejectsMalformedText(String text, String reason) {
        assertRejected(text == null ? "" : text, reason);
    }

    @Test
    void rejectsRawControlCharactersInStrings() {
        assertRejected("\"a\nb\"", "control character");
    }

    @Test
    void limitsNestingWithoutOverflowingTheStack() {
        assertEquals(List.of(List.of()), Json.parse("[[]]"));
        String ok = "[".repeat(200) + "]".repeat(200);
        assertEquals(ok, Json.write(Json.parse(ok)));
        assertRejected("[".repeat(100_000) + "]".repeat(100_000), "nesting");
        assertRejected("{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000), "nesting");
    }

    @Test
    void parseObjectInsistsOnAnObject() {
        assertEquals(Map.of("a", 1L), Json.parseObject("{\"a\":1}"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parseObject("[1]"));
        assertTrue(e.getMessage().contains("expected a JSON object, found an array"), e.getMessage());
    }

    @Test
    void writesNonFiniteNumbersAsNullAndRejectsOtherTypes() {
        assertEquals("[null,null,1.5]", Json.write(List.of(Double.NaN, Float.POSITIVE_INFINITY, 1.5f)));
        assertThrows(IllegalArgumentException.class, () -> Json.write(List.of(new Object())));
    }

    /** The text must be refused with an IllegalArgumentException that says where, and why when a reason is given. */
    private static void assertRejected(String text, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(text), text);
        assertTrue(e.getMessage().startsWith("invalid JSON at character "), e.getMessage());
        if (reason != null) assertTrue(e.getMessage().contains(reason), "'" + reason + "' in: " + e.getMessage());
    }
}
