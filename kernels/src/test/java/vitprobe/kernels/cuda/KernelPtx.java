package vitprobe.kernels.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the compiled PTX of a kernel says, read from the text nvcc wrote (independently of the driver). */
final class KernelPtx {
    private KernelPtx() {}

    /** The PTX text of a module (resources /ptx/MODULE.ptx; the same PTX is inside the module's fatbin). */
    static String of(String module) {
        try (InputStream in = KernelPtx.class.getResourceAsStream("/ptx/" + module + ".ptx")) {
            if (in == null) throw new AssertionError("no PTX for " + module + " in this build");
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The constant {@code KERNEL_launch} decoded as a LaunchShape (four little-endian ints in declaration order),
     * or empty when the PTX has none. nvcc leaves trailing zero bytes out of the initializer.
     */
    static Optional<KernelLibrary.LaunchShape> launchShape(String ptx, String kernel) {
        Matcher m = Pattern.compile("\\.const\\s+\\.align\\s+\\d+\\s+\\.b8\\s+" + Pattern.quote(kernel + "_launch")
                        + "\\[(\\d+)]\\s*(?:=\\s*\\{([^}]*)})?\\s*;")
                .matcher(ptx);
        if (!m.find()) return Optional.empty();
        ByteBuffer bytes = ByteBuffer.allocate(Integer.parseInt(m.group(1))).order(ByteOrder.LITTLE_ENDIAN);
        if (m.group(2) != null) {
            for (String b : m.group(2).split(",")) bytes.put((byte) Integer.parseInt(b.strip()));
        }
        bytes.rewind();
        if (bytes.capacity() != 4 * Integer.BYTES) {
            throw new AssertionError(kernel + "_launch is " + bytes.capacity() + " bytes");
        }
        return Optional.of(
                new KernelLibrary.LaunchShape(bytes.getInt(), bytes.getInt(), bytes.getInt(), bytes.getInt()));
    }

    /** The block size the kernel is compiled for (its {@code .maxntid}, from __launch_bounds__), if it declares one. */
    static Optional<Integer> maxThreads(String ptx, String kernel) {
        Matcher entry = Pattern.compile("\\.entry\\s+" + Pattern.quote(kernel) + "\\s*\\([^)]*\\)([^{]*)\\{")
                .matcher(ptx);
        if (!entry.find()) throw new AssertionError(kernel + " missing from the PTX");
        Matcher bound =
                Pattern.compile("\\.maxntid\\s+(\\d+),\\s*(\\d+),\\s*(\\d+)").matcher(entry.group(1));
        if (!bound.find()) return Optional.empty();
        int threads = 1;
        for (int axis = 1; axis <= 3; axis++) threads *= Integer.parseInt(bound.group(axis));
        return Optional.of(threads);
    }
}
