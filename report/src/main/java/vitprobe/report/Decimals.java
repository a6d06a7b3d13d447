package vitprobe.report;

import java.util.Locale;

/** Numbers as the report, the summaries and the image commands' tables print them. */
public final class Decimals {
    private Decimals() {}

    /** The value with {@code places} decimals; one that rounds to zero has no minus sign ("0.000", not "-0.000"). */
    public static String fixed(double v, int places) {
        String s = String.format(Locale.ROOT, "%." + places + "f", v);
        return s.startsWith("-") && s.chars().noneMatch(c -> c >= '1' && c <= '9') ? s.substring(1) : s;
    }
}
