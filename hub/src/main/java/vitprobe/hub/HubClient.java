package vitprobe.hub;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Downloads a model's {@code config.json} and {@code model.safetensors} from the Hugging Face hub into the shared
 * hub cache ({@link HubCache}) the way huggingface_hub does. A HEAD on {@code ENDPOINT/ORG/NAME/resolve/REV/FILE}
 * tells the commit ({@code X-Repo-Commit}), the content id ({@code X-Linked-Etag}, the sha256 of an LFS file, else
 * {@code ETag}) and the size ({@code X-Linked-Size}, else {@code Content-Length}); an LFS file answers with a
 * redirect to the CDN that serves its bytes. The body is written to {@code blobs/ETAG.incomplete} (resumed with a
 * Range request after an interruption), checked against the size and, for LFS files, the sha256, and only then
 * renamed to {@code blobs/ETAG} and linked into the snapshot.
 */
public final class HubClient {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");

    /** Download progress of one file; {@code done} includes a resumed prefix, {@code total} is -1 when unknown. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (file, done, total) -> {};

        void update(String file, long done, long total);
    }

    /** What the hub said about one file. {@code sha256} is null for small (non-LFS) files, {@code size} -1 if unknown. */
    private record Remote(
            HubReference ref,
            String file,
            URI url,
            URI location,
            String commit,
            String etag,
            String sha256,
            long size) {
        String describe() {
            return file + " of " + ref.repo();
        }
    }

    private static final int MAX_REDIRECTS = 5;
    private static final int BUFFER = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    // The etag names a file in blobs/, so nothing that could leave that folder.
    private static final Pattern ETAG = Pattern.compile("[\\w-]+");

