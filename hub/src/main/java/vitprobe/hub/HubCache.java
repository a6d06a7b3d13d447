package vitprobe.hub;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import vitprobe.io.AtomicFiles;

/**
 * The hub cache as huggingface_hub lays it out, so that vitprobe and Python tools reuse each other's downloads.
 * Per repository {@code models--ORG--NAME/}: {@code blobs/ETAG} holds the content (ETAG is the sha256 of an LFS
 * file, the git sha1 of a small one), {@code snapshots/COMMIT/FILE} is a relative symlink to {@code ../../blobs/ETAG},
 * {@code refs/REVISION} holds the commit a branch or tag named when last fetched, and an empty
 * {@code .no_exist/COMMIT/FILE} records that the commit has no such file.
 */
final class HubCache {
    static final String WEIGHTS = "model.safetensors";
    static final String CONFIG = "config.json";

    // Larger than any real header (the format's own limit is 100 MB), so random bytes are not taken for a length.
    private static final long MAX_HEADER = 100_000_000L;
    private static final Pattern DATA_OFFSETS =
            Pattern.compile("\"data_offsets\"\\s*:\\s*\\[\\s*\\d{1,18}\\s*,\\s*(\\d{1,18})\\s*\\]");

    private final Path root;

    HubCache(Path root) {
        this.root = root;
    }

    private Path repoFolder(String repo) {
        return root.resolve("models--" + repo.replace("/", "--"));
    }

    Path blob(String repo, String etag) {
        return repoFolder(repo).resolve("blobs").resolve(etag);
    }

    Path snapshot(String repo, String commit) {
        return repoFolder(repo).resolve("snapshots").resolve(commit);
    }

    private Path noExist(String repo, String commit, String file) {
        return repoFolder(repo).resolve(".no_exist").resolve(commit).resolve(file);
    }

    private Path ref(String repo, String revision) {
        return repoFolder(repo).resolve("refs").resolve(revision);
    }

    /** The snapshot folder of REF if the weights and config.json (or the record that it is absent) are there. */
    Optional<Path> complete(HubReference ref) {
        return commit(ref)
                .filter(c -> {
                    Path dir = snapshot(ref.repo(), c);
                    return Files.isRegularFile(dir.resolve(WEIGHTS))
                            && (Files.isRegularFile(dir.resolve(CONFIG))
                                    || Files.exists(noExist(ref.repo(), c, CONFIG)));
                })
                .map(c -> snapshot(ref.repo(), c));
    }

    /** The commit REF names: the revision itself when it is a commit hash, else what refs/REVISION recorded. */
    private Optional<String> commit(HubReference ref) {
        if (ref.pinned()) return Optional.of(ref.revision());
        Path file = ref(ref.repo(), ref.revision());
        if (!Files.isRegularFile(file)) return Optional.empty();
        String commit = read(file).strip();
        return HubReference.isCommit(commit) ? Optional.of(commit) : Optional.empty();
    }

    /**
     * Why a safetensors file is known to be corrupt without asking the hub: its length differs from the one its own
     * header implies (8 bytes, the JSON header, then the data up to the largest data offset). Empty when it agrees or
     * when the file does not read as safetensors at all (nothing is known then; the weights loader says what is wrong).
     */
    static Optional<String> sizeProblem(Path file) {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = in.size();
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && in.read(head) >= 0) {}
            if (head.hasRemaining()) return Optional.empty();
            long headerLength = head.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER) return Optional.empty();
            if (size < 8 + headerLength) {
                return Optional.of(
                        size + " bytes, fewer than its " + headerLength + "-byte header (" + (8 + headerLength) + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            while (header.hasRemaining() && in.read(header) >= 0) {}
            String json = new String(header.array(), StandardCharsets.UTF_8);
            if (!json.startsWith("{")) return Optional.empty();
            Matcher m = DATA_OFFSETS.matcher(json);
            long end = 0;
            boolean any = false;
            while (m.find()) {
                any = true;
                end = Math.max(end, Long.parseLong(m.group(1)));
            }
            long expected = 8 + headerLength + end;
            if (!any || size == expected) return Optional.empty();
            return Optional.of(size + " bytes, its header describes " + expected);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Points snapshots/COMMIT/FILE at its blob; relative, so the cache still works after it is moved. */
    void link(String repo, String commit, String file, Path blob) {
        Path pointer = snapshot(repo, commit).resolve(file);
        if (Files.isRegularFile(pointer)) return; // a commit's file never changes; a read-only cache stays usable
        try {
            Files.createDirectories(pointer.getParent());
            Files.deleteIfExists(pointer);
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        } catch (IOException e) {
            throw new HubException("cannot link " + pointer + " to " + blob + ": " + e.getMessage(), e);
        }
    }

    void recordMissing(String repo, String commit, String file) {
        Path marker = noExist(repo, commit, file);
        try {
            Files.createDirectories(marker.getParent());
            if (!Files.exists(marker)) Files.createFile(marker);
        } catch (IOException e) {
            throw new HubException("cannot write " + marker + ": " + e.getMessage(), e);
        }
    }

    /** Records which commit a branch or tag names, replacing the file atomically; a commit hash needs no ref. */
    void recordRef(HubReference ref, String commit) {
        if (ref.pinned()) return;
        Path file = ref(ref.repo(), ref.revision());
        try {
            Files.createDirectories(file.getParent());
            if (Files.isRegularFile(file) && read(file).equals(commit)) return;
            AtomicFiles.writeString(file, commit); // no newline: huggingface_hub writes the bare hash
        } catch (IOException e) {
            throw new HubException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new HubException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
