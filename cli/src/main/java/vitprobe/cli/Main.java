package vitprobe.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.FileSystemException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import vitprobe.weights.FileErrors;

/** The {@code vitprobe} command. Every failure is one line on stderr and a non-zero exit status. */
@Command(
        name = "vitprobe",
        mixinStandardHelpOptions = true,
        version = "vitprobe 0.1.0",
        description = "Runs self-supervised Vision Transformers from safetensors weights and probes their tokens.",
        subcommands = {
            InspectCommand.class,
            TokensCommand.class,
            DemoCommand.class,
            ExperimentCommand.class,
            ReportCommand.class,
            ExtractCommand.class,
            SyntheticCommand.class,
            ImagenetSubsetCommand.class,
            ProbeCommand.class,
            PullCommand.class,
            AttentionCommand.class,
            PcaCommand.class,
            SegmentCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main {
    /** Exit status for bad input: unreadable files, wrong shapes, failed validation. */
    public static final int EXIT_INPUT = 1;
    /** Exit status for bad flags (picocli's usage errors). */
    public static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        // Before anything loads AWT: figures and synthetic images are drawn offscreen, with or without a display.
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line with the given streams; returns the exit status (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter stderr) {
        LineEnds errLines = new LineEnds(stderr);
        PrintWriter err = new PrintWriter(errLines, true);
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, a) -> {
            errLines.endLine();
            err.println("vitprobe: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> fail(ex, errLines, err));
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) { // an Error, which picocli lets through
            return fail(e, errLines, err);
        }
    }

    /** The command line with every subcommand, before its streams and handlers are set. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // --help and --version on every subcommand, not only on the top-level command; -V prints the same version.
        String[] version = cl.getCommandSpec().version();
        cl.getSubcommands().values().forEach(sub -> sub.getCommandSpec()
                .mixinStandardHelpOptions(true)
                .version(version));
        HelpWrapping.install(cl);
        return cl;
    }

    private static int fail(Throwable ex, LineEnds lines, PrintWriter err) {
        lines.endLine();
        err.println("vitprobe: " + oneLine(ex));
        if (System.getenv("VITPROBE_DEBUG") != null) ex.printStackTrace(err);
        return EXIT_INPUT;
    }

    /**
     * Passes stderr through and knows whether its last line is finished, so that an error never continues a
     * progress bar's line (those end in "\r", not "\n").
     */
    private static final class LineEnds extends Writer {
        private final PrintWriter out;
        private boolean atLineStart = true;

        LineEnds(PrintWriter out) {
            this.out = out;
        }

        @Override
        public synchronized void write(char[] text, int offset, int length) {
            if (length == 0) return;
            out.write(text, offset, length);
            atLineStart = text[offset + length - 1] == '\n';
        }

        /** Finishes the current line unless it is empty. */
        synchronized void endLine() {
            if (!atLineStart) write(new char[] {'\n'}, 0, 1);
            out.flush();
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.close();
        }
    }

    /** The message of an exception, or its type, flattened to one line; running out of memory says what to do. */
    static String oneLine(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) return outOfMemory(oom);
        }
        String m = ex.getMessage();
        // A file system exception's message is the bare path (its type says what is wrong), also when wrapped.
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof FileSystemException f && f.getFile() != null) {
                String said = f.getFile() + ": " + FileErrors.describe(f);
                m = m == null || t == ex || m.equals(t.toString()) ? said : m.replace(t.toString(), said);
                break;
            }
        }
        if (m == null || m.isBlank()) m = ex.getClass().getSimpleName();
        return m.replace('\n', ' ');
    }

    /** The launcher passes VITPROBE_JAVA_OPTS to the JVM; twice the present heap limit, in whole GiB, is a start. */
    private static String outOfMemory(OutOfMemoryError e) {
        long max = Runtime.getRuntime().maxMemory();
        long suggestedGiB = Math.max(1, (2 * max + (1L << 30) - 1) >> 30);
        String what = e.getMessage() == null ? "" : " (" + e.getMessage() + ")";
        return "out of memory" + what + " with a heap limit of " + (max >> 20) + " MiB; give the JVM more, e.g. "
                + "VITPROBE_JAVA_OPTS=-Xmx" + suggestedGiB + "g";
    }
}
