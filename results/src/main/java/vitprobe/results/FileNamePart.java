package vitprobe.results;

import java.nio.charset.StandardCharsets;

/**
 * The rule for the names that become parts of file names: a model's name (features/NAME/, the report's
 * figures/k-sweep-NAME-classification.svg), a task's, a rule's. An experiment's config is held to it, and so is a
 * results.json read back, which may have been edited by hand: a '/' would scatter the figures into subfolders.
 */
public final class FileNamePart {
    private static final String PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]*";
    /**
     * The longest model name, in UTF-8 bytes, whose files fit in a file name of 255 bytes. The longest file named
     * after a model is the report's figures/k-sweep-NAME-classification.svg, written first under the temporary name
     * ".k-sweep-NAME-classification.svg.PID.RANDOM.vitprobe-partial" (see AtomicFiles): 27 bytes around the name,
     * plus 55 for the temporary name with the longest pid and random hex (19 and 16 digits).
     */
    public static final int MAX_BYTES = 255 - "k-sweep--classification.svg".length() - 55;

    private FileNamePart() {}

    /** Why {@code name} cannot be part of a file name (to follow "name 'NAME' "), or null when it can. */
    public static String problem(String name) {
        if (!name.matches(PATTERN)) return "must be ASCII letters, digits, '.', '_' or '-' (it names folders)";
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            return "is " + bytes + " bytes long, over the " + MAX_BYTES
                    + " that fit in the file names it gives (figures/k-sweep-NAME-classification.svg)";
        }
        return null;
    }
}
