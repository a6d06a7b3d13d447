package vitprobe.kernels.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Map;
import vitprobe.kernels.Activation;
import vitprobe.kernels.Backend;
import vitprobe.kernels.LinearWeights;
import vitprobe.kernels.Matrix;
import vitprobe.kernels.cuda.KernelLibrary.Kernel;
import vitprobe.kernels.cuda.KernelLibrary.LaunchShape;
import vitprobe.weights.DType;
import vitprobe.weights.Param;

/**
 * The CUDA backend: the kernels of src/main/cuda launched through the driver API (no toolkit, no cuBLAS at run
 * time). Operations are recorded, not run: {@link #synchronize()}, a download or an upload runs everything recorded
 * so far as one CUDA graph (see {@link CommandQueue}), so a forward costs one graph launch once its graph is cached.
 * Weights are uploaded once, in the precision's storage dtype, and stay resident; activation buffers come from a caching
 * pool, so a repeated forward reuses the same memory and replays the same graph.
 *
 * <p>Properties: {@value #DEVICE_PROPERTY} (device ordinal, default 0), {@value #GRAPHS_PROPERTY} (false: launch
 * kernels one by one, for debugging), {@value #FP32_GEMM_PROPERTY} and {@value #FP32_ATTENTION_PROPERTY}
 * ("3xtf32", the default: tensor cores with the error-compensated 3xTF32 split, or "simt": the straightforward
 * CUDA-core kernels) for precision fp32, {@value #PROFILE_PROPERTY} (true: time every kernel, see
 * {@link #takeKernelProfile()}).
 */
public final class CudaBackend implements Backend {
    public static final String DEVICE_PROPERTY = "vitprobe.cuda.device";
    public static final String GRAPHS_PROPERTY = "vitprobe.cuda.graphs";
    public static final String FP32_GEMM_PROPERTY = "vitprobe.cuda.fp32Gemm";
    public static final String FP32_ATTENTION_PROPERTY = "vitprobe.cuda.fp32Attention";
    public static final String PROFILE_PROPERTY = "vitprobe.cuda.profile";

    /** Device time of the work run since the last {@link #takeTiming()}: compute (graphs) and copies to the host. */
    public record DeviceTiming(double computeMillis, double transferMillis, int flushes) {}

    private static final double LOG2_E = 1.4426950408889634;

    private final CudaDriver driver;
    private final Precision precision;
    private final boolean simtGemm, simtAttention;
    private final int device, multiprocessors;
    private final String description;
    private final MemorySegment context, stream;
    private final KernelLibrary kernels;
    private final DeviceMemory memory;
    private final CommandQueue queue;
    private boolean closed;

    /**
     * Whether --device auto should pick CUDA: a driver new enough for this build's kernels, a device and the kernels
     * are all present.
     */
    public static boolean available() {
        if (!KernelLibrary.built()) return false;
        try {
            CudaDriver driver = CudaDriver.get();
            KernelLibrary.requireDriver(driver.driverVersion());
            return driver.deviceCount() > 0;
        } catch (CudaException e) {
            return false;
        }
    }

    /** The number of CUDA devices the driver sees; 0 without a driver. */
    public static int deviceCount() {
        try {
            return CudaDriver.get().deviceCount();
        } catch (CudaException e) {
            return 0;
        }
    }

    /** This machine's CUDA devices in words, for messages: "CUDA devices here: cuda:0 to cuda:3", or why none. */
    public static String devicesHere() {
        try {
            int n = CudaDriver.get().deviceCount();
            if (n == 0) return "no CUDA device here";
            return n == 1 ? "CUDA device here: cuda:0" : "CUDA devices here: cuda:0 to cuda:" + (n - 1);
        } catch (CudaException e) {
            return "no CUDA device here: " + e.getMessage();
        }
    }

    /** Opens the device named by {@value #DEVICE_PROPERTY}; throws CudaUnavailableException with one line if it cannot. */
    public static CudaBackend open(Precision precision) {
        return open(precision, Integer.getInteger(DEVICE_PROPERTY, 0));
    }

    /** Opens the device of this ordinal; throws CudaUnavailableException with one line if it cannot. */
    public static CudaBackend open(Precision precision, int ordinal) {
        CudaDriver driver = CudaDriver.get();
        int count = driver.deviceCount();
        if (count <= ordinal) throw new CudaUnavailableException("no CUDA device " + ordinal + "; " + devicesHere());
        // "kernels not built" or "driver too old" before any device state is created
        KernelLibrary.requireDriver(driver.driverVersion());
        return new CudaBackend(driver, driver.device(ordinal), precision);
    }

