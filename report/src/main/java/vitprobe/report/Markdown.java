package vitprobe.report;

import static vitprobe.report.Report.escape;

import java.nio.charset.StandardCharsets;

/**
 * The Markdown of summary.md and of the findings: user text (names, paths, warnings) escaped so that it shows as
 * written, code spans of our own, and the small inline subset the findings use ({@code **bold**}, code spans,
 * backslash escapes) turned into HTML for the report.
 */
final class Markdown {
    /** ASCII punctuation that Markdown or HTML could read as syntax in running text or in a table cell. */
    private static final String SYNTAX = "\\`*_[]<>|#&!~";

    private Markdown() {}

    /** User text as literal Markdown: syntax characters backslash-escaped, line breaks as spaces. */
    static String text(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') c = ' ';
            // An underscore between letters or digits never starts emphasis: "y_norm" stays readable.
            boolean inWord = c == '_'
                    && i > 0
                    && i + 1 < s.length()
                    && Character.isLetterOrDigit(s.charAt(i - 1))
                    && Character.isLetterOrDigit(s.charAt(i + 1));
            if (SYNTAX.indexOf(c) >= 0 && !inWord) out.append('\\');
            out.append(c);
        }
        return out.toString();
    }

    /** A code span holding {@code s} as written: fenced by more backticks than any run inside it. */
    static String code(String s) {
        int longest = 0, run = 0;
        for (char c : s.toCharArray()) {
            run = c == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        String fence = "`".repeat(longest + 1);
        boolean pad = !s.isEmpty() && (s.charAt(0) == '`' || s.charAt(0) == ' ' || s.endsWith("`") || s.endsWith(" "));
        return pad ? fence + " " + s + " " + fence : fence + s + fence;
    }

    /** A relative link target with every byte outside the unreserved URL characters and '/' percent-encoded. */
    static String link(String path) {
        StringBuilder out = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 128 && (Character.isLetterOrDigit(c) || "-._~/".indexOf(c) >= 0)) out.append(c);
            else out.append('%').append(String.format("%02X", b & 0xff));
        }
        return out.toString();
    }

    /** The inline Markdown of {@link #text}, {@link #code} and {@code **bold**} as HTML; everything else literal. */
    static String html(String markdown) {
        StringBuilder h = new StringBuilder();
        boolean bold = false;
        int i = 0;
        while (i < markdown.length()) {
            char c = markdown.charAt(i);
            if (c == '\\' && i + 1 < markdown.length() && SYNTAX.indexOf(markdown.charAt(i + 1)) >= 0) {
                h.append(escape(String.valueOf(markdown.charAt(i + 1))));
                i += 2;
            } else if (markdown.startsWith("**", i)) {
                h.append(bold ? "</strong>" : "<strong>");
                bold = !bold;
                i += 2;
            } else if (c == '`') {
                int end = i;
                while (end < markdown.length() && markdown.charAt(end) == '`') end++;
                String fence = markdown.substring(i, end);
                int close = closingFence(markdown, fence, end);
                if (close < 0) {
                    h.append(fence);
                    i = end;
                    continue;
                }
                String content = markdown.substring(end, close);
                if (content.length() > 1 && content.startsWith(" ") && content.endsWith(" ") && !content.isBlank())
                    content = content.substring(1, content.length() - 1);
                h.append("<code>").append(escape(content)).append("</code>");
                i = close + fence.length();
            } else {
                h.append(escape(String.valueOf(c)));
                i++;
            }
        }
        return h.toString();
    }

    /** Where the run of backticks equal to {@code fence} that closes a code span starts, or -1. */
    private static int closingFence(String s, String fence, int from) {
        for (int i = s.indexOf(fence, from); i >= 0; i = s.indexOf(fence, i + 1)) {
            int end = i + fence.length();
            boolean exact = (i == 0 || s.charAt(i - 1) != '`') && (end == s.length() || s.charAt(end) != '`');
            if (exact) return i;
        }
        return -1;
    }
}
