package vitprobe.kernels.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels of src/main/cuda: nvcc compiles each .cu file at build time to a fatbin (resources /cuda/FILE.fatbin)
 * holding sm_90 SASS and compute_80 PTX; the driver loads the SASS on an H100/H200 and JIT-compiles the PTX on any
 * other card. {@link #SPECS} lists every entry point the backend launches with its parameter list, which the static
 * tests check against the PTX (resources /ptx/FILE.ptx). How to launch a kernel (block size, tile, shared memory) is
 * not written here: each kernel exports its {@link LaunchShape}.
 */
final class KernelLibrary implements AutoCloseable {
    /**
     * A kernel's module (its .cu file) and parameters, one letter each: p = pointer, l = 64-bit integer,
     * i = 32-bit integer, f = float.
     */
    record Spec(String module, String parameters) {}

    /**
     * How a kernel is launched, as the kernel itself exports it (the LaunchShape constant NAME_launch of
     * common.cuh): threads per block, the tileRows x tileColumns part of the output one block writes, and the
     * dynamic shared memory it needs.
     */
    record LaunchShape(int threads, int tileRows, int tileColumns, int sharedBytes) {
        static final long BYTES = 4 * Integer.BYTES;

        static LaunchShape of(MemorySegment exported) {
            int[] v = exported.toArray(JAVA_INT_UNALIGNED);
            return new LaunchShape(v[0], v[1], v[2], v[3]);
        }
    }

    /** A loaded kernel; {@code id} is unique within the library (it identifies the kernel in graph keys). */
    record Kernel(int id, String name, MemorySegment function, String parameters, LaunchShape shape) {}

    /** Head dimensions the attention kernels are instantiated for. */
    static final List<Integer> HEAD_DIMS = List.of(16, 32, 64);

    static final Map<String, Spec> SPECS = specs();

    private static final int STATIC_SHARED_LIMIT = 48 * 1024; // more dynamic shared memory must be allowed first

    private static Map<String, Spec> specs() {
        Map<String, Spec> s = new HashMap<>();
        for (String out : List.of("f32", "bf16")) {
            s.put("patchify_" + out, new Spec("elementwise", "ppiiiii"));
            s.put("embed_tokens_" + out, new Spec("elementwise", "ppppiii"));
            s.put("copy_columns_" + out, new Spec("elementwise", "ppiiii"));
            s.put("layernorm_" + out, new Spec("layernorm", "ppppiif"));
        }
        s.put("add_f32", new Spec("elementwise", "pppl"));
        s.put("convert_f32_to_bf16", new Spec("elementwise", "ppl"));
        s.put("convert_bf16_to_f32", new Spec("elementwise", "ppl"));
        String gemm = "pppppiiii";
        s.put("gemm_simt_f32", new Spec("gemm_simt", gemm));
        for (String tile : List.of("128x128", "64x64")) {
            s.put("gemm_bf16_" + tile + "_f32out", new Spec("gemm_bf16", gemm));
            s.put("gemm_bf16_" + tile + "_bf16out", new Spec("gemm_bf16", gemm));
            s.put("gemm_tf32x3_" + tile, new Spec("gemm_tf32", gemm));
            s.put("gemm_tf32_" + tile, new Spec("gemm_tf32", gemm));
        }
        for (int headDim : HEAD_DIMS) {
            s.put("attention_f32_hd" + headDim, new Spec("attention_f32", "pppiif"));
            s.put("attention_bf16_hd" + headDim, new Spec("attention_bf16", "pppiif"));
            s.put("attention_tf32x3_hd" + headDim, new Spec("attention_tf32", "pppiif"));
            s.put("attention_tf32_hd" + headDim, new Spec("attention_tf32", "pppiif"));
        }
        return Map.copyOf(s);
    }

    private final CudaDriver driver;
    private final Map<String, MemorySegment> modules = new HashMap<>();
    private final Map<String, Kernel> kernels = new HashMap<>();
    private final List<String> order = new ArrayList<>();

    /** Loads every module; throws CudaUnavailableException when this build has no kernels. */
    KernelLibrary(CudaDriver driver) {
        this.driver = driver;
        try {
            for (Spec spec : SPECS.values()) {
                if (!modules.containsKey(spec.module())) {
                    modules.put(spec.module(), driver.loadModule(image(spec.module()), spec.module() + ".fatbin"));
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether this build carries the compiled kernels. */
    static boolean built() {
        return SPECS.values().stream().allMatch(s -> KernelLibrary.class.getResource(resource(s.module())) != null);
    }

    private static String resource(String module) {
        return "/cuda/" + module + ".fatbin";
    }

    /** The fatbin of a module. */
    static byte[] image(String module) {
        return read(resource(module));
    }

    /**
     * The CUDA version of the toolkit that built the kernels, counted like cuDriverGetVersion (13.0 is 13000): its
     * PTX ISA and SASS need a driver of at least that version.
     */
    static int toolkitVersion() {
        String[] v = new String(read("/cuda/nvcc-version"), StandardCharsets.US_ASCII)
                .strip()
                .split("\\.");
        return 1000 * Integer.parseInt(v[0]) + 10 * Integer.parseInt(v[1]);
    }

    /** Throws CudaUnavailableException, one line saying what to do, when the driver cannot load these kernels. */
    static void requireDriver(int driverVersion) {
        int needed = toolkitVersion();
        if (driverVersion < needed) {
            throw new CudaUnavailableException("the NVIDIA driver supports CUDA " + cudaVersion(driverVersion)
                    + ", but the kernels were built by nvcc " + cudaVersion(needed) + " and need a driver for CUDA "
                    + cudaVersion(needed) + " or newer (nvidia-smi's 'CUDA Version'; 13.0 came with driver 580)");
        }
    }

    /** "13.0" for cuDriverGetVersion's 13000. */
    static String cudaVersion(int version) {
        return version / 1000 + "." + version % 1000 / 10;
    }

    private static byte[] read(String resource) {
        try (InputStream in = KernelLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new CudaUnavailableException(
                        "CUDA kernels not built (this vitprobe build had no nvcc: rebuild where "
                                + "/usr/local/cuda/bin/nvcc exists, or pass -Dcuda.home=...)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Kernel kernel(String name) {
        Kernel k = kernels.get(name);
        if (k != null) return k;
        Spec spec = SPECS.get(name);
        if (spec == null) throw new IllegalArgumentException("no kernel named " + name);
        MemorySegment module = modules.get(spec.module());
        String file = spec.module() + ".fatbin", shapeName = name + "_launch";
        MemorySegment function = driver.function(module, name)
                .orElseThrow(() -> new CudaException("kernel " + name + " missing from " + file));
        MemorySegment exported = driver.global(module, shapeName)
                .orElseThrow(() -> new CudaException("launch shape " + shapeName + " missing from " + file));
        if (exported.byteSize() != LaunchShape.BYTES) {
            throw new CudaException(
                    shapeName + " in " + file + " is " + exported.byteSize() + " bytes, not " + LaunchShape.BYTES);
        }
        LaunchShape shape = LaunchShape.of(exported);
        if (shape.sharedBytes() > STATIC_SHARED_LIMIT) {
            driver.setFunctionAttribute(
                    function, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shape.sharedBytes(), name);
        }
        k = new Kernel(order.size(), name, function, spec.parameters(), shape);
        order.add(name);
        kernels.put(name, k);
        return k;
    }

    @Override
    public void close() {
        for (MemorySegment m : modules.values()) driver.unloadModule(m);
        modules.clear();
        kernels.clear();
    }
}
