package vitprobe.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vitprobe.io.FolderLock;
import vitprobe.report.Report;

@Command(
        name = "report",
        description = "Write figures/, report.html and summary.md again from an experiment folder's results.json.")
final class ReportCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "The experiment's output folder.")
    Path folder;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        // The experiment writing the folder holds its lock: refuse to redraw half a run. A folder that is missing
        // or a file is neither created nor locked; the report says what is wrong with it.
        try (FolderLock lock = Files.isDirectory(folder) ? FolderLock.acquire(folder) : null) {
            Report.Written written = Report.write(folder);
            spec.commandLine().getOut().printf("report: %s%nsummary: %s%n", written.html(), written.summary());
        }
        return 0;
    }
}
