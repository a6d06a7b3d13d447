package vitprobe.engine.image;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * JPEG decoding through libjpeg-turbo's TurboJPEG API (FFM binding of {@code libturbojpeg.so.0}), set up as Pillow
 * sets up libjpeg: flags 0 mean fancy upsampling and the accurate integer IDCT, so pixels equal Pillow's when both use
 * libjpeg-turbo. Four-component (CMYK/YCCK) JPEGs are read as CMYK and converted the way Pillow does.
 */
final class TurboJpeg {
    private static final int TJPF_RGB = 0, TJPF_CMYK = 11;
    private static final int TJCS_CMYK = 3, TJCS_YCCK = 4;
    private static final int TJERR_FATAL = 1;
    private static final List<String> LIBRARY_NAMES = List.of("libturbojpeg.so.0", "libturbojpeg.so");

    private static final TurboJpeg INSTANCE = load();

    private final MethodHandle initDecompress, decompressHeader, decompress, errorString, errorCode, destroy;

    private TurboJpeg(SymbolLookup lib) {
        Linker linker = Linker.nativeLinker();
        // unsigned long jpegSize is 64-bit on the LP64 platforms that ship libturbojpeg.so.
        initDecompress = linker.downcallHandle(lib.findOrThrow("tjInitDecompress"), FunctionDescriptor.of(ADDRESS));
        decompressHeader = linker.downcallHandle(
                lib.findOrThrow("tjDecompressHeader3"),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        decompress = linker.downcallHandle(
                lib.findOrThrow("tjDecompress2"),
                FunctionDescriptor.of(
                        JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                        JAVA_INT));
        errorString = linker.downcallHandle(lib.findOrThrow("tjGetErrorStr2"), FunctionDescriptor.of(ADDRESS, ADDRESS));
        errorCode = linker.downcallHandle(lib.findOrThrow("tjGetErrorCode"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        destroy = linker.downcallHandle(lib.findOrThrow("tjDestroy"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private static TurboJpeg load() {
        for (String name : LIBRARY_NAMES) {
            try {
                return new TurboJpeg(SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (IllegalArgumentException | NoSuchElementException | IllegalCallerException e) {
                // not installed (or too old, or native access denied): try the next name, then fall back to ImageIO
            }
        }
        return null;
    }

    static boolean available() {
        return INSTANCE != null;
    }

    static RgbImage decode(byte[] jpeg, String source, long maxPixels) {
        try {
            return INSTANCE.decompress(jpeg, source, maxPixels);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) { // invokeExact declares Throwable; the TurboJPEG functions throw nothing checked
            throw new IllegalStateException(e);
        }
    }

    private RgbImage decompress(byte[] jpeg, String source, long maxPixels) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) initDecompress.invokeExact();
            if (handle.equals(MemorySegment.NULL)) throw new ImageDecodeException(source, "tjInitDecompress failed");
            try {
                MemorySegment src = arena.allocateFrom(JAVA_BYTE, jpeg);
                MemorySegment header = arena.allocate(JAVA_INT, 4); // width, height, subsampling, colour space
                int rc = (int) decompressHeader.invokeExact(
                        handle,
                        src,
                        (long) jpeg.length,
                        header,
                        header.asSlice(4),
                        header.asSlice(8),
                        header.asSlice(12));
                check(rc, handle, source);
                int width = header.getAtIndex(JAVA_INT, 0), height = header.getAtIndex(JAVA_INT, 1);
                int colorSpace = header.getAtIndex(JAVA_INT, 3);
                boolean cmyk = colorSpace == TJCS_CMYK || colorSpace == TJCS_YCCK;
                long bytes = (long) width * height * (cmyk ? 4 : 3);
                if (width <= 0 || height <= 0)
                    throw new ImageDecodeException(source, "corrupt JPEG: no frame header found");
                ImageDecoder.checkPixels(width, height, maxPixels, source);
                if (bytes > Integer.MAX_VALUE - 64) {
                    throw new ImageDecodeException(source, "unsupported JPEG size " + width + "x" + height);
                }
                MemorySegment pixels = arena.allocate(bytes);
                rc = (int) decompress.invokeExact(
                        handle, src, (long) jpeg.length, pixels, width, 0, height, cmyk ? TJPF_CMYK : TJPF_RGB, 0);
                check(rc, handle, source);
                byte[] out = pixels.toArray(JAVA_BYTE);
                return new RgbImage(width, height, cmyk ? invertedCmykToRgb(out) : out);
            } finally {
                int ignored = (int) destroy.invokeExact(handle);
            }
        }
    }

    /** Fatal errors fail; of libjpeg's warnings only running out of data does, since only that makes Pillow fail. */
    private void check(int rc, MemorySegment handle, String source) throws Throwable {
        if (rc == 0) return;
        String message = ((MemorySegment) errorString.invokeExact(handle))
                .reinterpret(Long.MAX_VALUE)
                .getString(0);
        if ((int) errorCode.invokeExact(handle) == TJERR_FATAL || ImageDecoder.isTruncationWarning(message)) {
            throw new ImageDecodeException(source, "cannot decode JPEG (libjpeg-turbo: " + message + ")");
        }
    }

    /**
     * Pillow reads every four-component JPEG with raw mode "CMYK;I" (Adobe's inverted convention, inverted back),
     * then converts CMYK to RGB as R = clip(nk - nk·C/255) with nk = 255 - K and its rounded ·/255.
     */
    static byte[] invertedCmykToRgb(byte[] storedCmyk) {
        byte[] rgb = new byte[storedCmyk.length / 4 * 3];
        for (int p = 0, q = 0; p < storedCmyk.length; p += 4, q += 3) {
            int notK = storedCmyk[p + 3] & 0xff; // 255 - K, with K = 255 - stored
            for (int c = 0; c < 3; c++) {
                int ink = 255 - (storedCmyk[p + c] & 0xff);
                rgb[q + c] = (byte) Math.clamp(notK - mulDiv255(ink, notK), 0, 255);
            }
        }
        return rgb;
    }

    /** Pillow's MULDIV255: a·b/255 rounded, computed with shifts. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }
}
