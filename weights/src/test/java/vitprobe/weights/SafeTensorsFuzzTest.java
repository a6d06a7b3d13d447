package vitprobe.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import vitprobe.io.Json;
import vitprobe.testing.Mutant;
import vitprobe.weights.CheckpointLoader.CheckpointException;

/**
 * Random mutations of valid safetensors files (bit flips, byte changes, truncation, header-length changes, edits of
 * the header's JSON and of its numbers) must open, load as a checkpoint and read, or fail with the project's own
 * one-line error, in bounded time and memory. Seeded: {@code -Dvitprobe.fuzz.seed=S} repeats a run,
 * {@code -Dvitprobe.fuzz.cases=N} sets its length.
 */
class SafeTensorsFuzzTest {
    private static final long SEED = Long.getLong("vitprobe.fuzz.seed", 20261130L);
    private static final int CASES = Integer.getInteger("vitprobe.fuzz.cases", 3000);
    private static final long MAX_CASE_BYTES = 32L << 20, MAX_CASE_NANOS = 5_000_000_000L;
    /** Numbers that sit on the edges of the header's checks. */
    private static final List<String> EDGE_NUMBERS = List.of(
            "0",
            "1",
            "-1",
            "3",
            "7",
            "8",
            "4096",
            "2147483647",
            "2147483648",
            "4294967296",
            "9007199254740993",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "100000001",
            "1.5",
            "1e308",
            "-0");

    private static final String JSON_CHARACTERS = "{}[]\":,0123456789-.eE \\u";
    private static final Pattern DIGITS = Pattern.compile("-?\\d+");

    @TempDir
    Path dir;

    /** One mutated file and what was done to it, for the failure message. */
    @Test
    @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedFilesFailOnlyWithOurErrorsInBoundedTimeAndMemory() throws IOException {
        List<byte[]> seeds = List.of(
                Files.readAllBytes(SyntheticCheckpoints.write(
                                Files.createDirectories(dir.resolve("hf")),
                                SyntheticCheckpoints.huggingFace(16, 1, 4, 2))
                        .resolve("model.safetensors")),
                Files.readAllBytes(SyntheticCheckpoints.write(
                                Files.createDirectories(dir.resolve("timm")),
                                SyntheticCheckpoints.timm(16, 1, 4, 2),
                                Map.of("norm.weight", DType.F16),
                                Map.of())
                        .resolve("model.safetensors")),
                everyDtype());
        Path file = dir.resolve("case.safetensors");
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (int i = 0; i < CASES; i++) {
            Random random = new Random(SEED * 1_000_003L + i);
            Mutant mutant = mutate(seeds.get(i % seeds.size()), random);
            Files.write(file, mutant.bytes());
            String where = "seed " + SEED + ", case " + i + " (" + mutant.mutation() + ")"
                    + "; rerun with -Dvitprobe.fuzz.seed=" + SEED;
            long allocated = allocatedBytes(), start = System.nanoTime();
            try {
                readEverything(file);
                outcomes.merge("loaded", 1, Integer::sum);
            } catch (SafetensorsException | CheckpointException expected) {
                assertEquals(1, expected.getMessage().lines().count(), where + ": " + expected.getMessage());
                outcomes.merge(expected.getClass().getSimpleName(), 1, Integer::sum);
            } catch (RuntimeException | Error e) {
                throw new AssertionError(where + ": " + e, e);
            }
            long nanos = System.nanoTime() - start, bytes = allocatedBytes() - allocated;
            if (nanos > MAX_CASE_NANOS) fail(where + ": took " + nanos / 1_000_000 + " ms");
            if (bytes > MAX_CASE_BYTES) fail(where + ": allocated " + bytes + " bytes");
        }
        // Mutants must reach every stage: some load, some fail in the reader, some in the checkpoint loader.
        assertEquals(3, outcomes.size(), "outcomes " + outcomes);
        assertTrue(outcomes.get("loaded") > CASES / 20, "outcomes " + outcomes);
    }

    /** Opens the file, touches the first and last element of every tensor, then loads it as a checkpoint. */
    private static void readEverything(Path file) {
        try (SafeTensors st = SafeTensors.open(file)) {
            st.metadata().size();
            for (Tensor t : st.tensors().values()) {
                long n = t.elementCount();
                t.indexOfNonFinite();
                if (n == 0) continue;
                if (t.dtype().isFloatingPoint()) {
                    t.getFloat(0);
                    t.getFloat(n - 1);
                } else if (t.dtype() != DType.F8_E4M3 && t.dtype() != DType.F8_E5M2) {
                    t.getLong(0);
                    t.getLong(n - 1);
                }
            }
        }
        CheckpointLoader.load(file).close();
    }

