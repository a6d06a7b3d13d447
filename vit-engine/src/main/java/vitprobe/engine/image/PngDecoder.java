package vitprobe.engine.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * PNG to RGB with the results of Pillow's {@code Image.open(f).convert("RGB")}: grey replicated (1/2/4-bit grey
 * scaled to 0..255), palette looked up (an index past the PLTE chunk's entries is the grey of its value, unscaled:
 * Pillow's palette starts as a grey ramp), alpha and tRNS ignored. For 16-bit samples Pillow keeps the high byte of
 * colour and grey+alpha samples (raw modes RGB;16B, RGBA;16B, LA;16B), but opens 16-bit grey as mode I;16, whose
 * conversion to RGB clips the value to 255.
 */
final class PngDecoder {
    static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static final int GRAY = 0, RGB = 2, PALETTE = 3, GRAY_ALPHA = 4, RGBA = 6;
    /** Adam7 passes: x start, y start, x step, y step. */
    private static final int[][] ADAM7 = {
        {0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}
    };

    private final String source;
    private final long maxPixels;
    private int width, height, depth, colorType, channels;
    private boolean interlaced;
    private byte[] palette;

    private PngDecoder(String source, long maxPixels) {
        this.source = source;
        this.maxPixels = maxPixels;
    }

    static RgbImage decode(byte[] png, String source, long maxPixels) {
        return new PngDecoder(source, maxPixels).decode(png);
    }

    private RgbImage decode(byte[] png) {
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        boolean idatSeen = false;
        int pos = SIGNATURE.length;
        while (true) {
            if (pos + 8 > png.length) {
                if (idatSeen) break; // Pillow does not insist on IEND once the image data is complete
                throw problem("truncated PNG: file ends at byte " + png.length + " before any image data");
            }
            long length = readInt(png, pos) & 0xffffffffL;
            String type = new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1);
            int data = pos + 8;
            if (length > png.length - data - 4L) {
                if (idatSeen && !type.equals("IDAT")) break;
                throw problem("truncated PNG: chunk " + type + " at byte " + pos + " declares " + length
                        + " bytes but the file ends at byte " + png.length);
            }
            if (pos == SIGNATURE.length && !type.equals("IHDR")) throw problem("PNG does not start with an IHDR chunk");
            // Pillow verifies the CRC of every chunk it reads before the image data.
            if (!idatSeen) checkCrc(png, pos, (int) length, type);
            switch (type) {
                case "IHDR" -> readHeader(png, data, (int) length);
                case "PLTE" -> palette = Arrays.copyOfRange(png, data, data + (int) length);
                case "IDAT" -> {
                    idat.write(png, data, (int) length);
                    idatSeen = true;
                }
                default -> {}
            }
            pos = data + (int) length + 4;
            if (type.equals("IEND")) break;
        }
        if (!idatSeen) throw problem("PNG has no image data (no IDAT chunk)");
        if (colorType == PALETTE && palette == null) throw problem("palette PNG without a PLTE chunk");
        return toRgb(inflate(idat.toByteArray()));
    }

    private void readHeader(byte[] png, int at, int length) {
        if (length != 13) throw problem("IHDR chunk has " + length + " bytes instead of 13");
        width = readInt(png, at);
        height = readInt(png, at + 4);
        depth = png[at + 8];
        colorType = png[at + 9];
        interlaced = png[at + 12] != 0;
        channels = switch (colorType) {
            case GRAY, PALETTE -> 1;
            case GRAY_ALPHA -> 2;
            case RGB -> 3;
            case RGBA -> 4;
            default -> throw problem("unknown PNG colour type " + colorType);
        };
        boolean depthOk =
                switch (colorType) {
                    case GRAY -> depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
                    case PALETTE -> depth == 1 || depth == 2 || depth == 4 || depth == 8;
                    default -> depth == 8 || depth == 16;
                };
        if (!depthOk) throw problem("unsupported PNG bit depth " + depth + " for colour type " + colorType);
        if (png[at + 10] != 0 || png[at + 11] != 0 || (png[at + 12] & 0xff) > 1) {
            throw problem("unknown PNG compression, filter or interlace method");
        }
        if (width <= 0 || height <= 0) {
            throw problem(
                    "unsupported PNG size " + Integer.toUnsignedString(width) + "x" + Integer.toUnsignedString(height));
        }
        ImageDecoder.checkPixels(width, height, maxPixels, source);
        if ((long) width * height * 3 > Integer.MAX_VALUE - 64) {
            throw problem("unsupported PNG size " + width + "x" + height);
        }
    }

    private void checkCrc(byte[] png, int pos, int length, String type) {
        CRC32 crc = new CRC32();
        crc.update(png, pos + 4, length + 4);
        if ((int) crc.getValue() != readInt(png, pos + 8 + length))
            throw problem("broken PNG: bad CRC in chunk " + type);
    }

    /**
     * Inflates exactly the bytes the scanlines need; anything short of that is a truncated or corrupt stream. The
     * buffer grows with the data actually inflated, so a header that lies about the size costs no memory.
     */
    private byte[] inflate(byte[] compressed) {
        long needed = 0;
        for (int[] pass : passes()) {
            int passWidth = passWidth(pass);
            if (passWidth > 0) needed += (long) passHeight(pass) * (1 + rowBytes(passWidth));
        }
        if (needed > Integer.MAX_VALUE - 64) throw problem("PNG too large");
        byte[] raw = new byte[(int) Math.min(needed, Math.max(1 << 16, 4L * compressed.length))];
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(compressed);
            int produced = 0;
            while (produced < needed) {
                if (produced == raw.length) raw = Arrays.copyOf(raw, (int) Math.min(needed, 2L * raw.length));
                int n = inflater.inflate(raw, produced, raw.length - produced);
                if (n == 0) {
                    throw problem(
                            inflater.needsInput() || inflater.finished()
                                    ? "truncated PNG: image data ends after " + produced + " of " + needed + " bytes"
                                    : "corrupt PNG image data");
                }
                produced += n;
            }
        } catch (DataFormatException e) {
            throw problem("corrupt PNG image data (" + e.getMessage() + ")");
        } finally {
            inflater.end();
        }
        return raw;
    }

    private RgbImage toRgb(byte[] raw) {
        byte[] rgb = new byte[width * height * 3];
        int offset = 0;
        for (int[] pass : passes()) {
            int passWidth = passWidth(pass), passHeight = passHeight(pass), stride = (int) rowBytes(passWidth);
            if (passWidth == 0 || passHeight == 0) continue;
            for (int row = 0; row < passHeight; row++) {
                unfilter(raw, offset, stride, row == 0 ? -1 : offset - stride - 1);
                int y = pass[1] + row * pass[3];
                for (int i = 0; i < passWidth; i++) {
                    writePixel(raw, offset + 1, i, rgb, (y * width + pass[0] + i * pass[2]) * 3);
                }
                offset += stride + 1;
            }
        }
        return new RgbImage(width, height, rgb);
    }

    private int[][] passes() {
        return interlaced ? ADAM7 : new int[][] {{0, 0, 1, 1}};
    }

    private int passWidth(int[] pass) {
        return (width - pass[0] + pass[2] - 1) / pass[2];
    }

    private int passHeight(int[] pass) {
        return (height - pass[1] + pass[3] - 1) / pass[3];
    }

    /** Bytes of a scanline; a long, since a wide 16-bit RGBA row passes 2 GiB (and is then refused as too large). */
    private long rowBytes(int pixels) {
        return ((long) pixels * channels * depth + 7) / 8;
    }

    /** Undoes the filter of the scanline whose filter byte is at {@code at}; {@code previous} is -1 on a pass's first row. */
    private void unfilter(byte[] raw, int at, int stride, int previous) {
        int filter = raw[at];
        int bpp = Math.max(1, channels * depth / 8);
        for (int i = 0; i < stride; i++) {
            int left = i >= bpp ? raw[at + 1 + i - bpp] & 0xff : 0;
            int up = previous >= 0 ? raw[previous + 1 + i] & 0xff : 0;
            int upLeft = previous >= 0 && i >= bpp ? raw[previous + 1 + i - bpp] & 0xff : 0;
            int predictor =
                    switch (filter) {
                        case 0 -> 0;
                        case 1 -> left;
                        case 2 -> up;
                        case 3 -> (left + up) >>> 1;
                        case 4 -> paeth(left, up, upLeft);
                        default -> throw problem("corrupt PNG: unknown scanline filter " + filter);
                    };
            raw[at + 1 + i] += (byte) predictor;
        }
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private void writePixel(byte[] raw, int row, int x, byte[] rgb, int out) {
        switch (colorType) {
            case GRAY -> fill(rgb, out, grayTo8(sample(raw, row, x)));
            case GRAY_ALPHA -> fill(rgb, out, highByte(sample(raw, row, 2 * x)));
            case PALETTE -> {
                int index = sample(raw, row, x), entry = index * 3;
                // Pillow's palette starts as the grey ramp and PLTE overwrites its first whole entries only.
                if (entry + 2 < palette.length) System.arraycopy(palette, entry, rgb, out, 3);
                else fill(rgb, out, index);
            }
            default -> { // RGB, RGBA
                for (int c = 0; c < 3; c++) rgb[out + c] = (byte) highByte(sample(raw, row, channels * x + c));
            }
        }
    }

    private static void fill(byte[] rgb, int out, int value) {
        rgb[out] = rgb[out + 1] = rgb[out + 2] = (byte) value;
    }

    /** Sample {@code index} of a scanline; sub-byte samples are packed most significant bits first. */
    private int sample(byte[] raw, int row, int index) {
        return switch (depth) {
            case 8 -> raw[row + index] & 0xff;
            case 16 -> (raw[row + 2 * index] & 0xff) << 8 | raw[row + 2 * index + 1] & 0xff;
            default -> {
                int bit = index * depth;
                yield (raw[row + bit / 8] & 0xff) >> (8 - depth - bit % 8) & ((1 << depth) - 1);
            }
        };
    }

    private int grayTo8(int value) {
        return switch (depth) {
            case 16 -> Math.min(value, 255);
            case 8 -> value;
            default -> value * 255 / ((1 << depth) - 1);
        };
    }

    private int highByte(int value) {
        return depth == 16 ? value >> 8 : value;
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | b[at + 3] & 0xff;
    }

    private ImageDecodeException problem(String what) {
        return new ImageDecodeException(source, what);
    }
}
