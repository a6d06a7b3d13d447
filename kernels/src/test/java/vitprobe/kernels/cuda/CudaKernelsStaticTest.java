package vitprobe.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import vitprobe.kernels.Backend;
import vitprobe.kernels.Backends;

/**
 * Checks that need no GPU: the kernels are there wherever nvcc is, every kernel the backend launches exists with the
 * parameter list the backend passes and exports its launch shape, each fatbin holds sm_90 SASS and compute_80 PTX,
 * ptxas (for sm_90, the SASS an H100/H200 runs) reports no local-memory spills, a driver older than the toolkit is
 * refused with one line, and device selection degrades cleanly without a GPU.
 */
class CudaKernelsStaticTest {
    private static final Path CUDA_HOME = Path.of(System.getProperty("cuda.home", "/usr/local/cuda"));

    private static void requireKernels() {
        boolean nvcc = Files.isExecutable(CUDA_HOME.resolve("bin/nvcc"));
        if (nvcc)
            assertTrue(KernelLibrary.built(), "nvcc exists at " + CUDA_HOME + " but the kernel resources are missing");
        Assumptions.assumeTrue(KernelLibrary.built(), "kernels not built (no nvcc in this build)");
    }

    @Test
    void everyKernelExistsWithTheParametersTheBackendPasses() {
        requireKernels();
        Pattern entry = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)", Pattern.DOTALL);
        Pattern param = Pattern.compile("\\.param\\s+\\.(\\w+)");
        for (Map.Entry<String, KernelLibrary.Spec> e : KernelLibrary.SPECS.entrySet()) {
            String ptx = KernelPtx.of(e.getValue().module());
            Matcher m = entry.matcher(ptx);
            String found = null;
            while (m.find()) {
                if (m.group(1).equals(e.getKey())) found = m.group(2);
            }
            assertTrue(
                    found != null, e.getKey() + " missing from " + e.getValue().module() + ".ptx");
            List<String> types = new ArrayList<>();
            Matcher p = param.matcher(found);
            while (p.find()) types.add(p.group(1));
            String kinds = e.getValue().parameters();
            assertEquals(kinds.length(), types.size(), e.getKey() + " parameter count");
            for (int i = 0; i < kinds.length(); i++) {
                String expected =
                        switch (kinds.charAt(i)) {
                            case 'p', 'l' -> "64";
                            case 'i' -> "32";
                            case 'f' -> "f32";
                            default -> throw new AssertionError("kind " + kinds.charAt(i));
                        };
                String t = types.get(i);
                boolean ok = expected.equals("f32") ? t.equals("f32") : t.endsWith(expected) && !t.startsWith("f");
                assertTrue(
                        ok,
                        e.getKey() + " parameter " + i + " is ." + t + ", the backend passes '" + kinds.charAt(i)
                                + "'");
            }
        }
    }

    /**
     * Launch geometry is defined once, in the kernels: each exports it as the constant NAME_launch, which the backend
     * reads from the loaded module. Here every kernel the backend launches has one, and its thread count is the
     * block size the kernel is compiled for (__launch_bounds__, PTX .maxntid) where it declares one.
     */
    @Test
    void everyKernelExportsTheLaunchShapeItIsBuiltFor() {
        requireKernels();
        for (Map.Entry<String, KernelLibrary.Spec> e : KernelLibrary.SPECS.entrySet()) {
            String kernel = e.getKey(), module = e.getValue().module(), ptx = KernelPtx.of(module);
            KernelLibrary.LaunchShape shape = KernelPtx.launchShape(ptx, kernel)
                    .orElseThrow(() -> new AssertionError(
                            kernel + " exports no launch shape (" + kernel + "_launch) in " + module + ".ptx"));
            assertTrue(
                    shape.threads() > 0
                            && shape.threads() % 32 == 0
                            && shape.tileRows() > 0
                            && shape.tileColumns() > 0
                            && shape.sharedBytes() >= 0,
                    kernel + ": " + shape);
            KernelPtx.maxThreads(ptx, kernel)
                    .ifPresent(bound -> assertEquals(
                            bound,
                            shape.threads(),
                            kernel + " is compiled for blocks of " + bound + " threads, its launch shape says "
                                    + shape.threads()));
        }
    }

    /**
     * Each module loads from a fatbin with sm_90 SASS (an H100/H200 runs it as is: no JIT when a backend opens) and
     * the compute_80 PTX (JIT-compiled on any other card from Ampere on).
     */
    @Test
    void everyFatbinHoldsSm90SassAndCompute80Ptx() {
        requireKernels();
        for (String module : modules()) {
            assertEquals(List.of("ptx sm_80", "elf sm_90"), fatbinImages(KernelLibrary.image(module)), module);
        }
    }

    /** Kind and architecture of every image in a fatbin, from the header before each one ("elf sm_90"). */
    private static List<String> fatbinImages(byte[] fatbin) {
        ByteBuffer b = ByteBuffer.wrap(fatbin).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xBA55ED50, b.getInt(0), "fatbin magic");
        int headerBytes = Short.toUnsignedInt(b.getShort(6));
        long end = headerBytes + b.getLong(8);
        List<String> images = new ArrayList<>();
        for (long at = headerBytes; at < end; ) {
            int entry = Math.toIntExact(at), kind = Short.toUnsignedInt(b.getShort(entry));
            images.add((kind == 1 ? "ptx" : kind == 2 ? "elf" : "kind " + kind) + " sm_" + b.getInt(entry + 28));
            at += b.getInt(entry + 4) + b.getLong(entry + 8); // entry header, then its payload
        }
        return images;
    }

    /** A driver older than the toolkit that built the kernels cannot load them: one line naming both versions. */
    @Test
    void olderDriverIsRefusedWithOneLine() {
        requireKernels();
        int toolkit = KernelLibrary.toolkitVersion();
        KernelLibrary.requireDriver(toolkit);
        CudaUnavailableException e =
                assertThrows(CudaUnavailableException.class, () -> KernelLibrary.requireDriver(toolkit - 10));
        String built = KernelLibrary.cudaVersion(toolkit), older = KernelLibrary.cudaVersion(toolkit - 10);
        assertEquals(
                "the NVIDIA driver supports CUDA " + older + ", but the kernels were built by nvcc " + built
                        + " and need a driver for CUDA " + built + " or newer (nvidia-smi's 'CUDA Version'; 13.0 came"
                        + " with driver 580)",
                e.getMessage());
    }

    private static List<String> modules() {
        return KernelLibrary.SPECS.values().stream()
                .map(KernelLibrary.Spec::module)
                .distinct()
                .sorted()
                .toList();
    }

    @Test
    void ptxasReportsNoSpillsForSm90() throws IOException, InterruptedException {
        requireKernels();
        Path ptxas = CUDA_HOME.resolve("bin/ptxas");
        Assumptions.assumeTrue(Files.isExecutable(ptxas), "no ptxas at " + ptxas);
        Pattern spill = Pattern.compile("([1-9][0-9]*) bytes spill");
        Pattern function = Pattern.compile("Compiling entry function '(\\w+)'");
        Pattern usage = Pattern.compile("Used (\\d+) registers.*?(?:(\\d+) bytes smem)?$", Pattern.MULTILINE);
        for (String module : modules()) {
            Path file = Files.createTempFile(module, ".ptx");
            try {
                Files.writeString(file, KernelPtx.of(module), StandardCharsets.US_ASCII);
                Process p = new ProcessBuilder(
                                ptxas.toString(), "-arch=sm_90", "-v", "-o", "/dev/null", file.toString())
                        .redirectErrorStream(true)
                        .start();
                String report = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), "ptxas failed on " + module + ":\n" + report);
                assertFalse(spill.matcher(report).find(), module + " spills on sm_90:\n" + report);
                Matcher f = function.matcher(report), u = usage.matcher(report);
                while (f.find() && u.find()) {
                    System.out.printf(
                            "%-28s %3s registers %6s bytes static smem%n",
                            f.group(1), u.group(1), u.group(2) == null ? "0" : u.group(2));
                }
            } finally {
                Files.delete(file);
            }
        }
    }

    @Test
    void deviceSelectionWithoutGpu() {
        Assumptions.assumeFalse(CudaBackend.available(), "a GPU is present");
        try (Backend auto = Backends.create("auto", "bf16")) {
            assertTrue(auto.name().startsWith("cpu"), auto.name());
        }
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Backends.create("cuda"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backends.create("cpu", "bf16"));
        assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda", "fp16"));
    }

    /** cuda:N names a device ordinal (a Spark executor's GPU address); without a GPU it fails as cuda does. */
    @Test
    void cudaWithAnOrdinalWithoutGpu() {
        Assumptions.assumeFalse(CudaBackend.available(), "a GPU is present");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> Backends.create("cuda:1"));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> Backends.create("cuda:first"));
        assertTrue(bad.getMessage().contains("no CUDA device here"), bad.getMessage());
    }
}