    private CudaBackend(CudaDriver driver, int device, Precision precision) {
        this.driver = driver;
        this.device = device;
        this.precision = precision;
        this.simtGemm = simtVariant(FP32_GEMM_PROPERTY);
        this.simtAttention = simtVariant(FP32_ATTENTION_PROPERTY);
        boolean profile = Boolean.getBoolean(PROFILE_PROPERTY);
        boolean graphs = Boolean.parseBoolean(System.getProperty(GRAPHS_PROPERTY, "true")) && !profile;
        int major = driver.deviceAttribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        int minor = driver.deviceAttribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        if (major < 8) {
            throw new CudaUnavailableException("CUDA device " + driver.deviceName(device) + " is sm_" + major + minor
                    + "; the kernels need sm_80 or newer");
        }
        multiprocessors = driver.deviceAttribute(device, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        context = driver.retainPrimaryContext(device);
        driver.setCurrent(context);
        MemorySegment s = null;
        KernelLibrary k = null;
        try {
            s = driver.createStream(CudaDriver.CU_STREAM_NON_BLOCKING);
            k = new KernelLibrary(driver);
        } catch (RuntimeException e) {
            if (s != null) driver.destroyStream(s);
            driver.releasePrimaryContext(device);
            throw e;
        }
        stream = s;
        kernels = k;
        memory = new DeviceMemory(driver);
        queue = new CommandQueue(driver, stream, memory, graphs, profile);
        int version = driver.driverVersion();
        description = "cuda (" + driver.deviceName(device) + ", sm_" + major + minor + ", " + multiprocessors
                + " SMs, driver "
                + KernelLibrary.cudaVersion(version) + ", "
                + precision.key()
                + (precision == Precision.FP32
                        ? " (linear " + (simtGemm ? "simt" : "3xtf32") + ", attention "
                                + (simtAttention ? "simt" : "3xtf32") + ")"
                        : "")
                + (profile ? ", profiling" : graphs ? ", graphs" : ", no graphs") + ")";
    }

    private static boolean simtVariant(String property) {
        String v = System.getProperty(property, "3xtf32");
        if (!v.equals("3xtf32") && !v.equals("simt"))
            throw new IllegalArgumentException(property + " must be 3xtf32 or simt, not " + v);
        return v.equals("simt");
    }

    @Override
    public String name() {
        return description;
    }

    public Precision precision() {
        return precision;
    }

    // ---- matrices and transfers ----

    @Override
    public Matrix allocate(int rows, int cols) {
        enter();
        return new CudaMatrix(this, rows, cols);
    }

    @Override
    public Matrix upload(float[] data, int rows, int cols) {
        enter();
        check(data.length == (long) rows * cols, "upload of " + data.length + " floats as " + rows + "x" + cols);
        CudaMatrix m = new CudaMatrix(this, rows, cols);
        queue.upload(data, write(m, DType.F32));
        return m;
    }

    @Override
    public void download(Matrix src, float[] dst, int offset) {
        downloadAsync(src, dst, offset);
        queue.flush();
    }

    /** Records the copy; {@code dst} is filled when {@link #synchronize()} (or any other flush) returns. */
    @Override
    public void downloadAsync(Matrix src, float[] dst, int offset) {
        enter();
        queue.download(read(src, DType.F32), src.size(), dst, offset);
    }

    @Override
    public void synchronize() {
        enter();
        queue.flush();
    }

    // ---- operations ----

    @Override
    public LinearWeights linear(Param weight, Param bias) {
        enter();
        int out = (int) weight.shape()[0];
        int in = (int) (weight.elementCount() / out);
        float[] w = weight.toFloatArray();
        long weights = memory.allocate((long) w.length * Float.BYTES);
        long biases = memory.allocate((long) out * Float.BYTES);
        queue.upload(w, weights);
        queue.upload(bias != null ? bias.toFloatArray() : new float[out], biases);
        if (precision == Precision.BF16) { // converted once on the device, then only the bf16 copy stays resident
            long bf16 = memory.allocate((long) w.length * 2);
            convert("convert_f32_to_bf16", weights, bf16, w.length);
            memory.release(weights);
            weights = bf16;
            queue.flushOnce();
        }
        return new CudaLinear(this, weights, biases, in, out);
    }

    private record CudaLinear(CudaBackend backend, long weights, long biases, int inFeatures, int outFeatures)
            implements LinearWeights {
        @Override
        public void close() {
            if (backend.closed) return; // the pool went with the backend
            backend.memory.release(weights);
            backend.memory.release(biases);
            backend.recycleIfIdle();
        }
    }

    @Override
    public void linear(Matrix in, LinearWeights weights, Matrix out, Activation act, Matrix residual) {
        enter();
        if (!(weights instanceof CudaLinear w) || w.backend != this)
            throw new IllegalArgumentException("weights of another backend");
        int m = in.rows(), k = w.inFeatures, n = w.outFeatures;
        Backend.checkLinear(in, w, out, residual);
        check(n % 2 == 0, "linear layers need an even number of outputs, got " + n);
        boolean bf16 = precision == Precision.BF16;
        check(k % (bf16 ? 8 : 4) == 0, "linear layers need in_features divisible by " + (bf16 ? 8 : 4) + ", got " + k);
        long a = read(in, bf16 ? DType.BF16 : DType.F32);
        long r = residual == null ? 0 : read(residual, DType.F32);
        DType outType = bf16 && residual == null ? DType.BF16 : DType.F32;
        long c = write(out, outType);
        long[] args = {a, w.weights, w.biases, r, c, m, n, k, act == Activation.GELU ? 1 : 0};
        if (precision == Precision.FP32 && simtGemm) {
            launchTiled(kernels.kernel("gemm_simt_f32"), m, n, args, c);
            return;
        }
        String family =
                switch (precision) {
                    case BF16 -> "gemm_bf16_%s" + (outType == DType.BF16 ? "_bf16out" : "_f32out");
                    case FP32 -> "gemm_tf32x3_%s";
                    case TF32 -> "gemm_tf32_%s";
                };
        // 128x128 tiles when they fill the card, else 64x64 (batch-1 shapes would leave most SMs idle).
        Kernel large = kernels.kernel(family.formatted("128x128"));
        LaunchShape tile = large.shape();
        boolean fills = (long) ceil(m, tile.tileRows()) * ceil(n, tile.tileColumns()) >= multiprocessors;
        launchTiled(fills ? large : kernels.kernel(family.formatted("64x64")), m, n, args, c);
    }

    @Override
    public void patchify(Matrix images, int batch, int channels, int height, int width, int patch, Matrix out) {
        enter();
        Backend.checkPatchify(images, batch, channels, height, width, patch, out);
        long src = read(images, DType.F32);
        DType dtype = precision == Precision.BF16 ? DType.BF16 : DType.F32;
        long dst = write(out, dtype);
        launchElementwise(
                dtype == DType.BF16 ? "patchify_bf16" : "patchify_f32",
                out.size(),
                new long[] {src, dst, batch, channels, height, width, patch},
                dst);
    }

    @Override
    public void embedTokens(Matrix patchEmbeddings, Matrix cls, Matrix pos, int batch, Matrix out) {
        enter();
        int d = out.cols(), tokens = pos.rows(), patches = tokens - 1;
        check(
                patchEmbeddings.rows() == batch * patches && patchEmbeddings.cols() == d,
                "patch embeddings shape mismatch");
        check(out.rows() == batch * tokens && cls.size() == d && pos.cols() == d, "token matrix shape mismatch");
        CudaMatrix pe = own(patchEmbeddings);
        DType dtype = pe.bf16Current && !pe.f32Current ? DType.BF16 : DType.F32;
        long in = read(pe, dtype);
        long o = write(out, DType.F32);
        launchElementwise(
                dtype == DType.BF16 ? "embed_tokens_bf16" : "embed_tokens_f32",
                out.size(),
                new long[] {in, read(cls, DType.F32), read(pos, DType.F32), o, batch, tokens, d},
                o);
    }

    /** In bf16, the output is stored in bf16: the next operation is a GEMM that reads bf16. */
    @Override
    public void layerNorm(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out) {
        layerNorm(in, weight, bias, eps, out, precision == Precision.BF16 ? DType.BF16 : DType.F32);
    }

    /**
     * Always fp32; in bf16 the GEMM that reads it next gets it through convert_f32_to_bf16, which rounds exactly as
     * layernorm_bf16's store does.
     */
    @Override
    public void layerNormKeepingFp32(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out) {
        layerNorm(in, weight, bias, eps, out, DType.F32);
    }

    private void layerNorm(Matrix in, Matrix weight, Matrix bias, float eps, Matrix out, DType dtype) {
        enter();
        int n = in.cols(), rows = in.rows();
        check(
                out.rows() == rows && out.cols() == n && weight.size() == n && bias.size() == n,
                "layer norm shape mismatch");
        Kernel kernel = kernels.kernel(dtype == DType.BF16 ? "layernorm_bf16" : "layernorm_f32");
        int widest = kernel.shape().tileColumns();
        check(n <= widest, "LayerNorm over " + n + " columns; the CUDA kernel handles up to " + widest);
        long x = read(in, DType.F32);
        long y = write(out, dtype);
        queue.launch(
                kernel,
                ceil(rows, kernel.shape().tileRows()),
                1,
                new long[] {x, read(weight, DType.F32), read(bias, DType.F32), y, rows, n, bits(eps)},
                y);
    }

    @Override
    public void attention(Matrix qkv, int batch, int tokens, int heads, Matrix context, Matrix probabilities) {
        enter();
        int d = context.cols(), headDim = d / heads;
        check(qkv.rows() == batch * tokens && qkv.cols() == 3 * d, "qkv shape mismatch");
        check(context.rows() == batch * tokens, "context shape mismatch");
        check(
                probabilities == null
                        || (probabilities.rows() == batch * heads * tokens && probabilities.cols() == tokens),
                "attention probabilities shape mismatch");
        check(
                d % heads == 0 && KernelLibrary.HEAD_DIMS.contains(headDim),
                "attention with head dimension " + (double) d / heads + "; the CUDA kernels support "
                        + KernelLibrary.HEAD_DIMS);
        check(batch * heads <= 65535, "batch x heads above 65535");
        boolean bf16 = precision == Precision.BF16;
        long q = read(qkv, bf16 ? DType.BF16 : DType.F32);
        long ctx = write(context, bf16 ? DType.BF16 : DType.F32);
        long p = probabilities == null ? 0 : write(probabilities, DType.F32);
        float scale = (float) (1 / Math.sqrt(headDim));
        String family = bf16
                ? "attention_bf16_hd"
                : precision == Precision.TF32
                        ? "attention_tf32_hd"
                        : simtAttention ? "attention_f32_hd" : "attention_tf32x3_hd";
        Kernel kernel = kernels.kernel(family + headDim);
        long scaleArgument = bf16 ? bits((float) (scale * LOG2_E)) : bits(scale); // bf16 exponentiates with exp2
        queue.launch(
                kernel,
                ceil(tokens, kernel.shape().tileRows()),
                batch * heads,
                new long[] {q, ctx, p, tokens, heads, scaleArgument},
                ctx,
                p);
    }

    @Override
    public void add(Matrix a, Matrix b, Matrix out) {
        enter();
        check(a.size() == b.size() && a.size() == out.size(), "add shape mismatch");
        long x = read(a, DType.F32), y = read(b, DType.F32);
        long o = write(out, DType.F32);
        launchElementwise("add_f32", out.size(), new long[] {x, y, o, out.size()}, o);
    }

    @Override
    public void copyColumns(Matrix src, int from, Matrix out) {
        enter();
        check(
                src.rows() == out.rows() && from >= 0 && from + out.cols() <= src.cols(),
                "column range outside the source");
        CudaMatrix s = own(src);
        DType dtype = s.f32Current || !s.bf16Current ? DType.F32 : DType.BF16;
        long in = read(s, dtype);
        long o = write(out, DType.F32);
        launchElementwise(
                dtype == DType.BF16 ? "copy_columns_bf16" : "copy_columns_f32",
                out.size(),
                new long[] {in, o, src.rows(), src.cols(), from, out.cols()},
                o);
    }

    // ---- measurements for benchmarks and tests ----

    /** Device time of the work run since the last call; resets it. */
    public DeviceTiming takeTiming() {
        return queue.takeTiming();
    }

    /**
     * With {@value #PROFILE_PROPERTY}=true: device milliseconds and launch counts per kernel since the last call, in
     * first-launch order; resets them. Empty otherwise.
     */
    public Map<String, double[]> takeKernelProfile() {
        return queue.takeKernelProfile();
    }

    /** CUDA graphs captured so far (a repeated forward must not add any). */
    public int graphsCaptured() {
        return queue.graphsCaptured();
    }

    /** Device memory held by this backend's pool, in use or cached. */
    public long deviceBytesOwned() {
        return memory.ownedBytes();
    }

    /** Free device memory as the driver reports it. */
    public long deviceBytesFree() {
        enter();
        return driver.memoryInfo()[0];
    }

    // ---- internals ----

    private void enter() {
        if (closed) throw new IllegalStateException("CUDA backend closed");
        driver.setCurrent(context);
    }

    private CudaMatrix own(Matrix m) {
        if (!(m instanceof CudaMatrix c) || c.backend() != this)
            throw new IllegalArgumentException("matrix of another backend");
        if (c.closed()) throw new IllegalStateException("matrix used after close");
        return c;
    }

    /** The address of {@code m}'s contents in {@code dtype}, converting (recorded on the device) if needed. */
    private long read(Matrix matrix, DType dtype) {
        CudaMatrix m = own(matrix);
        boolean f32 = dtype == DType.F32;
        if (f32 ? m.f32Current : m.bf16Current) return f32 ? m.f32 : m.bf16;
        boolean written = m.f32Current || m.bf16Current;
        long to = buffer(m, dtype);
        if (written) {
            if (f32) convert("convert_bf16_to_f32", m.bf16, to, m.size());
            else convert("convert_f32_to_bf16", m.f32, to, m.size());
        }
        if (f32) m.f32Current = true;
        else m.bf16Current = true;
        return to;
    }

    /** The address to write {@code m} in {@code dtype}; afterwards that copy alone is current. */
    private long write(Matrix matrix, DType dtype) {
        CudaMatrix m = own(matrix);
        long to = buffer(m, dtype);
        m.f32Current = dtype == DType.F32;
        m.bf16Current = dtype == DType.BF16;
        return to;
    }

    private long buffer(CudaMatrix m, DType dtype) {
        if (dtype == DType.F32) {
            if (m.f32 == 0) m.f32 = memory.allocate(m.size() * dtype.size());
            return m.f32;
        }
        if (m.bf16 == 0) m.bf16 = memory.allocate(m.size() * dtype.size());
        return m.bf16;
    }

    void release(CudaMatrix m) {
        if (closed) return; // the pool is gone with the backend
        if (m.f32 != 0) memory.release(m.f32);
        if (m.bf16 != 0) memory.release(m.bf16);
        m.f32 = m.bf16 = 0;
        recycleIfIdle();
    }

    /** With no recorded work that could still use them, released blocks are reusable at once. */
    private void recycleIfIdle() {
        if (queue.idle()) memory.recycle();
    }

    private void convert(String kernel, long from, long to, long count) {
        launchElementwise(kernel, count, new long[] {from, to, count}, to);
    }

    /** A kernel over an m x n output, one tile per block: grid (column tiles, row tiles). */
    private void launchTiled(Kernel kernel, int m, int n, long[] args, long... writes) {
        queue.launch(
                kernel,
                ceil(n, kernel.shape().tileColumns()),
                ceil(m, kernel.shape().tileRows()),
                args,
                writes);
    }

    /** A kernel of one thread per output element over {@code count} elements. */
    private void launchElementwise(String name, long count, long[] args, long... writes) {
        Kernel kernel = kernels.kernel(name);
        long perBlock = (long) kernel.shape().tileRows() * kernel.shape().tileColumns();
        long blocks = (count + perBlock - 1) / perBlock;
        if (blocks > Integer.MAX_VALUE) throw new IllegalArgumentException(count + " elements in one launch");
        queue.launch(kernel, (int) blocks, 1, args, writes);
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long bits(float v) {
        return Float.floatToRawIntBits(v);
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    /** Releases everything the backend holds on the device; work recorded but not yet run is dropped. */
    @Override
    public void close() {
        if (closed) return;
        driver.setCurrent(context);
        try {
            driver.synchronize(stream);
            queue.close();
            memory.close();
            kernels.close();
            driver.destroyStream(stream);
        } finally {
            closed = true;
            driver.releasePrimaryContext(device);
        }
    }
}
