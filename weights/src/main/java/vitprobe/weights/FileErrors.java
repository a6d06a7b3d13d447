package vitprobe.weights;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Failed file operations in words, for one-line errors that already name the file: the JDK's exceptions carry
 * their meaning in their type (NoSuchFileException's message is the bare path), not in their message.
 */
public final class FileErrors {
    private FileErrors() {}

    /** What went wrong, without the file's name: "no such file", "permission denied", or the system's reason. */
    public static String describe(IOException e) {
        String typed = typed(e);
        if (typed != null) return typed;
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** What went wrong reading a file: the meaning of the exception's type, else "cannot read file (reason)". */
    public static String reading(IOException e) {
        String typed = typed(e);
        return typed != null ? typed : "cannot read file (" + describe(e) + ")";
    }

    private static String typed(IOException e) {
        return switch (e) {
            case NoSuchFileException _ -> "no such file";
            case AccessDeniedException _ -> "permission denied";
            case NotDirectoryException _ -> "not a folder";
            default -> null;
        };
    }
}
