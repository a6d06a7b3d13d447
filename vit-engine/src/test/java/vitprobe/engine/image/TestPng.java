package vitprobe.engine.image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;

/** Writes minimal PNG files byte by byte, so tests can produce every colour type and bit depth. */
final class TestPng {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private TestPng() {
        out.writeBytes(PngDecoder.SIGNATURE);
    }

    /**
     * A non-interlaced PNG whose scanlines are {@code rows} (packed samples, no filter byte; each row gets filter 0).
     * {@code plte} and {@code trns} are written when non-null.
     */
    static byte[] encode(int width, int height, int colorType, int depth, byte[][] rows, byte[] plte, byte[] trns) {
        TestPng png = new TestPng();
        png.chunk("IHDR", new byte[] {
            (byte) (width >> 24),
            (byte) (width >> 16),
            (byte) (width >> 8),
            (byte) width,
            (byte) (height >> 24),
            (byte) (height >> 16),
            (byte) (height >> 8),
            (byte) height,
            (byte) depth,
            (byte) colorType,
            0,
            0,
            0
        });
        if (plte != null) png.chunk("PLTE", plte);
        if (trns != null) png.chunk("tRNS", trns);
        ByteArrayOutputStream scanlines = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflate = new DeflaterOutputStream(scanlines)) {
            for (byte[] row : rows) {
                deflate.write(0);
                deflate.write(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        png.chunk("IDAT", scanlines.toByteArray());
        png.chunk("IEND", new byte[0]);
        return png.out.toByteArray();
    }

    private void chunk(String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
        writeInt(data.length);
        out.writeBytes(typeBytes);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        writeInt((int) crc.getValue());
    }

    private void writeInt(int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Bytes from ints, for readable test data. */
    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }
}
