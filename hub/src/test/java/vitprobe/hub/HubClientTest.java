package vitprobe.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static vitprobe.hub.FakeHub.COMMIT;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class HubClientTest {
    static final String REPO = "acme/vit-tiny";
    static final HubReference MAIN = HubReference.parse("hf:" + REPO);

    @TempDir
    Path cache;

    FakeHub hub;
    // Larger than the client's 1 MiB buffer, so a cut-short body leaves a partial file of several chunks.
    final byte[] weights = new byte[3 * (1 << 20) + 12345];
    final byte[] config = "{\"model_type\": \"vit\", \"hidden_size\": 64}".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void startHub() throws IOException {
        new Random(7).nextBytes(weights);
        hub = new FakeHub().add(REPO, "model.safetensors", weights).add(REPO, "config.json", config);
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    HubClient client() {
        return new HubClient(hub.endpoint(), cache, null);
    }

    Path repoFolder() {
        return cache.resolve("models--acme--vit-tiny");
    }

    Path blob(byte[] content) {
        return repoFolder().resolve("blobs").resolve(FakeHub.sha256(content));
    }

    Set<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }

    @Test
    void freshDownloadLaysOutTheCacheAsHuggingfaceHubDoes() throws IOException {
        List<long[]> weightsProgress = new ArrayList<>();
        Path snapshot = client().pull(MAIN, (file, done, total) -> {
            if (file.equals("model.safetensors")) weightsProgress.add(new long[] {done, total});
        });

        Path repo = repoFolder();
        assertEquals(repo.resolve("snapshots").resolve(COMMIT), snapshot);
        assertEquals(Set.of(COMMIT), list(repo.resolve("snapshots")));
        assertEquals(
                Path.of("../../blobs/" + FakeHub.sha256(weights)),
                Files.readSymbolicLink(snapshot.resolve("model.safetensors")));
        assertEquals(
                Path.of("../../blobs/" + FakeHub.gitBlobSha1(config)),
                Files.readSymbolicLink(snapshot.resolve("config.json")));
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertArrayEquals(config, Files.readAllBytes(snapshot.resolve("config.json")));
        assertEquals(
                Set.of(FakeHub.sha256(weights), FakeHub.gitBlobSha1(config)),
                list(repo.resolve("blobs")),
                "no .incomplete left");
        assertEquals(
                COMMIT, Files.readString(repo.resolve("refs/main")), "the bare hash, as huggingface_hub writes it");

        assertEquals(
                List.of(
                        new FakeHub.Request("HEAD", "/acme/vit-tiny/resolve/main/model.safetensors", null, null),
                        new FakeHub.Request("HEAD", "/acme/vit-tiny/resolve/" + COMMIT + "/config.json", null, null),
                        new FakeHub.Request("GET", "/cdn/" + FakeHub.sha256(weights), null, null),
                        new FakeHub.Request("GET", "/acme/vit-tiny/resolve/" + COMMIT + "/config.json", null, null)),
                hub.requests);
        long[] last = weightsProgress.getLast();
        assertEquals(weights.length, last[0]);
        assertEquals(weights.length, last[1]);
        assertTrue(weightsProgress.size() > 3, "reported while downloading");
    }

    @Test
    void aCachedSnapshotIsNotDownloadedAgain() throws IOException {
        Path snapshot = client().pull(MAIN, HubClient.Progress.NONE);

        hub.requests.clear();
        assertEquals(snapshot, client().pull(MAIN, HubClient.Progress.NONE));
        assertEquals(List.of(), hub.requests("GET"), "pull asks the hub for the commit, downloads nothing");
        assertEquals(2, hub.requests("HEAD").size());

        hub.requests.clear();
        assertEquals(snapshot, client().resolve(MAIN, HubClient.Progress.NONE));
        assertEquals(List.of(), hub.requests, "resolve answers from the cache");

        hub.close();
        HubClient offline = new HubClient(URI.create("http://127.0.0.1:9"), cache, null);
        assertEquals(snapshot, offline.resolve(MAIN, HubClient.Progress.NONE));
        assertEquals(
                snapshot, offline.resolve(HubReference.parse("hf:" + REPO + "@" + COMMIT), HubClient.Progress.NONE));
    }

    @Test
    void aCutShortDownloadIsKeptAndResumedWithARangeRequest() throws IOException {
        hub.fault = FakeHub.Fault.CUT_SHORT_ONCE;
        HubException cut = assertThrows(HubException.class, () -> client().pull(MAIN, HubClient.Progress.NONE));
        assertTrue(
                cut.getMessage().contains("model.safetensors of acme/vit-tiny")
                        && cut.getMessage().contains("run again to resume"),
                cut.getMessage());
        Path part = blob(weights).resolveSibling(blob(weights).getFileName() + ".incomplete");
        long partial = Files.size(part);
        assertTrue(partial > 0 && partial < weights.length, "partial file of " + partial + " bytes");
        assertFalse(Files.exists(blob(weights)));
        assertFalse(Files.exists(repoFolder().resolve("snapshots")));

        hub.requests.clear();
        List<Long> firstReport = new ArrayList<>();
        Path snapshot = client().pull(MAIN, (file, done, total) -> {
            if (file.equals("model.safetensors") && firstReport.isEmpty()) firstReport.add(done);
        });
        List<FakeHub.Request> cdn = hub.requests("GET").stream()
                .filter(r -> r.path().startsWith("/cdn/"))
                .toList();
        assertEquals(1, cdn.size());
        assertEquals("bytes=" + partial + "-", cdn.getFirst().range());
        assertEquals(List.of(partial), firstReport, "progress starts at the resumed prefix");
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertFalse(Files.exists(part));
    }

    @Test
    void aCorruptDownloadIsDeletedAndNeverLinked() throws IOException {
        hub.fault = FakeHub.Fault.CORRUPT;
        HubException corrupt = assertThrows(HubException.class, () -> client().pull(MAIN, HubClient.Progress.NONE));
        assertTrue(
                corrupt.getMessage().contains("model.safetensors")
                        && corrupt.getMessage().contains("sha256"),
                corrupt.getMessage());

        assertFalse(Files.exists(repoFolder().resolve("snapshots")), "nothing under snapshots/");
        assertFalse(Files.exists(repoFolder().resolve("refs")));
        assertFalse(Files.exists(blob(weights)), "no blob under the final name");
        assertFalse(
                Files.exists(blob(weights).resolveSibling(blob(weights).getFileName() + ".incomplete")),
                "not resumed from either");

        hub.fault = FakeHub.Fault.NONE;
        Path snapshot = client().pull(MAIN, HubClient.Progress.NONE);
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void aCachedBlobOfAnotherSizeThanTheHubReportsIsDownloadedAgain() throws IOException {
        Path snapshot = client().pull(MAIN, HubClient.Progress.NONE);
        Path blob = blob(weights);

        // Cut short: resumed from what is left (and still checked against the sha256 as a whole).
        truncate(blob, 1_000_000);
        hub.requests.clear();
        assertEquals(snapshot, client().pull(MAIN, HubClient.Progress.NONE));
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        List<FakeHub.Request> gets = hub.requests("GET");
        assertEquals(1, gets.size(), gets.toString());
        assertEquals("bytes=1000000-", gets.getFirst().range());

        // Longer than the hub's file: downloaded afresh.
        Files.write(blob, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        hub.requests.clear();
        client().pull(MAIN, HubClient.Progress.NONE);
        assertArrayEquals(weights, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertNull(hub.requests("GET").getFirst().range());
        assertEquals(
                Set.of(FakeHub.sha256(weights), FakeHub.gitBlobSha1(config)),
                list(repoFolder().resolve("blobs")));
    }

    @Test
    void aCachedSafetensorsFileShorterThanItsHeaderSaysIsRepairedByResolveOrReportedOffline() throws IOException {
        byte[] tensors = safetensors(3 << 18);
        hub.add("acme/real", "model.safetensors", tensors).add("acme/real", "config.json", config);
        HubReference real = HubReference.parse("hf:acme/real");
        Path snapshot = client().pull(real, HubClient.Progress.NONE);
        Path blob = cache.resolve("models--acme--real/blobs").resolve(FakeHub.sha256(tensors));
        truncate(blob, 500_000);

        HubClient offline = new HubClient(URI.create("http://127.0.0.1:9"), cache, null);
        HubException e = assertThrows(HubException.class, () -> offline.resolve(real, HubClient.Progress.NONE));
        assertTrue(
                e.getMessage()
                        .startsWith(snapshot.resolve("model.safetensors") + " in the hub cache is corrupt (500000 "
                                + "bytes, its header describes " + tensors.length + ") and cannot be downloaded "
                                + "again: cannot reach http://127.0.0.1:9/"),
                e.getMessage());

        hub.requests.clear();
        assertEquals(snapshot, client().resolve(real, HubClient.Progress.NONE));
        assertArrayEquals(tensors, Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertEquals("bytes=500000-", hub.requests("GET").getFirst().range());
        hub.requests.clear();
        assertEquals(snapshot, client().resolve(real, HubClient.Progress.NONE));
        assertEquals(List.of(), hub.requests, "a whole file is used from the cache again");
    }

    /** A safetensors file of one F32 tensor of N values. */
    static byte[] safetensors(int n) {
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[" + n + "],\"data_offsets\":[0," + 4 * n + "]}}";
        byte[] header = (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer file =
                java.nio.ByteBuffer.allocate(8 + header.length + 4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header);
        Random random = new Random(3);
        for (int i = 0; i < n; i++) file.putFloat(random.nextFloat());
        return file.array();
    }

    static void truncate(Path file, long size) throws IOException {
        try (java.nio.channels.FileChannel channel =
                java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(size);
        }
    }

    @Test
    void unknownRepositoryAndRevisionAreNamed() {
        HubException repo = assertThrows(
                HubException.class, () -> client().pull(HubReference.parse("hf:acme/nope"), HubClient.Progress.NONE));
        assertEquals(
                "repository acme/nope not found at " + hub.endpoint() + " (a private or gated one needs HF_TOKEN)",
                repo.getMessage());
        assertFalse(Files.exists(cache.resolve("models--acme--nope")));

        HubException revision = assertThrows(HubException.class, () -> client().pull(
                        HubReference.parse("hf:acme/vit-tiny@v9"), HubClient.Progress.NONE));
        assertEquals("revision 'v9' not found in acme/vit-tiny", revision.getMessage());
    }

    @Test
    void aRepositoryWithoutSafetensorsWeightsIsRejected() throws IOException {
        hub.add("acme/old", "pytorch_model.bin", weights).add("acme/old", "config.json", config);
        HubException e = assertThrows(
                HubException.class, () -> client().pull(HubReference.parse("hf:acme/old"), HubClient.Progress.NONE));
        assertEquals(
                "hf:acme/old has no model.safetensors (vitprobe reads safetensors weights only, not pytorch_model.bin)",
                e.getMessage());
        assertEquals(List.of(), hub.requests("GET"));
    }

    @Test
    void aMissingConfigIsRecordedSoTheSnapshotCountsAsComplete() throws IOException {
        hub.add("acme/bare", "model.safetensors", weights);
        HubReference bare = HubReference.parse("hf:acme/bare");
        Path snapshot = client().pull(bare, HubClient.Progress.NONE);
        assertEquals(Set.of("model.safetensors"), list(snapshot));
        assertTrue(Files.exists(
                cache.resolve("models--acme--bare/.no_exist").resolve(COMMIT).resolve("config.json")));

        hub.requests.clear();
        assertEquals(snapshot, client().resolve(bare, HubClient.Progress.NONE));
        assertEquals(List.of(), hub.requests);
    }

    @Test
    void aCommitHashNeedsNoRef() throws IOException {
        Path snapshot = client().pull(HubReference.parse("hf:" + REPO + "@" + COMMIT), HubClient.Progress.NONE);
        assertEquals(repoFolder().resolve("snapshots").resolve(COMMIT), snapshot);
        assertFalse(Files.exists(repoFolder().resolve("refs")));
    }

    @Test
    void theTokenGoesToTheHubButNotToTheCdn() {
        new HubClient(hub.endpoint(), cache, "hf_secret").pull(MAIN, HubClient.Progress.NONE);
        for (FakeHub.Request r : hub.requests) {
            if (r.path().startsWith("/cdn/")) assertNull(r.authorization(), r.toString());
            else assertEquals("Bearer hf_secret", r.authorization(), r.toString());
        }
    }

    @Test
    void settingsAreReadLikeHuggingfaceHubReadsThem(@TempDir Path home) throws IOException {
        String endpoint = hub.endpoint().toString();
        HubClient.fromSettings(Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", endpoint)::get)
                .pull(MAIN, HubClient.Progress.NONE);
        assertTrue(Files.isRegularFile(home.resolve("hub/models--acme--vit-tiny/snapshots")
                .resolve(COMMIT)
                .resolve("model.safetensors")));

        Files.writeString(home.resolve("token"), "hf_saved\n");
        Path elsewhere = home.resolve("elsewhere");
        hub.requests.clear();
        HubClient.fromSettings(
                        Map.of(
                                "HF_HOME",
                                home.toString(),
                                "HF_HUB_CACHE",
                                elsewhere.toString(),
                                "HF_ENDPOINT",
                                endpoint + "/")::get)
                .pull(MAIN, HubClient.Progress.NONE);
        assertTrue(Files.isRegularFile(elsewhere
                .resolve("models--acme--vit-tiny/snapshots")
                .resolve(COMMIT)
                .resolve("model.safetensors")));
        assertEquals(
                "Bearer hf_saved", hub.requests.getFirst().authorization(), "the token huggingface-cli login saved");

        hub.requests.clear();
        HubClient.fromSettings(Map.of("HF_HOME", home.toString(), "HF_TOKEN", "hf_env", "HF_ENDPOINT", endpoint)::get)
                .pull(MAIN, HubClient.Progress.NONE);
        assertEquals("Bearer hf_env", hub.requests.getFirst().authorization());
    }

    @Test
    void anEndpointThatIsNoHttpUrlIsRefusedBeforeAnyRequest(@TempDir Path home) {
        for (String endpoint : List.of("notaurl", "huggingface.co", "file:///tmp/hub", "https://", "http://a b")) {
            HubException e = assertThrows(
                    HubException.class,
                    () -> HubClient.fromSettings(Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", endpoint)::get));
            assertEquals("HF_ENDPOINT '" + endpoint + "' is not an http(s) URL", e.getMessage());
        }
        assertTrue(hub.requests.isEmpty());
    }
}
