package vitprobe.cli;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** PNG files that are, or claim to be, very large. */
final class LargePngs {
    private LargePngs() {}

    /** A black grey-scale PNG of the given size: a few kilobytes per million pixels, all of them real. */
    static Path real(Path file, int width, int height) throws IOException {
        ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY), "png", file.toFile());
        return file;
    }

    /** A 2×2 PNG whose header (IHDR, with a correct CRC) claims {@code width}×{@code height}. */
    static Path claiming(Path file, int width, int height) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR), "png", bytes);
        ByteBuffer png = ByteBuffer.wrap(bytes.toByteArray());
        // Signature (8), IHDR length (4) and type (4), then width and height; the CRC covers type and data.
        png.putInt(16, width).putInt(20, height);
        CRC32 crc = new CRC32();
        crc.update(png.array(), 12, 17);
        png.putInt(29, (int) crc.getValue());
        return Files.write(file, png.array());
    }
}
