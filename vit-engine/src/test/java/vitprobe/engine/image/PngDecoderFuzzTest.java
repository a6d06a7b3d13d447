package vitprobe.engine.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import vitprobe.testing.Mutant;

/**
 * Random mutations of valid PNGs (bit flips, byte changes, truncation, chunk-length changes, header fields, image
 * data, dropped and repeated chunks; the CRC mostly made right again so the decoder's later checks are reached)
 * must decode or fail with {@link ImageDecodeException}, in bounded time and memory: a header claiming a huge image
 * must cost nothing. Seeded: {@code -Dvitprobe.fuzz.seed=S} repeats a run, {@code -Dvitprobe.fuzz.cases=N} sets
 * its length.
 */
class PngDecoderFuzzTest {
    private static final long SEED = Long.getLong("vitprobe.fuzz.seed", 20261130L);
    private static final int CASES = Integer.getInteger("vitprobe.fuzz.cases", 3000);
    private static final long MAX_CASE_BYTES = 32L << 20, MAX_CASE_NANOS = 5_000_000_000L;
    private static final int[] EDGE_SIZES = {
        0, 1, 2, 7, 8, 9, 255, 65535, 65536, 13379, 46341, 1 << 20, Integer.MAX_VALUE, Integer.MIN_VALUE, -1
    };

