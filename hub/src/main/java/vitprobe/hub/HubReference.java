package vitprobe.hub;

import java.util.regex.Pattern;

/**
 * A model repository on the Hugging Face hub at one revision (a branch, a tag or a commit hash), written
 * {@code hf:ORG/NAME[@REV]}.
 */
public record HubReference(String repo, String revision) {
    public static final String PREFIX = "hf:";
    public static final String DEFAULT_REVISION = "main";

    // The hub's own rules (as huggingface_hub validates them): letters, digits, '-', '_', '.'; no "--" or "..".
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][\\w.-]{0,95}(/[A-Za-z0-9][\\w.-]{0,95})?");
    private static final Pattern REVISION = Pattern.compile("[\\w.-]+(/[\\w.-]+)*");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public HubReference {
        if (!REPO.matcher(repo).matches() || repo.contains("--") || repo.contains("..")) {
            throw new HubException(
                    "'" + repo + "' is not a hub repository id (expected ORG/NAME, e.g. facebook/dino-vits8)");
        }
        // The revision becomes a path under refs/, so it must not climb out of it.
        if (!REVISION.matcher(revision).matches() || revision.contains("..")) {
            throw new HubException(
                    "'" + revision + "' is not a revision of " + repo + " (expected a branch, tag or commit hash)");
        }
    }

    /** Parses {@code hf:ORG/NAME[@REV]}; the prefix is optional, the revision defaults to {@code main}. */
    public static HubReference parse(String text) {
        String s = text.startsWith(PREFIX) ? text.substring(PREFIX.length()) : text;
        int at = s.indexOf('@');
        return at < 0
                ? new HubReference(s, DEFAULT_REVISION)
                : new HubReference(s.substring(0, at), s.substring(at + 1));
    }

    /** Whether the revision is a full commit hash, which never moves (no ref to look up). */
    public boolean pinned() {
        return isCommit(revision);
    }

    static boolean isCommit(String s) {
        return COMMIT.matcher(s).matches();
    }

    @Override
    public String toString() {
        return PREFIX + repo + (revision.equals(DEFAULT_REVISION) ? "" : "@" + revision);
    }
}
