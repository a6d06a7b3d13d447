package vitprobe.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vitprobe.engine.extract.Progress;
import vitprobe.hub.HubClient;
import vitprobe.hub.HubReference;

@Command(
        name = "pull",
        description = {
            "Download a model from the Hugging Face hub into its cache and print the local folder.",
            "Fetches config.json and model.safetensors (resumable, sha256-checked). Afterwards hf:ORG/NAME works as "
                    + "MODEL without network.",
            "Environment: HF_ENDPOINT, HF_HOME, HF_HUB_CACHE, HF_TOKEN, as huggingface_hub reads them."
        })
final class PullCommand implements Callable<Integer> {
    @Parameters(
            paramLabel = "REPO",
            description = "ORG/NAME or hf:ORG/NAME[@REV], e.g. facebook/dino-vits8 or timm/vit_small_patch8_224.dino.")
    String repo;

    @Option(
            names = "--revision",
            paramLabel = "R",
            description = "Branch, tag or commit hash (default: @REV of REPO, else main).")
    String revision;

    @Option(
            names = "--cache",
            paramLabel = "DIR",
            description =
                    "Hub cache folder (default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub).")
    Path cache;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        HubReference ref = HubReference.parse(repo);
        if (revision != null) ref = new HubReference(ref.repo(), revision);
        HubClient client = HubClient.fromEnvironment();
        if (cache != null) client = client.withCache(cache);
        Path snapshot;
        try (ProgressBar bar = new ProgressBar(spec.commandLine().getErr())) {
            snapshot = client.pull(ref, bar);
        }
        spec.commandLine().getOut().println(snapshot);
        return 0;
    }

    /**
     * Per file on stderr: bar, MB done of total, MB/s and ETA of this run (not of a resumed prefix). Redrawn in place
     * on a terminal; elsewhere a line when the file starts and ends and every 30 s, as {@link Progress} does.
     */
    static final class ProgressBar implements HubClient.Progress, AutoCloseable {
        private static final long REDRAW_NANOS = 200_000_000L;
        private static final long LINE_NANOS = 30_000_000_000L;
        private static final int WIDTH = 30;

        private final PrintWriter err;
        private final boolean redraw = Progress.redrawByDefault();
        private String file;
        private long started, startBytes, drawnAt;
        private boolean lineOpen;

        ProgressBar(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void update(String file, long done, long total) {
            long now = System.nanoTime();
            if (!file.equals(this.file)) {
                close();
                this.file = file;
                started = now;
                startBytes = done;
            } else if (now - drawnAt < (redraw ? REDRAW_NANOS : LINE_NANOS) && done != total) {
                return;
            }
            drawnAt = now;
            double seconds = (now - started) / 1e9;
            double rate = seconds > 0 ? (done - startBytes) / seconds : 0;
            String bar = total > 0 ? "=".repeat((int) (WIDTH * done / total)) : "";
            String eta = total > 0 && rate > 0 ? clock((total - done) / rate) : "--:--";
            err.printf(
                    "%s%s [%-" + WIDTH + "s] %8.1f / %s MB  %6s MB/s  ETA %s%s",
                    redraw ? "\r" : "",
                    file,
                    bar,
                    done / 1e6,
                    total >= 0 ? String.format("%.1f", total / 1e6) : "?",
                    rate > 0 ? String.format("%.1f", rate / 1e6) : "—", // nothing fetched in this run yet
                    eta,
                    redraw ? "" : System.lineSeparator());
            err.flush();
            lineOpen = redraw;
        }

        private static String clock(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600
                    ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                    : String.format("%02d:%02d", s / 60, s % 60);
        }

        /** Ends the bar's line, so that whatever is printed next (an error too) starts on its own line. */
        @Override
        public void close() {
            if (lineOpen) err.println();
            lineOpen = false;
        }
    }
}