    /** One chunk of a PNG: where its length field starts, and its length as the file says it. */
    private record Chunk(int at, int length, String type) {
        int data() {
            return at + 8;
        }
    }

    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedPngsFailOnlyWithOurErrorInBoundedTimeAndMemory() throws IOException {
        List<byte[]> seeds = seeds();
        Map<String, Integer> outcomes = new TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            Random random = new Random(SEED * 1_000_003L + i);
            Mutant mutant = mutate(seeds.get(i % seeds.size()), random);
            String where = "seed " + SEED + ", case " + i + " (" + mutant.mutation() + ")"
                    + "; rerun with -Dvitprobe.fuzz.seed=" + SEED;
            long allocated = ImageDecoderTest.allocatedBytes(), start = System.nanoTime();
            try {
                RgbImage image = ImageDecoder.decode(mutant.bytes(), "case-" + i);
                assertTrue((long) image.width() * image.height() <= ImageDecoder.DEFAULT_MAX_PIXELS, where);
                outcomes.merge("decoded", 1, Integer::sum);
            } catch (ImageDecodeException expected) {
                assertTrue(expected.getMessage().startsWith("case-" + i + ": "), where + ": " + expected.getMessage());
                assertEquals(1, expected.getMessage().lines().count(), where + ": " + expected.getMessage());
                outcomes.merge("refused", 1, Integer::sum);
            } catch (RuntimeException | Error e) {
                throw new AssertionError(where + ": " + e, e);
            }
            long nanos = System.nanoTime() - start, bytes = ImageDecoderTest.allocatedBytes() - allocated;
            if (nanos > MAX_CASE_NANOS) fail(where + ": took " + nanos / 1_000_000 + " ms");
            if (bytes > MAX_CASE_BYTES) fail(where + ": allocated " + bytes + " bytes");
        }
        assertTrue(
                outcomes.getOrDefault("decoded", 0) > CASES / 20 && outcomes.getOrDefault("refused", 0) > CASES / 20,
                "outcomes " + outcomes);
    }

    private static Mutant mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        List<Chunk> chunks = chunks(b);
        Chunk chunk = chunks.get(random.nextInt(chunks.size()));
        Chunk header = chunks.getFirst();
        ByteBuffer buffer = ByteBuffer.wrap(b);
        return switch (random.nextInt(8)) {
            case 0 -> Mutant.bitFlips(b, random, 4);
            case 1 -> Mutant.byteSet(b, random);
            case 2 -> Mutant.truncated(b, random);
            case 3 -> {
                int[] lengths = {
                    chunk.length - 1 - random.nextInt(4),
                    chunk.length + 1 + random.nextInt(4),
                    0,
                    Integer.MAX_VALUE,
                    -1,
                    random.nextInt()
                };
                int length = lengths[random.nextInt(lengths.length)];
                buffer.putInt(chunk.at, length);
                yield new Mutant(b, chunk.type + " length set to " + Integer.toUnsignedString(length));
            }
            case 4 -> {
                // Width, height, then one byte each: depth, colour type, compression, filter, interlace.
                int field = random.nextInt(7);
                String what;
                if (field < 2) {
                    int size = random.nextBoolean()
                            ? EDGE_SIZES[random.nextInt(EDGE_SIZES.length)]
                            : random.nextInt(100_000);
                    buffer.putInt(header.data() + 4 * field, size);
                    what = (field == 0 ? "width" : "height") + " " + size;
                } else {
                    int[] valid = {0, 1, 2, 3, 4, 6, 8, 16};
                    int value = random.nextBoolean() ? random.nextInt(256) : valid[random.nextInt(valid.length)];
                    b[header.data() + 6 + field] = (byte) value;
                    what = "header byte " + (6 + field) + " " + value;
                }
                yield new Mutant(fixCrc(b, header, random), "IHDR " + what);
            }
            case 5 -> {
                int at = chunk.data() + (chunk.length == 0 ? 0 : random.nextInt(chunk.length));
                b[at] = (byte) random.nextInt(256);
                String what = chunk.type + " data byte " + at + " set to " + (b[at] & 0xff);
                yield new Mutant(fixCrc(b, chunk, random), what);
            }
            case 6 -> {
                int cut = chunk.data() + random.nextInt(chunk.length + 1);
                byte[] shorter = new byte[b.length - (chunk.data() + chunk.length - cut)];
                System.arraycopy(b, 0, shorter, 0, cut);
                System.arraycopy(b, chunk.data() + chunk.length, shorter, cut, b.length - chunk.data() - chunk.length);
                ByteBuffer.wrap(shorter).putInt(chunk.at, cut - chunk.data());
                Chunk cutChunk = new Chunk(chunk.at, cut - chunk.data(), chunk.type);
                String what = chunk.type + " data cut to " + cutChunk.length + " bytes";
                yield new Mutant(fixCrc(shorter, cutChunk, random), what);
            }
            default -> {
                boolean repeat = random.nextBoolean();
                int end = chunk.data() + chunk.length + 4;
                byte[] out = new byte[repeat ? b.length + end - chunk.at : b.length - (end - chunk.at)];
                System.arraycopy(b, 0, out, 0, repeat ? end : chunk.at);
                if (repeat) System.arraycopy(b, chunk.at, out, end, b.length - chunk.at);
                else System.arraycopy(b, end, out, chunk.at, b.length - end);
                yield new Mutant(out, chunk.type + " chunk " + (repeat ? "repeated" : "dropped"));
            }
        };
    }

    /** Most of the time the chunk's CRC is made right again, so that the decoder gets past its CRC check. */
    private static byte[] fixCrc(byte[] png, Chunk chunk, Random random) {
        if (random.nextInt(4) == 0) return png;
        CRC32 crc = new CRC32();
        crc.update(png, chunk.at + 4, chunk.length + 4);
        ByteBuffer.wrap(png).putInt(chunk.data() + chunk.length, (int) crc.getValue());
        return png;
    }

    private static List<Chunk> chunks(byte[] png) {
        List<Chunk> chunks = new ArrayList<>();
        ByteBuffer buffer = ByteBuffer.wrap(png);
        for (int at = PngDecoder.SIGNATURE.length; at + 12 <= png.length; ) {
            int length = buffer.getInt(at);
            chunks.add(new Chunk(at, length, new String(png, at + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1)));
            at += 12 + length;
        }
        return chunks;
    }

    /** Every colour type and bit depth, a palette with transparency, and Adam7-interlaced files with every filter. */
    private static List<byte[]> seeds() throws IOException {
        Random random = new Random(3);
        List<byte[]> seeds = new ArrayList<>();
        int[][] modes = {
            {0, 1}, {0, 2}, {0, 4}, {0, 8}, {0, 16}, {2, 8}, {2, 16}, {3, 1}, {3, 4}, {3, 8}, {4, 8}, {4, 16}, {6, 8},
            {6, 16}
        };
        for (int[] mode : modes) {
            int width = 5 + random.nextInt(9), height = 3 + random.nextInt(6);
            int channels =
                    switch (mode[0]) {
                        case 2 -> 3;
                        case 4 -> 2;
                        case 6 -> 4;
                        default -> 1;
                    };
            byte[][] rows = new byte[height][(width * channels * mode[1] + 7) / 8];
            for (byte[] row : rows) random.nextBytes(row);
            byte[] plte = mode[0] == 3 ? new byte[3 * (1 + random.nextInt(12))] : null;
            if (plte != null) random.nextBytes(plte);
            byte[] trns = mode[0] == 3 ? TestPng.bytes(0, 128) : null;
            seeds.add(TestPng.encode(width, height, mode[0], mode[1], rows, plte, trns));
        }
        int[] types = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_GRAY, BufferedImage.TYPE_4BYTE_ABGR};
        for (int type : types) {
            BufferedImage image = new BufferedImage(11, 9, type);
            for (int y = 0; y < 9; y++) for (int x = 0; x < 11; x++) image.setRGB(x, y, random.nextInt());
            seeds.add(ImageDecoderTest.write(image, "png", true));
        }
        return seeds;
    }
}