    private final String endpoint;
    private final HubCache cache;
    private final String token;
    // HEADs must not follow the redirect to the CDN: the hub's metadata headers are on the redirect itself.
    private final HttpClient metadata = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT)
            .build();
    private final HttpClient content = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(TIMEOUT)
            .build();

    /**
     * @param endpoint  the hub, e.g. {@link #DEFAULT_ENDPOINT}
     * @param cacheRoot the hub cache folder holding {@code models--ORG--NAME/}
     * @param token     sent as {@code Authorization: Bearer} to the hub (never to the CDN); null for none
     */
    public HubClient(URI endpoint, Path cacheRoot, String token) {
        this.endpoint = endpoint.toString().replaceAll("/+$", "");
        this.cache = new HubCache(cacheRoot);
        this.token = token;
    }

    /**
     * The client huggingface_hub would set up: endpoint {@code HF_ENDPOINT} (default https://huggingface.co), cache
     * {@code HF_HUB_CACHE}, else {@code HF_HOME/hub} with {@code HF_HOME} defaulting to {@code ~/.cache/huggingface},
     * token {@code HF_TOKEN}, else the file {@code HF_HOME/token} that {@code huggingface-cli login} writes. A JVM
     * system property of the same name ({@code -DHF_ENDPOINT=...}) takes precedence over the environment variable.
     */
    public static HubClient fromEnvironment() {
        return fromSettings(name -> System.getProperty(name, System.getenv(name)));
    }

    static HubClient fromSettings(UnaryOperator<String> lookup) {
        Function<String, Optional<String>> setting =
                name -> Optional.ofNullable(lookup.apply(name)).filter(v -> !v.isBlank());
        Path home = setting.apply("HF_HOME").map(Path::of).orElseGet(() -> setting.apply("XDG_CACHE_HOME")
                .map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("huggingface"));
        Path cache = setting.apply("HF_HUB_CACHE")
                .or(() -> setting.apply("HUGGINGFACE_HUB_CACHE"))
                .map(Path::of)
                .orElse(home.resolve("hub"));
        String token = setting.apply("HF_TOKEN").orElseGet(() -> savedToken(home.resolve("token")));
        URI endpoint = setting.apply("HF_ENDPOINT").map(HubClient::endpoint).orElse(DEFAULT_ENDPOINT);
        return new HubClient(endpoint, cache, token);
    }

    /** HF_ENDPOINT as a URI; anything but an absolute http(s) URL with a host would only fail at the first request. */
    private static URI endpoint(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) return uri;
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        throw new HubException("HF_ENDPOINT '" + value + "' is not an http(s) URL");
    }

    private static String savedToken(Path file) {
        if (!Files.isRegularFile(file)) return null;
        try {
            String token = Files.readString(file).strip();
            return token.isEmpty() ? null : token;
        } catch (IOException e) {
            throw new HubException("cannot read the hub token " + file + ": " + e.getMessage(), e);
        }
    }

    /** The same hub and token with another cache folder. */
    public HubClient withCache(Path cacheRoot) {
        return new HubClient(URI.create(endpoint), cacheRoot, token);
    }

    /** The snapshot folder of REF: from the cache without any request when it is complete there, else pulled. */
    public Path resolve(HubReference ref, Progress progress) {
        Optional<Path> cached = cache.complete(ref);
        if (cached.isEmpty()) return pull(ref, progress);
        Path snapshot = cached.get();
        // A weights file whose own header names another length is cut short (or overlong): download it again.
        Optional<String> problem = HubCache.sizeProblem(snapshot.resolve(HubCache.WEIGHTS));
        if (problem.isEmpty()) return snapshot;
        HubReference commit =
                new HubReference(ref.repo(), snapshot.getFileName().toString());
        try {
            return pull(commit, progress);
        } catch (HubException e) {
            throw new HubException(
                    snapshot.resolve(HubCache.WEIGHTS) + " in the hub cache is corrupt (" + problem.get()
                            + ") and cannot be downloaded again: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Asks the hub which commit REF names now, downloads what the cache lacks of it, returns its snapshot folder.
     * The snapshot gets its links only once every file is in blobs/, so it never looks complete when it is not.
     */
    public Path pull(HubReference ref, Progress progress) {
        Remote weights = head(ref, HubCache.WEIGHTS)
                .orElseThrow(() -> new HubException(ref + " has no " + HubCache.WEIGHTS
                        + " (vitprobe reads safetensors weights only, not pytorch_model.bin)"));
        String commit = weights.commit();
        // config.json at the weights' commit: both files come from one commit even if the branch moves meanwhile.
        Optional<Remote> config = head(new HubReference(ref.repo(), commit), HubCache.CONFIG);
        Path weightsBlob = store(weights, progress);
        Optional<Path> configBlob = config.map(c -> store(c, progress));
        cache.link(ref.repo(), commit, HubCache.WEIGHTS, weightsBlob);
        configBlob.ifPresentOrElse(
                blob -> cache.link(ref.repo(), commit, HubCache.CONFIG, blob),
                () -> cache.recordMissing(ref.repo(), commit, HubCache.CONFIG));
        cache.recordRef(ref, commit);
        return cache.snapshot(ref.repo(), commit);
    }

    /** The blob of one file, downloaded unless the cache has it already (from this or any other commit). */
    private Path store(Remote remote, Progress progress) {
        Path blob = cache.blob(remote.ref().repo(), remote.etag());
        if (Files.isRegularFile(blob) && !discardIfWrongSize(remote, blob)) return blob;
        download(remote, blob, progress);
        return blob;
    }

    /**
     * Whether BLOB (in the cache) differs in size from what the hub reports, in which case it is no longer there: a
     * short one becomes the partial download to resume (the sha256 check still covers it), a long one is deleted.
     */
    private static boolean discardIfWrongSize(Remote remote, Path blob) {
        Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
        try {
            long size = Files.size(blob);
            if (remote.size() < 0 || size == remote.size()) return false;
            if (size < remote.size() && !Files.exists(part)) Files.move(blob, part, StandardCopyOption.ATOMIC_MOVE);
            else Files.delete(blob);
            return true;
        } catch (IOException e) {
            throw new HubException(
                    blob + " in the hub cache is corrupt (not the " + remote.size() + " bytes the hub reports) and "
                            + "cannot be replaced: " + e.getMessage(),
                    e);
        }
    }

    private void download(Remote remote, Path blob, Progress progress) {
        Path part = blob.resolveSibling(blob.getFileName() + ".incomplete");
        try {
            Files.createDirectories(blob.getParent());
            try (FileChannel out = FileChannel.open(
                            part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileLock lock = out.tryLock()) {
                if (lock == null)
                    throw new HubException(part + " is being downloaded by another process; try again when it is done");
                MessageDigest sha256 = sha256();
                long have = digestExisting(out, sha256);
                if (remote.size() < 0 || have < remote.size()) have = receive(remote, out, have, sha256, progress);
                verify(remote, part, have, sha256);
                out.force(true);
                Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new HubException("cannot write " + part + ": " + e.getMessage(), e);
        }
    }

    /** Feeds what an interrupted download left on disk to the digest; returns its length. */
    private static long digestExisting(FileChannel file, MessageDigest digest) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BUFFER);
        file.position(0);
        while (file.read(buf) != -1) {
            digest.update(buf.flip());
            buf.clear();
        }
        return file.position();
    }

    /** GETs the file from byte HAVE on (a Range request when resuming), appending to OUT; returns the bytes on disk. */
    private long receive(Remote remote, FileChannel out, long have, MessageDigest digest, Progress progress)
            throws IOException {
        HttpRequest.Builder get = request(remote.location(), remote.location().equals(remote.url()))
                .GET();
        if (have > 0) get.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> response = send(content, get.build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = response.body()) {
            if (response.statusCode() == 200 && have > 0) { // the server ignored the Range: start over
                out.truncate(0);
                digest.reset();
                have = 0;
            } else if (response.statusCode() != 200 && response.statusCode() != 206) {
                throw failure(remote.ref(), remote.location(), response);
            }
            out.position(have);
            progress.update(remote.file(), have, remote.size());
            byte[] buf = new byte[BUFFER];
            for (int n; (n = in.read(buf)) != -1; ) {
                ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
                while (chunk.hasRemaining()) out.write(chunk);
                digest.update(buf, 0, n);
                have += n;
                progress.update(remote.file(), have, remote.size());
            }
        } catch (IOException e) {
            throw new HubException(
                    remote.describe() + ": download from " + remote.location() + " stopped after " + have + " of "
                            + remote.size() + " bytes (" + reason(e) + "); run again to resume",
                    e);
        }
        return have;
    }

    /** Fails unless PART is the file the hub described: a short one is kept to be resumed, a wrong one deleted. */
    private static void verify(Remote remote, Path part, long have, MessageDigest digest) throws IOException {
        if (have < remote.size()) {
            throw new HubException(remote.describe() + ": download ended after " + have + " of " + remote.size()
                    + " bytes; run again to resume");
        }
        String problem = null;
        if (remote.size() >= 0 && have != remote.size()) {
            problem = have + " bytes, expected " + remote.size();
        } else if (remote.sha256() != null) {
            String actual = HexFormat.of().formatHex(digest.digest());
            if (!actual.equals(remote.sha256())) problem = "sha256 " + actual + ", expected " + remote.sha256();
        }
        if (problem != null) {
            Files.delete(part);
            throw new HubException(remote.describe() + " downloaded from " + remote.location() + " is corrupt ("
                    + problem + "); deleted it, run again to download it afresh");
        }
    }

    /** HEADs FILE at REF; empty when the hub says that revision has no such file. */
    private Optional<Remote> head(HubReference ref, String file) {
        URI url = URI.create(endpoint + "/" + ref.repo() + "/resolve/"
                + URLEncoder.encode(ref.revision(), StandardCharsets.UTF_8) + "/" + file);
        URI at = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest head = request(at, true)
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity") // the size of the file itself, not of a compressed form
                    .build();
            HttpResponse<Void> response = send(metadata, head, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            Optional<String> location = response.headers().firstValue("Location");
            if (status / 100 == 3 && location.isPresent()) {
                URI target = at.resolve(location.get());
                // A relative redirect stays on the hub (a renamed repository): follow it. An absolute one is the CDN.
                if (URI.create(location.get()).getHost() != null)
                    return Optional.of(remote(ref, file, url, target, response.headers()));
                at = target;
            } else if (status / 100 == 2) {
                return Optional.of(remote(ref, file, url, at, response.headers()));
            } else if (status == 404 && errorCode(response).equals("EntryNotFound")) {
                return Optional.empty();
            } else {
                throw failure(ref, at, response);
            }
        }
        throw new HubException(url + ": more than " + MAX_REDIRECTS + " redirects");
    }

    private Remote remote(HubReference ref, String file, URI url, URI location, HttpHeaders headers) {
        String commit = headers.firstValue("X-Repo-Commit").orElse("");
        if (!HubReference.isCommit(commit)) {
            throw new HubException(
                    url + ": the answer has no X-Repo-Commit commit hash; is " + endpoint + " a Hugging Face hub?");
        }
        Optional<String> linked = headers.firstValue("X-Linked-Etag").map(HubClient::unquote);
        String etag = linked.or(() -> headers.firstValue("ETag").map(HubClient::unquote))
                .orElse("");
        if (!ETAG.matcher(etag).matches())
            throw new HubException(url + ": the answer has no usable ETag ('" + etag + "')");
        // An LFS file's linked etag is the sha256 of its content, the check for the download.
        String sha256 = linked.filter(e -> SHA256.matcher(e).matches()).orElse(null);
        long size = headers.firstValue("X-Linked-Size")
                .or(() -> headers.firstValue("Content-Length"))
                .filter(s -> s.matches("\\d{1,18}"))
                .map(Long::parseLong)
                .orElse(-1L);
        return new Remote(ref, file, url, location, commit, etag, sha256, size);
    }

    private static String unquote(String etag) {
        return etag.replaceFirst("^W/", "").replace("\"", "");
    }

    private static String errorCode(HttpResponse<?> response) {
        return response.headers().firstValue("X-Error-Code").orElse("");
    }

    private HubException failure(HubReference ref, URI url, HttpResponse<?> response) {
        String detail = response.headers()
                .firstValue("X-Error-Message")
                .map(m -> " (" + m + ")")
                .orElse("");
        return new HubException(
                switch (errorCode(response)) {
                    case "RepoNotFound" ->
                        "repository " + ref.repo() + " not found at " + endpoint
                                + (token == null ? " (a private or gated one needs HF_TOKEN)" : "");
                    case "RevisionNotFound" -> "revision '" + ref.revision() + "' not found in " + ref.repo();
                    case "GatedRepo" -> ref.repo() + " is gated: accept its terms on the hub, then set HF_TOKEN";
                    default -> url + ": HTTP " + response.statusCode() + detail;
                });
    }

    private HttpRequest.Builder request(URI uri, boolean withToken) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT);
        if (withToken && token != null) request.header("Authorization", "Bearer " + token);
        return request;
    }

    private static <T> HttpResponse<T> send(HttpClient client, HttpRequest request, HttpResponse.BodyHandler<T> body) {
        try {
            return client.send(request, body);
        } catch (IOException e) {
            throw new HubException("cannot reach " + request.uri() + ": " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HubException("interrupted while requesting " + request.uri(), e);
        }
    }

    private static String reason(IOException e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
