package vitprobe.cli;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

/**
 * Wraps help text between words only. Picocli wraps where {@link java.text.BreakIterator} allows, which includes
 * after '.', ':' and '-' inside a word ("config.", "json"; "random:", "vits8"). Each section is rendered by picocli
 * with no wrapping and wrapped again here at spaces, with picocli's hanging indents.
 */
final class HelpWrapping {
    private static final int UNWRAPPED = 10_000;
    /** A list row: the names column (options start within its first 6 columns), two spaces, the description. */
    private static final Pattern ROW = Pattern.compile("^( {0,6}(?:-\\S, )?\\S+ {2,})\\S");
    /** Picocli indents the wrapped lines of a list's description by two more; so do indented description lines. */
    private static final int WRAPPED_INDENT = 2;

    private HelpWrapping() {}

    /** Installs the rewrapping on the command and all its subcommands. */
    static void install(CommandLine cl) {
        Map<String, IHelpSectionRenderer> sections = cl.getHelpSectionMap();
        for (Map.Entry<String, IHelpSectionRenderer> section : sections.entrySet()) {
            IHelpSectionRenderer original = section.getValue();
            String key = section.getKey();
            section.setValue(help -> {
                UsageMessageSpec usage = help.commandSpec().usageMessage();
                int width = usage.width();
                String text;
                usage.width(UNWRAPPED);
                try {
                    text = original.render(help);
                } finally {
                    usage.width(width);
                }
                return wrap(
                        text,
                        width,
                        key,
                        help.synopsisHeadingLength(),
                        help.commandSpec().qualifiedName());
            });
        }
        cl.getSubcommands().values().forEach(HelpWrapping::install);
    }

    /** The synopsis follows its heading ("Usage: ") on the line; its wrapped lines align after the command's name. */
    private static String wrap(String text, int width, String section, int headingLength, String commandName) {
        boolean list = section.equals(UsageMessageSpec.SECTION_KEY_OPTION_LIST)
                || section.equals(UsageMessageSpec.SECTION_KEY_PARAMETER_LIST)
                || section.equals(UsageMessageSpec.SECTION_KEY_COMMAND_LIST);
        boolean synopsis = section.equals(UsageMessageSpec.SECTION_KEY_SYNOPSIS);
        StringBuilder out = new StringBuilder(text.length() + 256);
        // split keeps the text's own line ends; the last element is what follows the final newline
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) out.append('\n');
            String line = lines[i];
            int leading = line.length() - line.stripLeading().length();
            int hanging = leading == 0 ? 0 : leading + WRAPPED_INDENT; // an indented line is an item of a list
            if (synopsis) hanging = headingLength + commandName.length() + 1;
            else if (list) {
                Matcher row = ROW.matcher(line);
                hanging = (row.find() ? row.end(1) : leading) + WRAPPED_INDENT;
            }
            wrapLine(line, synopsis && i == 0 ? width - headingLength : width, width, hanging, out);
        }
        return out.toString();
    }

    /** Breaks one line at spaces so that no line passes the width unless a single word does. */
    private static void wrapLine(String line, int firstWidth, int width, int hanging, StringBuilder out) {
        String rest = line; // a heading such as "Usage: " keeps its trailing space
        for (int room = firstWidth; rest.length() > room; room = width) {
            rest = rest.stripTrailing();
            if (rest.length() <= room) break;
            int cut = rest.lastIndexOf(' ', room);
            int textStart = rest.length() - rest.stripLeading().length();
            if (cut <= textStart) cut = rest.indexOf(' ', room); // one long word: let it pass the width
            if (cut < 0) break;
            out.append(rest.substring(0, cut).stripTrailing()).append('\n');
            rest = " ".repeat(hanging) + rest.substring(cut).stripLeading();
            if (rest.isBlank()) return;
        }
        out.append(rest);
    }
}
