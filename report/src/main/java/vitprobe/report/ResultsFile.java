package vitprobe.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import vitprobe.results.Headlines;
import vitprobe.results.Level;
import vitprobe.results.ModelDescription;
import vitprobe.results.ResultRow;
import vitprobe.results.ResultsDocument;
import vitprobe.results.ResultsJson;

/**
 * An experiment folder's results.json as the report reads it. The report shows nothing that is not in this file:
 * every number it prints is one of its values, formatted by {@link #format}.
 */
record ResultsFile(Path folder, ResultsDocument results) {
    static ResultsFile read(Path folder) throws IOException {
        Path file = folder.resolve("results.json");
        if (Files.isRegularFile(folder))
            throw new IllegalArgumentException(
                    folder + ": a file; give the experiment's folder, the one holding " + "results.json");
        if (!Files.isRegularFile(file))
            throw new IllegalArgumentException(folder + ": no results.json (run vitprobe experiment first)");
        ResultsDocument d = ResultsJson.read(file);
        // The rows are what a table shows; statements about them are made again from them, so that a row edited
        // since the run is not contradicted by the findings stored with it.
        return new ResultsFile(
                folder,
                new ResultsDocument(
                        d.format(),
                        d.experiment(),
                        d.models(),
                        d.reportK(),
                        d.skippedConcepts(),
                        d.warnings(),
                        Headlines.findings(d.experiment(), d.rows(), d.reportK()),
                        Headlines.layerNorm(d.experiment(), d.rows(), d.reportK()),
                        d.qualitative(),
                        d.rows()));
    }

    List<ResultRow> rows() {
        return results.rows();
    }

    List<String> models() {
        return results.models().stream().map(ModelDescription::name).toList();
    }

    List<String> tasks() {
        return List.copyOf(results.experiment().tasks().keySet());
    }

    List<String> tokens() {
        return results.experiment().tokens();
    }

    List<String> rules() {
        return results.experiment().rules();
    }

    /** The k of the cosine rule that bars, tables and findings use (the largest); null without the cosine rule. */
    Integer reportK() {
        return results.reportK();
    }

    /** Rows of one level at the report's k (the hyperplane's rows have no k). */
    List<ResultRow> headline(Level level) {
        return rows().stream()
                .filter(r -> r.row().level() == level
                        && Headlines.atReportK(reportK()).test(r))
                .toList();
    }

    /** A metric as every table and sentence prints it. */
    static String format(double v) {
        return Decimals.fixed(v, 3);
    }

    /** A difference with its sign; none for one that rounds to zero. */
    static String signed(double v) {
        String s = format(v);
        return s.startsWith("-") || s.equals(format(0)) ? s : "+" + s;
    }
}
