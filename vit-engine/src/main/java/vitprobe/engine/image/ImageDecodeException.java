package vitprobe.engine.image;

/** An image that cannot be decoded; the message names the image and the problem on one line. */
public class ImageDecodeException extends RuntimeException {
    public ImageDecodeException(String source, String problem) {
        this(source, problem, null);
    }

    public ImageDecodeException(String source, String problem, Throwable cause) {
        super((source + ": " + problem).replaceAll("\\s*\\R\\s*", " "), cause);
    }
}
