package vitprobe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the CLI in-process and captures its output. */
record CliRunner(int status, String out, String err) {
    static CliRunner run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRunner(status, out.toString(), err.toString());
    }

    /** The error output without the progress lines that long commands print. */
    String errorLines() {
        return err.lines()
                .filter(l -> l.startsWith("vitprobe:") || l.startsWith("Try "))
                .reduce("", (a, b) -> a + b + "\n");
    }
}
