package vitprobe.probe;

/**
 * What one sample is: an image's [CLS] token (classification) or one of its patch tokens (segmentation).
 * It decides the negatives of a concept: for patches only those labelled with another concept of the same category.
 */
public enum TokenType {
    CLS, PATCH;

    /** The name used in files and on the command line. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The token type for a file or flag value, or null when the text names none. */
    public static TokenType byKey(String key) {
        for (TokenType t : values()) if (t.key().equals(key)) return t;
        return null;
    }
}
