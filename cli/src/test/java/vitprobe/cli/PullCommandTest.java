package vitprobe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code vitprobe pull} and {@code hf:} model references against a loopback hub serving the small DINO-format fixture. */
@Timeout(60)
class PullCommandTest {
    static final String REPO = "acme/dino-small";
    static final String COMMIT = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    // HubClient.fromEnvironment reads these; a system property of the same name wins over the environment.
    static final List<String> SETTINGS = List.of("HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME", "HF_TOKEN");

    @TempDir
    Path cache;

    @TempDir
    Path home;

    HttpServer hub;
    final AtomicInteger downloads = new AtomicInteger();

    @BeforeEach
    void startHub() throws Exception {
        Path fixture = Path.of(PullCommandTest.class
                .getResource("/fixtures/hf-vit-dino-format-small")
                .toURI());
        Map<String, byte[]> files = Map.of(
                "config.json", Files.readAllBytes(fixture.resolve("config.json")),
                "model.safetensors", Files.readAllBytes(fixture.resolve("model.safetensors")));
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/", exchange -> serve(exchange, files));
        hub.start();
        System.setProperty("HF_ENDPOINT", "http://127.0.0.1:" + hub.getAddress().getPort());
        System.setProperty("HF_HUB_CACHE", cache.toString());
        System.setProperty("HF_HOME", home.toString()); // no saved token of the machine's user
        System.setProperty("HF_TOKEN", ""); // blank counts as unset
    }

    @AfterEach
    void stopHub() {
        hub.stop(0);
        SETTINGS.forEach(System::clearProperty);
    }

    /** The hub's answer to {@code /ORG/NAME/resolve/REV/FILE}, every file served directly with its sha256 as linked etag. */
    void serve(HttpExchange exchange, Map<String, byte[]> files) throws IOException {
        try (exchange) {
            String prefix = "/" + REPO + "/resolve/";
            String path = exchange.getRequestURI().getPath();
            if (!path.startsWith(prefix)) {
                exchange.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            byte[] content = files.get(path.substring(path.lastIndexOf('/') + 1));
            exchange.getResponseHeaders().set("X-Repo-Commit", COMMIT);
            if (content == null) {
                exchange.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("X-Linked-Etag", '"' + sha256(content) + '"');
            if (exchange.getRequestMethod().equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(content.length));
                exchange.sendResponseHeaders(200, -1);
            } else {
                downloads.incrementAndGet();
                exchange.sendResponseHeaders(200, content.length);
                exchange.getResponseBody().write(content);
            }
        }
    }

    static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Path snapshot() {
        return cache.resolve("models--acme--dino-small/snapshots").resolve(COMMIT);
    }

    @Test
    void pullPrintsTheSnapshotAndHfReferencesThenWorkOffline(@TempDir Path other) {
        CliRunner pull = CliRunner.run("pull", REPO, "--cache", other.toString());
        assertEquals(0, pull.status(), pull.err());
        Path snapshot = other.resolve("models--acme--dino-small/snapshots").resolve(COMMIT);
        assertEquals(snapshot + System.lineSeparator(), pull.out());
        assertTrue(
                pull.err().contains("model.safetensors [") && pull.err().contains("MB/s"),
                "progress bar: " + pull.err());
        // no terminal here: plain lines, not frames redrawn with \r
        assertFalse(pull.err().contains("\r"), pull.err());
        assertTrue(Files.isSymbolicLink(snapshot.resolve("model.safetensors")));

        hub.stop(0);
        System.setProperty("HF_HUB_CACHE", other.toString());
        CliRunner inspect = CliRunner.run("inspect", "hf:" + REPO);
        assertEquals(0, inspect.status(), inspect.err());
        assertTrue(
                inspect.out().matches("(?s).*dim\\s+64.*depth\\s+2.*heads\\s+4 .*patch size\\s+8 .*"), inspect.out());
    }

    @Test
    void inspectDownloadsAnHfReferenceOnFirstUse() {
        CliRunner first = CliRunner.run("inspect", "hf:" + REPO + "@main");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("model       " + snapshot()), first.out());
        assertEquals(2, downloads.get());

        CliRunner again = CliRunner.run("inspect", "hf:" + REPO);
        assertEquals(0, again.status(), again.err());
        assertEquals(2, downloads.get(), "the second run reads the cache");
    }

    @Test
    void anUnknownRepositoryIsOneLineAndExitOne() {
        CliRunner r = CliRunner.run("pull", "hf:acme/nope");
        assertEquals(Main.EXIT_INPUT, r.status());
        assertEquals(
                "vitprobe: repository acme/nope not found at " + System.getProperty("HF_ENDPOINT")
                        + " (a private or gated one needs HF_TOKEN)\n",
                r.errorLines());
        assertEquals(1, r.err().lines().filter(l -> !l.startsWith("WARNING")).count(), r.err());

        CliRunner bad = CliRunner.run("inspect", "hf:acme/dino-small/extra");
        assertEquals(Main.EXIT_INPUT, bad.status());
        assertTrue(
                bad.errorLines().startsWith("vitprobe: 'acme/dino-small/extra' is not a hub repository id"), bad.err());
    }

    @Test
    void anEndpointThatIsNoHttpUrlIsNamed() {
        for (String endpoint : List.of("notaurl", "ftp://mirror.example", "http://", "http://exa mple.com")) {
            System.setProperty("HF_ENDPOINT", endpoint);
            CliRunner r = CliRunner.run("pull", "acme/dino-small");
            assertEquals(Main.EXIT_INPUT, r.status());
            assertEquals("vitprobe: HF_ENDPOINT '" + endpoint + "' is not an http(s) URL\n", r.errorLines());
        }
    }
}
