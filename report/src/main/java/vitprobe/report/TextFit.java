package vitprobe.report;

import java.awt.FontMetrics;
import java.util.ArrayList;
import java.util.List;

/**
 * Text fitted to a width in pixels, measured with the metrics of the font it is drawn in, for the figures of the
 * report and of the image commands: what carries the information (a number, a file name) is kept whole, the rest
 * is cut with an ellipsis or wrapped.
 */
public final class TextFit {
    private static final String ELLIPSIS = "…";

    private TextFit() {}

    /** The text, cut at its end with an ellipsis where it is wider than {@code width}. */
    public static String fit(FontMetrics m, String text, int width) {
        return fit(m, "", text, "", width);
    }

    /**
     * {@code before + middle + after}, with only the middle cut (its end replaced by an ellipsis) as far as needed
     * to fit {@code width}; {@code before} and {@code after} are never cut, even where they alone are wider.
     */
    public static String fit(FontMetrics m, String before, String middle, String after, int width) {
        String whole = before + middle + after;
        if (m.stringWidth(whole) <= width) return whole;
        int keep = middle.length();
        while (keep > 0 && m.stringWidth(before + middle.substring(0, keep) + ELLIPSIS + after) > width) keep--;
        return before + middle.substring(0, keep).stripTrailing() + ELLIPSIS + after;
    }

    /**
     * The text in lines no wider than {@code width}: broken at spaces, and a word wider than a line broken where
     * it fills one, so that nothing is lost.
     */
    public static List<String> wrap(FontMetrics m, String text, int width) {
        if (m.stringWidth(text) <= width) return List.of(text);
        List<String> lines = new ArrayList<>();
        String line = "";
        for (String word : text.strip().split(" +")) {
            String joined = line.isEmpty() ? word : line + " " + word;
            if (m.stringWidth(joined) <= width) {
                line = joined;
                continue;
            }
            if (!line.isEmpty()) lines.add(line);
            line = word;
            while (m.stringWidth(line) > width && line.length() > 1) {
                int end = line.length() - 1;
                while (end > 1 && m.stringWidth(line.substring(0, end)) > width) end--;
                lines.add(line.substring(0, end));
                line = line.substring(end);
            }
        }
        lines.add(line);
        return lines;
    }
}