    private static Mutant mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        long headerLength = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return switch (random.nextInt(9)) {
            case 0 -> Mutant.bitFlips(b, random, 8);
            case 1 -> Mutant.byteSet(b, random);
            case 2 -> Mutant.truncated(b, random);
            case 3 -> {
                byte[] longer = java.util.Arrays.copyOf(b, b.length + 1 + random.nextInt(64));
                for (int k = b.length; k < longer.length; k++) longer[k] = (byte) random.nextInt(256);
                yield new Mutant(longer, (longer.length - b.length) + " bytes appended");
            }
            case 4 -> {
                long[] lengths = {
                    headerLength - 1 - random.nextInt(16),
                    headerLength + 1 + random.nextInt(16),
                    0,
                    b.length - 8,
                    b.length - 7,
                    SafeTensors.MAX_HEADER_BYTES + 1,
                    Long.MAX_VALUE,
                    -1,
                    random.nextLong()
                };
                long length = lengths[random.nextInt(lengths.length)];
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
                yield new Mutant(b, "header length set to " + length);
            }
            case 5 -> {
                int at = 8 + random.nextInt((int) headerLength);
                b[at] = (byte) JSON_CHARACTERS.charAt(random.nextInt(JSON_CHARACTERS.length()));
                yield new Mutant(b, "header byte " + at + " set to '" + (char) b[at] + "'");
            }
            case 6 -> editHeader(b, headerLength, random, true);
            case 7 -> editHeader(b, headerLength, random, false);
            default -> reshape(b, headerLength, random);
        };
    }

    /** Gives one tensor another shape with the same element count, so the file stays valid and the loader is tested. */
    @SuppressWarnings("unchecked")
    private static Mutant reshape(byte[] file, long headerLength, Random random) {
        Map<String, Object> header = Json.parseObject(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        List<String> names =
                header.keySet().stream().filter(k -> !k.equals("__metadata__")).toList();
        String name = names.get(random.nextInt(names.size()));
        Map<String, Object> info = (Map<String, Object>) header.get(name);
        List<Long> shape = (List<Long>) info.get("shape");
        long n = shape.stream().reduce(1L, Math::multiplyExact);
        List<Long> reshaped = new ArrayList<>();
        int rank = random.nextInt(5);
        long left = n;
        for (int d = 0; d < rank - 1; d++) {
            long divisor = left == 0 ? random.nextInt(5) : 1;
            for (long f = 2; f <= left && left > 0; f++) if (left % f == 0 && random.nextInt(3) == 0) divisor = f;
            reshaped.add(divisor);
            left = divisor == 0 ? left : left / divisor;
        }
        if (rank > 0) reshaped.add(left);
        if (rank == 0 && n != 1) reshaped.add(n);
        java.util.Collections.shuffle(reshaped, random);
        info.put("shape", reshaped);
        byte[] text = Json.write(header).getBytes(StandardCharsets.UTF_8);
        return new Mutant(
                RawFiles.file(text, java.util.Arrays.copyOfRange(file, 8 + (int) headerLength, file.length)),
                "tensor '" + name + "' reshaped from " + shape + " to " + reshaped);
    }

    /**
     * Replaces one number of the header with an edge value, or cuts out / repeats a span of it; the length field
     * follows the new header in three cases of four, so that the edit reaches the checks behind the length check.
     */
    private static Mutant editHeader(byte[] file, long headerLength, Random random, boolean number) {
        String header = new String(file, 8, (int) headerLength, StandardCharsets.UTF_8);
        String edited, mutation;
        if (number) {
            List<MatchResult> numbers = DIGITS.matcher(header).results().toList();
            MatchResult target = numbers.get(random.nextInt(numbers.size()));
            String value = EDGE_NUMBERS.get(random.nextInt(EDGE_NUMBERS.size()));
            edited = header.substring(0, target.start()) + value + header.substring(target.end());
            mutation = "header number '" + target.group() + "' at " + target.start() + " set to " + value;
        } else {
            int from = random.nextInt(header.length()), to = Math.min(header.length(), from + 1 + random.nextInt(80));
            boolean repeat = random.nextBoolean();
            String middle = repeat ? header.substring(from, to) : "";
            edited = header.substring(0, repeat ? to : from) + middle + header.substring(to);
            mutation = "header span [" + from + ", " + to + ") " + (repeat ? "repeated" : "cut");
        }
        byte[] text = edited.getBytes(StandardCharsets.UTF_8);
        boolean followLength = random.nextInt(4) != 0;
        byte[] out = RawFiles.file(
                followLength ? text.length : headerLength,
                text,
                java.util.Arrays.copyOfRange(file, 8 + (int) headerLength, file.length));
        return new Mutant(out, mutation + (followLength ? ", length field follows" : ""));
    }

    /** One tensor of each dtype and edge shapes (empty, scalar), with metadata. */
    private byte[] everyDtype() throws IOException {
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt").metadata("note", "fuzz seed");
        Random random = new Random(1);
        for (DType d : DType.values()) {
            byte[] bytes = new byte[6 * d.size()];
            random.nextBytes(bytes);
            w.add("t_" + d.name().toLowerCase(), d, new long[] {2, 3}, MemorySegment.ofArray(bytes));
        }
        w.addF32("empty", new long[] {0, 4}, new float[0]);
        w.addF32("scalar", new long[] {}, new float[] {1.5f});
        Path file = dir.resolve("every-dtype.safetensors");
        w.write(file);
        return Files.readAllBytes(file);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
