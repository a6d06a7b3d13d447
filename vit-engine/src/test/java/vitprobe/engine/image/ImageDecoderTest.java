package vitprobe.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static vitprobe.engine.image.TestPng.bytes;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pillow's convert("RGB") rules per PNG mode, JPEG paths, and failures on broken input. */
class ImageDecoderTest {
    private static final int GRAY = 0, RGB = 2, PALETTE = 3, GRAY_ALPHA = 4, RGBA = 6;

    @TempDir
    Path dir;

    // ---- PNG colour types and bit depths -------------------------------------------------------------------------

    @Test
    void grayIsReplicated() {
        assertPixels(png(3, GRAY, 8, null, null, bytes(0, 128, 255)), 0, 0, 0, 128, 128, 128, 255, 255, 255);
    }

    @Test
    void lowBitDepthGrayIsScaledToFullRange() {
        // 1-bit: 1 -> 255; 2-bit: v * 85; 4-bit: v * 17. Rows pad to whole bytes.
        assertGray(png(5, GRAY, 1, null, null, bytes(0b10110000)), 255, 0, 255, 255, 0);
        assertGray(png(3, GRAY, 2, null, null, bytes(0b00011011)), 0, 85, 170);
        assertGray(png(3, GRAY, 4, null, null, bytes(0x7a, 0xf0)), 119, 170, 255);
    }

    @Test
    void sixteenBitGrayClipsAt255LikePillowsModeI16() {
        assertGray(
                png(5, GRAY, 16, null, null, bytes(0x00, 0x80, 0x00, 0xff, 0x01, 0x00, 0xff, 0xff, 0x00, 0x00)),
                128,
                255,
                255,
                255,
                0);
    }

    @Test
    void grayAlphaDropsAlphaWithoutCompositing() {
        assertGray(png(2, GRAY_ALPHA, 8, null, null, bytes(10, 0, 200, 255)), 10, 200);
        // 16-bit grey+alpha is unpacked with LA;16B: the high byte, truncated.
        assertGray(png(2, GRAY_ALPHA, 16, null, null, bytes(0x12, 0xff, 0, 0, 0xff, 0xff, 0x80, 0)), 0x12, 0xff);
    }

    @Test
    void paletteLooksUpColoursIgnoringTransparency() {
        byte[] plte = bytes(255, 0, 0, 0, 0, 255);
        byte[] trns = bytes(0); // entry 0 fully transparent: ignored by convert("RGB")
        assertPixels(png(2, PALETTE, 8, plte, trns, bytes(0, 1)), 255, 0, 0, 0, 0, 255);
        assertPixels(png(3, PALETTE, 4, plte, null, bytes(0x10, 0x00)), 0, 0, 255, 255, 0, 0, 255, 0, 0);
        assertPixels(png(3, PALETTE, 1, plte, null, bytes(0b01000000)), 255, 0, 0, 0, 0, 255, 255, 0, 0);
    }

    /**
     * The testers' case: an index past the PLTE entries decoded to black. Pillow's palette starts as the grey ramp
     * (entry i is (i, i, i)) and PLTE overwrites only its first entries, so such an index is the grey of its value,
     * unscaled at every bit depth; a trailing partial entry is dropped. Expected values from Pillow 9.4's
     * {@code Image.open(f).convert("RGB")} on the same files.
     */
    @Test
    void paletteIndicesPastThePlteAreTheGreyOfTheIndexLikePillow() {
        int[] first = {10, 20, 30}, second = {40, 50, 60};
        byte[] plte = bytes(10, 20, 30, 40, 50, 60);
        assertPixels(
                png(8, PALETTE, 8, plte, null, bytes(0, 1, 2, 3, 7, 100, 200, 255)),
                concat(first, second, greys(2, 3, 7, 100, 200, 255)));
        assertPixels(
                png(8, PALETTE, 4, plte, null, bytes(0x01, 0x23, 0xf9, 0x56)),
                concat(first, second, greys(2, 3, 15, 9, 5, 6)));
        assertPixels(png(4, PALETTE, 2, bytes(10, 20, 30), null, bytes(0b00011011)), concat(first, greys(1, 2, 3)));
        assertPixels(png(2, PALETTE, 1, bytes(10, 20, 30), null, bytes(0b01000000)), concat(first, greys(1)));
        assertPixels(
                png(4, PALETTE, 8, bytes(10, 20, 30, 40, 50, 60, 70), null, bytes(0, 1, 2, 3)),
                concat(first, second, greys(2, 3)));
    }

