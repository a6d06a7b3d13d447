package vitprobe.probe;

/**
 * What one sample is: an image's [CLS] token (classification) or one of its patch tokens (segmentation).
 * It decides the negatives of a concept: for patches only those labelled with another concept of the same category.
 */
public enum SampleKind {
    CLS,
    PATCH;

    /** The name used in files and on the command line. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The kind a file or flag names, or an exception saying what it may name. */
    public static SampleKind byKey(String key) {
        for (SampleKind t : values()) if (t.key().equals(key)) return t;
        throw new IllegalArgumentException("unknown sample kind '" + key + "' (known: cls, patch)");
    }
}
