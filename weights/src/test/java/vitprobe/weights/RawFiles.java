package vitprobe.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds safetensors files byte by byte, so that tests can make any part of one wrong: the 8-byte length, the
 * header text, the data section.
 */
final class RawFiles {
    private RawFiles() {}

    /** One header entry, {@code "name":{"dtype":..,"shape":..,"data_offsets":[begin,end]}}; shape is JSON text. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    /** A header object made of the given entries (already JSON text). */
    static String header(String... entries) {
        return "{" + String.join(",", entries) + "}";
    }

    /** A file whose length field is exactly the header's length, followed by {@code dataBytes} zero bytes. */
    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, new byte[dataBytes]);
    }

    /** A file whose length field is exactly the header's length. */
    static byte[] file(byte[] header, byte[] data) {
        return file(header.length, header, data);
    }

    /** A file with an arbitrary (possibly lying) header length field. */
    static byte[] file(long headerLength, byte[] header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(le64(headerLength));
        out.writeBytes(header);
        out.writeBytes(data);
        return out.toByteArray();
    }

    static byte[] le64(long value) {
        return ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(value)
                .array();
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
