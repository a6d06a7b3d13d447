package vitprobe.hub;

/** A hub download or cache problem, described in one line that names the repository, file or URL. */
public final class HubException extends RuntimeException {
    public HubException(String message) {
        super(message);
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
    }
}