    private static int[] greys(int... values) {
        return IntStream.of(values).flatMap(v -> IntStream.of(v, v, v)).toArray();
    }

    private static int[] concat(int[]... parts) {
        return Stream.of(parts).flatMapToInt(IntStream::of).toArray();
    }

    @Test
    void rgbKeepsPixelsAndIgnoresTransparentColour() {
        byte[] trns = bytes(0, 1, 0, 2, 0, 3);
        assertPixels(png(2, RGB, 8, null, trns, bytes(1, 2, 3, 250, 128, 0)), 1, 2, 3, 250, 128, 0);
    }

    @Test
    void sixteenBitColourKeepsTheHighByte() {
        assertPixels(png(1, RGB, 16, null, null, bytes(0x12, 0xff, 0x34, 0x80, 0xff, 0x00)), 0x12, 0x34, 0xff);
        assertPixels(png(1, RGBA, 16, null, null, bytes(0x12, 0xff, 0x34, 0x80, 0xff, 0x00, 0, 0)), 0x12, 0x34, 0xff);
    }

    @Test
    void rgbaDropsAlphaWithoutCompositing() {
        assertPixels(png(2, RGBA, 8, null, null, bytes(200, 100, 50, 0, 1, 2, 3, 128)), 200, 100, 50, 1, 2, 3);
    }

