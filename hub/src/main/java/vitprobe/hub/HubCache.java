package vitprobe.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
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
