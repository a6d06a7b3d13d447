package vitprobe.engine.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import vitprobe.weights.FileErrors;
import vitprobe.weights.SystemProperties;

/**
 * Decodes PNG and JPEG files, recognised by content rather than by extension, into the RGB pixels that Pillow's
 * {@code Image.open(f).convert("RGB")} gives. JPEGs go through libjpeg-turbo when {@code libturbojpeg.so.0} is
 * installed (identical to Pillow, which bundles libjpeg-turbo), else through javax.imageio (close; see
 * {@link #usesLibjpegTurbo()}). Corrupt, truncated or unsupported input, and images with more pixels than
 * {@link #MAX_PIXELS_PROPERTY} allows, throw {@link ImageDecodeException}.
 */
public final class ImageDecoder {
    private static final byte[] JPEG_SIGNATURE = {(byte) 0xff, (byte) 0xd8, (byte) 0xff};
    /** The system property that sets the largest image, in pixels, that is decoded. */
    public static final String MAX_PIXELS_PROPERTY = "vitprobe.maxImagePixels";
    /** Pillow's default: above this many pixels Image.open raises DecompressionBombError. */
    public static final long DEFAULT_MAX_PIXELS = 178_956_970L;

    private ImageDecoder() {}

    public static RgbImage decode(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ImageDecodeException(file.toString(), FileErrors.reading(e), e);
        }
        return decode(bytes, file.toString());
    }

    /** Decodes an encoded image held in memory; {@code source} names it in error messages. */
    public static RgbImage decode(byte[] encoded, String source) {
        long maxPixels = maxPixels();
        if (encoded.length == 0) throw new ImageDecodeException(source, "empty file");
        if (startsWith(encoded, PngDecoder.SIGNATURE)) return PngDecoder.decode(encoded, source, maxPixels);
        if (startsWith(encoded, JPEG_SIGNATURE)) {
            return usesLibjpegTurbo()
                    ? TurboJpeg.decode(encoded, source, maxPixels)
                    : ImageIoJpeg.decode(encoded, source, maxPixels);
        }
        byte[] head = Arrays.copyOf(encoded, Math.min(8, encoded.length));
        throw new ImageDecodeException(
                source,
                "not a PNG or JPEG image (starts with bytes "
                        + HexFormat.ofDelimiter(" ").formatHex(head) + ")");
    }

    /**
     * Refuses an image whose header declares more than {@code limit} pixels, before its pixels are allocated: a
     * small file can declare a huge image.
     */
    static void checkPixels(long width, long height, long limit, String source) {
        if (width * height > limit) {
            throw new ImageDecodeException(
                    source,
                    "image is " + width + "x" + height + " = " + width * height
                            + " pixels, over the limit of " + limit + " (a decompression bomb?); VITPROBE_JAVA_OPTS=-D"
                            + MAX_PIXELS_PROPERTY
                            + "=N raises it");
        }
    }

    /** The pixel limit: {@link #MAX_PIXELS_PROPERTY} when set, else {@link #DEFAULT_MAX_PIXELS}. */
    static long maxPixels() {
        return SystemProperties.positiveLong(MAX_PIXELS_PROPERTY, DEFAULT_MAX_PIXELS);
    }

    /**
     * True when JPEGs decode through libturbojpeg, pixel-identical to Pillow; false means the javax.imageio fallback,
     * which may differ by a few levels (see the fixture tests for measured numbers).
     */
    public static boolean usesLibjpegTurbo() {
        return TurboJpeg.available();
    }

    /**
     * libjpeg reports running out of data as a warning and pads the image; Pillow refuses such a file ("image file is
     * truncated") but accepts images with other libjpeg warnings, such as extraneous bytes before a marker. The texts
     * are libjpeg-turbo's and the JDK's wording of that one warning (JWRN_JPEG_EOF).
     */
    static boolean isTruncationWarning(String libjpegMessage) {
        return libjpegMessage.contains("Premature end of JPEG file")
                || libjpegMessage.contains("Truncated File - Missing EOI marker");
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        return data.length >= prefix.length && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length);
    }
}
