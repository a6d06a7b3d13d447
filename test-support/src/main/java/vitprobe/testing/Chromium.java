package vitprobe.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Opens a page vitprobe wrote in headless Chromium (Debian's {@code chromium}, which {@code .ci/run} installs), as a
 * reader's browser would: the page must render, and every picture on it must load. The pages mark how many pictures
 * loaded on their html element ({@code data-images="loaded/total"}).
 */
public final class Chromium {
    private static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Pattern IMAGES = Pattern.compile("data-images=\"(\\d+)/(\\d+)\"");

    private Chromium() {}

    /** Renders the page and asserts that it has at least {@code atLeast} pictures and that every one of them loaded. */
    public static void assertRendersWithAllImages(Path html, int atLeast) throws IOException, InterruptedException {
        String dom = run(html, "--dump-dom");
        Matcher m = IMAGES.matcher(dom);
        assertTrue(m.find(), html + ": the page did not report its pictures after loading (no data-images mark)");
        int loaded = Integer.parseInt(m.group(1)), total = Integer.parseInt(m.group(2));
        assertTrue(total >= atLeast, html + " shows " + total + " pictures, expected at least " + atLeast);
        assertEquals(total, loaded, html + ": only " + loaded + " of " + total + " pictures loaded");
    }

    /** The page's DOM after its scripts ran, laid out in a window {@code width} pixels wide. */
    public static String dumpDom(Path html, int width) throws IOException, InterruptedException {
        return run(html, "--dump-dom", "--window-size=" + width + ",900");
    }

    /** A screenshot of the page's first screen, to look at. */
    public static void screenshot(Path html, Path png) throws IOException, InterruptedException {
        run(html, "--screenshot=" + png.toAbsolutePath(), "--window-size=1280,1600");
        assertTrue(Files.size(png) > 0, png + " is empty");
    }

    private static String run(Path html, String... what) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) fail(BINARY + " is missing: install Debian's chromium (.ci/run does)");
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(),
                "--headless",
                "--no-sandbox", // tests run as root, where the sandbox refuses to start
                "--disable-gpu",
                "--virtual-time-budget=10000"));
        command.addAll(List.of(what));
        command.add(html.toAbsolutePath().toUri().toString());
        Path log = Files.createTempFile("chromium", ".log");
        try {
            Process p = new ProcessBuilder(command)
                    .redirectError(log.toFile())
                    .redirectInput(
                            ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("chromium did not finish rendering " + html + " within 120 s");
            }
            if (p.exitValue() != 0) {
                fail("chromium exited with " + p.exitValue() + " on " + html + ":\n" + Files.readString(log));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
