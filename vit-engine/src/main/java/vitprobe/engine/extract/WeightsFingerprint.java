package vitprobe.engine.extract;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What identifies a weights file in a manifest: its path, size, modification time and the sha256 of its bytes. A
 * rerun trusts an unchanged path, size and time (hashing 350 MB takes about a second); anything else is decided by
 * the sha256, so a file that was only touched or copied back still resumes and a replaced one does not.
 */
final class WeightsFingerprint {
    private WeightsFingerprint() {}

    static Map<String, Object> of(Path file) throws IOException {
        Map<String, Object> f = stat(file);
        f.put("sha256", sha256(file));
        return f;
    }

    /**
     * The fingerprint to record if {@code file} still holds the weights {@code recorded} describes (recorded itself,
     * or with the file's new path and time when only those changed), else null.
     */
    static Map<String, Object> recheck(Map<?, ?> recorded, Path file) throws IOException {
        Map<String, Object> now = stat(file);
        now.put("sha256", recorded.get("sha256"));
        if (now.equals(recorded)) return now;
        now.put("sha256", sha256(file));
        return now.get("sha256").equals(recorded.get("sha256")) ? now : null;
    }

    private static Map<String, Object> stat(Path file) throws IOException {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("file", file.toAbsolutePath().normalize().toString());
        f.put("size", Files.size(file));
        f.put("modified", Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS));
        return f;
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file)) {
            while (ch.read(buf) != -1) {
                digest.update(buf.flip());
                buf.clear();
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
