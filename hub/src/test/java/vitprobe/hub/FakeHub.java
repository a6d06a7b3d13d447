package vitprobe.hub;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback stand-in for huggingface.co. {@code HEAD|GET /ORG/NAME/resolve/REV/FILE} answers with the hub's
 * headers: small files directly (ETag = git blob sha1), {@code *.safetensors} (LFS) with a 302 to the absolute URL
 * {@code /cdn/SHA256}, which serves the bytes and honours {@code Range: bytes=N-}. Unknown repositories, revisions
 * and files get the hub's {@code X-Error-Code}. Every request is recorded; {@link #fault} breaks CDN bodies.
 */
final class FakeHub implements AutoCloseable {
    static final String COMMIT = "3f1c0d2e4b5a69788796a5b4c3d2e1f0a9b8c7d6";

    enum Fault {
        NONE,
        /** The next CDN body stops half-way and the connection drops. */
        CUT_SHORT_ONCE,
        /** Every CDN body has one byte flipped (right length, wrong sha256). */
        CORRUPT
    }

    record Request(String method, String path, String range, String authorization) {}

    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/([^/]+)");
    private static final Pattern CDN = Pattern.compile("/cdn/([0-9a-f]{64})");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    final List<Request> requests = new CopyOnWriteArrayList<>();
    volatile Fault fault = Fault.NONE;
    private final Map<String, Map<String, byte[]>> repos = new ConcurrentHashMap<>();
    private final HttpServer server;

    FakeHub() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    FakeHub add(String repo, String file, byte[] content) {
        repos.computeIfAbsent(repo, r -> new ConcurrentHashMap<>()).put(file, content);
        return this;
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    List<Request> requests(String method) {
        return requests.stream().filter(r -> r.method().equals(method)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Headers in = exchange.getRequestHeaders();
            String path = exchange.getRequestURI().getRawPath();
            requests.add(
                    new Request(exchange.getRequestMethod(), path, in.getFirst("Range"), in.getFirst("Authorization")));
            Matcher resolve = RESOLVE.matcher(path), cdn = CDN.matcher(path);
            if (resolve.matches()) {
                resolve(
                        exchange,
                        resolve.group(1),
                        URLDecoder.decode(resolve.group(2), StandardCharsets.UTF_8),
                        resolve.group(3));
            } else if (cdn.matches()) {
                serveLfs(exchange, cdn.group(1));
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        }
    }

    private void resolve(HttpExchange exchange, String repo, String revision, String file) throws IOException {
        Map<String, byte[]> files = repos.get(repo);
        if (files == null) {
            error(exchange, 401, "RepoNotFound"); // the hub does not tell a missing repository from a private one
            return;
        }
        if (!revision.equals("main") && !revision.equals(COMMIT)) {
            error(exchange, 404, "RevisionNotFound");
            return;
        }
        Headers out = exchange.getResponseHeaders();
        out.set("X-Repo-Commit", COMMIT);
        byte[] content = files.get(file);
        if (content == null) {
            error(exchange, 404, "EntryNotFound");
        } else if (file.endsWith(".safetensors")) {
            out.set("ETag", quoted(gitBlobSha1(content)));
            out.set("X-Linked-Etag", quoted(sha256(content)));
            out.set("X-Linked-Size", Long.toString(content.length));
            out.set("Location", endpoint() + "/cdn/" + sha256(content));
            exchange.sendResponseHeaders(302, -1);
        } else {
            out.set("ETag", quoted(gitBlobSha1(content)));
            send(exchange, 200, content);
        }
    }

    private void serveLfs(HttpExchange exchange, String sha256) throws IOException {
        byte[] content = repos.values().stream()
                .flatMap(files -> files.values().stream())
                .filter(c -> sha256(c).equals(sha256))
                .findFirst()
                .orElse(null);
        if (content == null) {
            exchange.sendResponseHeaders(404, -1);
            return;
        }
        String range = exchange.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        int from = m != null && m.matches() ? Integer.parseInt(m.group(1)) : 0;
        byte[] body = Arrays.copyOfRange(content, from, content.length);
        if (fault == Fault.CORRUPT) body[body.length / 2] ^= 0x5a;
        if (from > 0)
            exchange.getResponseHeaders()
                    .set("Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
        int status = from > 0 ? 206 : 200;
        if (fault == Fault.CUT_SHORT_ONCE) {
            fault = Fault.NONE;
            exchange.sendResponseHeaders(status, body.length);
            OutputStream out = exchange.getResponseBody();
            out.write(body, 0, body.length / 2);
            out.flush();
            return; // closing the exchange with bytes still owed drops the connection
        }
        send(exchange, status, body);
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        if (exchange.getRequestMethod().equals("HEAD")) {
            // HttpServer sends no length for HEAD by itself; the hub does, and clients read the size from it.
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
        } else {
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static void error(HttpExchange exchange, int status, String code) throws IOException {
        exchange.getResponseHeaders().set("X-Error-Code", code);
        exchange.sendResponseHeaders(status, -1);
    }

    private static String quoted(String etag) {
        return '"' + etag + '"';
    }

    static String sha256(byte[] content) {
        return hex("SHA-256", content);
    }

    /** The id git gives a file's content, which the hub sends as the ETag of a small (non-LFS) file. */
    static String gitBlobSha1(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] object = Arrays.copyOf(header, header.length + content.length);
        System.arraycopy(content, 0, object, header.length, content.length);
        return hex("SHA-1", object);
    }

    private static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
