package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

class HelpTest {
    private static final String[] COMMANDS = {
        "inspect",
        "tokens",
        "demo",
        "experiment",
        "report",
        "extract",
        "synth",
        "imagenet-subset",
        "probe",
        "pull",
        "attention",
        "pca",
        "segment"
    };

    /** The command list's entries: each summary joined from its wrapped lines. */
    private static List<String> summaries(String help) {
        List<String> entries = new ArrayList<>();
        boolean inList = false;
        for (String line : help.lines().toList()) {
            if (line.equals("Commands:")) inList = true;
            else if (inList && line.matches(" {2}\\S.*")) entries.add(line.strip());
            else if (inList && !line.isBlank()) entries.set(entries.size() - 1, entries.getLast() + " " + line.strip());
        }
        return entries;
    }

    @Test
    void everyCommandSummaryIsOneCompleteShortSentence() {
        CliRunner r = CliRunner.run("--help");
        assertEquals(0, r.status(), r.err());
        List<String> entries = summaries(r.out());
        assertEquals(COMMANDS.length + 1, entries.size(), r.out());
        for (String entry : entries) {
            String summary = entry.replaceFirst("^\\S+\\s+", "");
            assertTrue(summary.endsWith("."), "cut short: " + entry);
            assertTrue(summary.length() <= 100, "not short: " + entry);
        }
    }

    private static String usage(String command, int width) {
        CommandLine cl = Main.commandLine();
        cl.setUsageHelpWidth(width);
        return command.isEmpty()
                ? cl.getUsageMessage()
                : cl.getSubcommands().get(command).getUsageMessage();
    }

    /** The top-level command ("") and every subcommand. */
    static Stream<String> everyCommand() {
        return Stream.concat(Stream.of(""), Arrays.stream(COMMANDS));
    }

    /** Wrapping at 80 columns only moves words to the next line: the words are those of the unwrapped help. */
    @ParameterizedTest
    @MethodSource("everyCommand")
    void helpWrapsBetweenWordsOnly(String command) {
        String wrapped = usage(command, 80), wide = usage(command, 1000);
        assertEquals(Arrays.asList(wide.split("\\s+")), Arrays.asList(wrapped.split("\\s+")), wrapped);
        assertTrue(wrapped.lines().allMatch(l -> l.length() <= 80 || !l.strip().contains(" ")), wrapped);
    }

    @Test
    void subcommandsPrintTheVersion() {
        CliRunner top = CliRunner.run("-V");
        assertTrue(top.out().startsWith("vitprobe "), top.out());
        for (String command : COMMANDS) {
            for (String flag : List.of("-V", "--version")) {
                CliRunner r = CliRunner.run(command, flag);
                assertEquals(0, r.status(), command + r.err());
                assertEquals(top.out(), r.out(), command + " " + flag);
            }
        }
    }

    @Test
    void optionHelpSaysWhatIsAccepted() {
        String pca = CliRunner.run("pca", "--help").out().replaceAll("\\s+", " ");
        String tokensOption = pca.substring(pca.indexOf("--tokens=NAME"));
        assertFalse(tokensOption.matches("(?s).*:[^)]*\\battn,.*"), pca);
        String segment = CliRunner.run("segment", "--help").out().replaceAll("\\s+", " ");
        assertTrue(segment.contains("1 to 10"), segment);
        String tokens = CliRunner.run("tokens", "--help").out().replaceAll("\\s+", " ");
        assertTrue(tokens.contains("'paper' (q, k, v, x, y, y_norm"), tokens);
        String extract = CliRunner.run("extract", "--help").out().replaceAll("\\s+", " ");
        assertTrue(extract.contains("'paper' (q, k, v, x, y, y_norm"), extract);
        String experiment = CliRunner.run("experiment", "--help").out().replaceAll("\\s+", " ");
        assertTrue(experiment.contains("dtype: f16"), experiment);
        assertTrue(experiment.contains("trials: 10"), experiment);
    }
}
