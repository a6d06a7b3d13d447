package vitprobe.views;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Names for the files of one output folder, made from image stems and concept names: reduced to characters that
 * are safe in every file system and in a relative link (letters, digits, '.', '_', '-'), and never the same as one
 * already given, even on a file system that ignores case ("cat.png" and "Cat.png" become "cat" and "Cat-2"), and
 * short enough for a file system's 255-byte limit once a suffix ("-score-", a concept, ".png") is added.
 */
public final class FileNames {
    /** Longest safe text kept: two of them and a suffix still fit in 255 bytes. */
    static final int MAX_LENGTH = 100;

    private final Set<String> taken = new HashSet<>();

    /** @param reserved names the folder already uses (index.html, ...) */
    public FileNames(String... reserved) {
        for (String name : reserved) taken.add(name.toLowerCase(Locale.ROOT));
    }

    /** A name {@code base + suffix} not given before: the safe base, then "-2", "-3", ... appended to it. */
    public String claim(String base, String suffix) {
        String safe = safe(base), name = safe + suffix;
        for (int n = 2; !taken.add(name.toLowerCase(Locale.ROOT)); n++) name = safe + "-" + n + suffix;
        return name;
    }

    /**
     * The text with every other character replaced by '_', a leading '.' too (it would hide the file), cut to
     * {@link #MAX_LENGTH} characters: a 300-character concept name made a name the file system refused.
     */
    static String safe(String text) {
        String safe = text.replaceAll("[^A-Za-z0-9._-]", "_");
        if (safe.isEmpty() || safe.startsWith(".")) safe = "_" + safe;
        return safe.length() > MAX_LENGTH ? safe.substring(0, MAX_LENGTH) : safe;
    }
}
