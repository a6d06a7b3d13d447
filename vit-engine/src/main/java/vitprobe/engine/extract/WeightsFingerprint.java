package vitprobe.engine.extract;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/**
 * What identifies a weights file in a manifest: its path, size, modification time (nanoseconds) and the sha256 of
 * its bytes. A rerun trusts an unchanged path, size and time (hashing 350 MB takes about a second); anything else is
 * decided by the sha256, so a file that was only touched or copied back still resumes and a replaced one does not.
 */
record WeightsFingerprint(String file, long size, long modified, String sha256) {
    static WeightsFingerprint of(Path file) throws IOException {
        return stat(file, sha256(file));
    }

    /**
     * The fingerprint to record if {@code file} still holds the weights this one describes (this one itself, or
     * with the file's new path and time when only those changed), else null.
     */
    WeightsFingerprint recheck(Path file) throws IOException {
        WeightsFingerprint unhashed = stat(file, sha256);
        if (unhashed.equals(this)) return this;
        return sha256(file).equals(sha256) ? unhashed : null;
    }

    private static WeightsFingerprint stat(Path file, String sha256) throws IOException {
        return new WeightsFingerprint(
                file.toAbsolutePath().normalize().toString(),
                Files.size(file),
                Files.getLastModifiedTime(file).to(TimeUnit.NANOSECONDS),
                sha256);
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