    @Test
    void pngsWrittenByImageIoDecodeToTheirPixels() throws IOException {
        // ImageIO picks a filter per scanline, so this covers all five filters; interlaced files cover Adam7.
        for (int[] size : new int[][] {{37, 23}, {3, 2}, {1, 9}}) {
            BufferedImage rgb = noiseImage(size[0], size[1], BufferedImage.TYPE_3BYTE_BGR);
            RgbImage expected = rgbOf(rgb);
            for (boolean interlaced : new boolean[] {false, true}) {
                RgbImage decoded = ImageDecoder.decode(write(rgb, "png", interlaced), "noise.png");
                assertArrayEquals(expected.rgb(), decoded.rgb(), Arrays.toString(size) + " interlaced=" + interlaced);
            }
        }
        BufferedImage gray16 = new BufferedImage(4, 3, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setPixels(0, 0, 4, 3, new int[] {0, 1, 254, 255, 256, 1000, 65535, 7, 77, 300, 12, 0});
        assertGray(
                ImageDecoder.decode(write(gray16, "png", false), "gray16.png"),
                0,
                1,
                254,
                255,
                255,
                255,
                255,
                7,
                77,
                255,
                12,
                0);
    }

    @Test
    void formatComesFromContentNotExtension() throws IOException {
        byte[] pngBytes = png(1, GRAY, 8, null, null, bytes(42));
        Path misnamed = Files.write(dir.resolve("photo.jpg"), pngBytes);
        assertGray(ImageDecoder.decode(misnamed), 42);
        BufferedImage gray = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        Path jpegNamedPng = Files.write(dir.resolve("scan.png"), write(gray, "jpeg", false));
        assertEquals(8, ImageDecoder.decode(jpegNamedPng).width());
    }

    // ---- JPEG ------------------------------------------------------------------------------------------------

    @Test
    void grayJpegIsReplicatedAndBothDecodersAgree() throws IOException {
        byte[] jpeg = write(noiseImage(40, 24, BufferedImage.TYPE_BYTE_GRAY), "jpeg", false);
        RgbImage viaDecoder = ImageDecoder.decode(jpeg, "gray.jpg");
        for (int i = 0; i < viaDecoder.rgb().length; i += 3) {
            assertEquals(viaDecoder.rgb()[i], viaDecoder.rgb()[i + 1]);
            assertEquals(viaDecoder.rgb()[i], viaDecoder.rgb()[i + 2]);
        }
        // Same IDCT in libjpeg 6b and libjpeg-turbo, and no colour conversion: identical.
        assertArrayEquals(imageIo(jpeg, "gray.jpg").rgb(), viaDecoder.rgb());
    }

    @Test
    void colourJpegDecodesTheSameThroughBothDecoders() throws IOException {
        byte[] jpeg = write(smoothImage(64, 48), "jpeg", false);
        RgbImage viaDecoder = ImageDecoder.decode(jpeg, "smooth.jpg");
        RgbImage viaImageIo = imageIo(jpeg, "smooth.jpg");
        int max = 0;
        for (int i = 0; i < viaDecoder.rgb().length; i++) {
            max = Math.max(
                    max, Math.abs((viaDecoder.rgb()[i] & 0xff) - (viaImageIo.rgb()[i] & 0xff)));
        }
        assertTrue(max <= 2, "libjpeg-turbo and javax.imageio differ by " + max);
    }

    @Test
    void cmykJpegIsInvertedThenConvertedLikePillow() throws IOException {
        assumeTrue(ImageDecoder.usesLibjpegTurbo(), "javax.imageio fallback does not read CMYK JPEGs");
        // Stored samples (Adobe-inverted CMYK) 155, 255, 255, 128 mean C=100, M=Y=0, K=127: R = 128 - 100·128/255.
        WritableRaster cmyk = WritableRaster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        int[] pixel = {155, 255, 255, 128};
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) cmyk.setPixel(x, y, pixel);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam best = writer.getDefaultWriteParam();
            best.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            best.setCompressionQuality(1f);
            writer.write(null, new IIOImage(cmyk, null, null), best);
        } finally {
            writer.dispose();
        }
        RgbImage decoded = ImageDecoder.decode(bytes.toByteArray(), "cmyk.jpg");
        for (int c = 0; c < 3; c++)
            assertEquals(new int[] {78, 128, 128}[c], decoded.get(7, 7, c), 1.0, "channel " + c);
    }

    @Test
    void cmykToRgbFollowsPillowsFormula() {
        byte[] stored = bytes(
                255,
                255,
                255,
                255, /* white */
                0,
                255,
                255,
                255, /* cyan */
                9,
                99,
                199,
                0, /* black */
                155,
                255,
                255,
                128 /* C=100, K=127 */);
        assertArrayEquals(
                bytes(255, 255, 255, 0, 255, 255, 0, 0, 0, 78, 128, 128), TurboJpeg.invertedCmykToRgb(stored));
    }

    // ---- decompression bombs ---------------------------------------------------------------------------------

    @Test
    void aPngOverThePixelLimitIsRefusedFromItsHeaderBeforeAnyLargeAllocation() {
        // Two rows of data are enough: the header's 20000x20000 alone must stop the decoder.
        byte[] bomb = TestPng.encode(20000, 20000, RGB, 8, new byte[][] {new byte[60000], new byte[60000]}, null, null);
        long before = allocatedBytes();
        ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(bomb, "bomb.png"));
        assertEquals(
                "bomb.png: image is 20000x20000 = 400000000 pixels, over the limit of 178956970 "
                        + "(a decompression bomb?); VITPROBE_JAVA_OPTS=-Dvitprobe.maxImagePixels=N raises it",
                e.getMessage());
        assertTrue(allocatedBytes() - before < 16 << 20, "allocated " + (allocatedBytes() - before) + " bytes");
    }

    @Test
    void aJpegOverThePixelLimitIsRefusedFromItsHeaderInBothDecoders() throws IOException {
        byte[] jpeg = write(smoothImage(24, 16), "jpeg", false);
        int sof = 2;
        while (!((jpeg[sof] & 0xff) == 0xff && (jpeg[sof + 1] & 0xff) == 0xc0)) sof++;
        // Height and width follow the marker, segment length and sample precision.
        byte[] bomb = jpeg.clone();
        bomb[sof + 5] = bomb[sof + 7] = (byte) (20000 >> 8);
        bomb[sof + 6] = bomb[sof + 8] = (byte) 20000;
        List<BiFunction<byte[], String, RgbImage>> decoders = new java.util.ArrayList<>();
        decoders.add(ImageDecoderTest::imageIo);
        if (ImageDecoder.usesLibjpegTurbo()) {
            decoders.add((b, s) -> TurboJpeg.decode(b, s, ImageDecoder.DEFAULT_MAX_PIXELS));
        }
        for (BiFunction<byte[], String, RgbImage> decoder : decoders) {
            long before = allocatedBytes();
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.apply(bomb, "bomb.jpg"));
            assertTrue(
                    e.getMessage().startsWith("bomb.jpg: image is 20000x20000 = 400000000 pixels, over the limit"),
                    e.getMessage());
            assertTrue(allocatedBytes() - before < 16 << 20, "allocated " + (allocatedBytes() - before) + " bytes");
        }
    }

    @Test
    void thePixelLimitIsASystemProperty() throws IOException {
        byte[] png = TestPng.encode(11, 10, GRAY, 8, new byte[10][11], null, null);
        byte[] jpeg = write(smoothImage(11, 10), "jpeg", false);
        try {
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "110");
            assertEquals(11, ImageDecoder.decode(png, "small.png").width());
            assertEquals(11, ImageDecoder.decode(jpeg, "small.jpg").width());
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "109");
            for (byte[] image : List.of(png, jpeg)) {
                var e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(image, "small"));
                assertTrue(e.getMessage().contains("11x10 = 110 pixels, over the limit of 109"), e.getMessage());
            }
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "lots");
            for (byte[] image : List.of(png, jpeg)) {
                var bad = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.decode(image, "small"));
                assertEquals("-Dvitprobe.maxImagePixels=lots is not a positive whole number", bad.getMessage());
            }
        } finally {
            System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
        }
    }

    @Test
    void aRaisedLimitStillRefusesImagesBeyondWhatAnArrayHolds() {
        try {
            System.setProperty(ImageDecoder.MAX_PIXELS_PROPERTY, "100000000000");
            // One row of 600 million 16-bit RGBA pixels: 4.8 GB of scanline, 1.8 GB of RGB.
            byte[] wide = TestPng.encode(600_000_000, 1, RGBA, 16, new byte[][] {new byte[16]}, null, null);
            var e = assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(wide, "wide.png"));
            assertEquals("wide.png: PNG too large", e.getMessage());
        } finally {
            System.clearProperty(ImageDecoder.MAX_PIXELS_PROPERTY);
        }
    }

    /** The javax.imageio fallback, whether or not libjpeg-turbo is installed. */
    static RgbImage imageIo(byte[] jpeg, String source) {
        return ImageIoJpeg.decode(jpeg, source, ImageDecoder.DEFAULT_MAX_PIXELS);
    }

    /** Bytes this thread has allocated so far (HotSpot's per-thread counter). */
    static long allocatedBytes() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        return threads.getCurrentThreadAllocatedBytes();
    }

    // ---- broken input ----------------------------------------------------------------------------------------

    @Test
    void emptyRandomAndTruncatedFilesFailNamingTheFile() throws IOException {
        byte[] pngBytes = write(noiseImage(20, 20, BufferedImage.TYPE_3BYTE_BGR), "png", false);
        byte[] jpegBytes = write(smoothImage(256, 256), "jpeg", false); // large enough that half cuts the scan data
        byte[] random = new byte[300];
        new Random(7).nextBytes(random);
        byte[] jpegHeaderThenNoise = Arrays.copyOf(jpegBytes, 400);
        System.arraycopy(random, 0, jpegHeaderThenNoise, 200, 200);
        byte[] badCrc = pngBytes.clone();
        badCrc[29] ^= 1; // inside the IHDR CRC

        record Broken(String file, byte[] content, String problem) {}
        List<Broken> cases = List.of(
                new Broken("empty.png", new byte[0], "empty file"),
                new Broken("noise.bin", random, "not a PNG or JPEG"),
                new Broken("half.png", Arrays.copyOf(pngBytes, pngBytes.length / 2), "truncated PNG"),
                new Broken(
                        "half.jpg",
                        Arrays.copyOf(jpegBytes, jpegBytes.length / 2),
                        ImageDecoder.usesLibjpegTurbo() ? "Premature end of JPEG file" : "Truncated File"),
                new Broken("garbage.jpg", jpegHeaderThenNoise, "JPEG"),
                new Broken("crc.png", badCrc, "bad CRC"));
        for (Broken broken : cases) {
            Path file = Files.write(dir.resolve(broken.file()), broken.content());
            ImageDecodeException e =
                    assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(file), broken.file());
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(broken.problem()), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        ImageDecodeException missing =
                assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode(dir.resolve("gone.png")));
        assertEquals(dir.resolve("gone.png") + ": no such file", missing.getMessage());
    }

    @Test
    void everyPrefixOfAPngFailsCleanly() throws IOException {
        byte[] whole = write(noiseImage(9, 7, BufferedImage.TYPE_3BYTE_BGR), "png", true);
        // Up to the IEND chunk (12 bytes), which Pillow does not require once the image data is complete.
        assertEveryPrefixFails(whole, whole.length - 12, ImageDecoder::decode);
    }

    @Test
    void everyPrefixOfAJpegFailsCleanlyInBothDecoders() throws IOException {
        byte[] whole = write(smoothImage(24, 16), "jpeg", false);
        // Stops short of the final EOI marker (2 bytes).
        assertEveryPrefixFails(whole, whole.length - 2, ImageDecoder::decode);
        assertEveryPrefixFails(whole, whole.length - 2, ImageDecoderTest::imageIo);
    }

    private static void assertEveryPrefixFails(byte[] whole, int end, BiFunction<byte[], String, RgbImage> decoder) {
        for (int length = 0; length < end; length++) {
            String name = "prefix-" + length;
            byte[] prefix = Arrays.copyOf(whole, length);
            ImageDecodeException e = assertThrows(ImageDecodeException.class, () -> decoder.apply(prefix, name), name);
            assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** A one-row PNG. */
    private static byte[] png(int width, int colorType, int depth, byte[] plte, byte[] trns, byte[] row) {
        return TestPng.encode(width, 1, colorType, depth, new byte[][] {row}, plte, trns);
    }

    private static void assertPixels(byte[] png, int... rgb) {
        RgbImage image = ImageDecoder.decode(png, "test.png");
        assertArrayEquals(bytes(rgb), image.rgb());
    }

    private static void assertGray(byte[] png, int... values) {
        assertGray(ImageDecoder.decode(png, "test.png"), values);
    }

    private static void assertGray(RgbImage image, int... values) {
        assertArrayEquals(
                PillowResampleTest.gray(image.width(), image.height(), values).rgb(), image.rgb());
    }

    private static BufferedImage noiseImage(int width, int height, int type) {
        BufferedImage image = new BufferedImage(width, height, type);
        WritableRaster raster = image.getRaster();
        Random random = new Random(width * 31L + height);
        int[] samples = new int[width * height * raster.getNumBands()];
        for (int i = 0; i < samples.length; i++) samples[i] = random.nextInt(256);
        raster.setPixels(0, 0, width, height, samples);
        return image;
    }

    /** Gradients: realistic JPEG content, unlike noise. */
    private static BufferedImage smoothImage(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setPixel(x, y, new int[] {x * 255 / width, y * 255 / height, (x + y) * 4 % 256});
            }
        }
        return image;
    }

    private static RgbImage rgbOf(BufferedImage image) {
        int[] samples = image.getRaster().getPixels(0, 0, image.getWidth(), image.getHeight(), (int[]) null);
        byte[] rgb = new byte[samples.length];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) samples[i];
        return new RgbImage(image.getWidth(), image.getHeight(), rgb);
    }

    static byte[] write(BufferedImage image, String format, boolean progressive) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (progressive) param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
