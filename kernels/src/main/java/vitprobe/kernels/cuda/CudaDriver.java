package vitprobe.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The CUDA driver API (libcuda.so.1, part of the NVIDIA driver) bound with java.lang.foreign: only the calls the
 * backend needs, each one checked, errors reported with cuGetErrorName and cuGetErrorString. The library is loaded
 * on first use; where it is missing, {@link #get()} throws {@link CudaUnavailableException} with one line to show.
 * Versioned symbols are the ones cuda.h maps the plain names to (cuMemAlloc → cuMemAlloc_v2 ...).
 *
 * <p>Handles (contexts, streams, modules, functions, events, graphs) are opaque pointers; device addresses
 * (CUdeviceptr) are longs. Calls use the context made current by {@link #setCurrent}.
 */
public final class CudaDriver {
    /** System property naming another driver library to load instead of libcuda.so.1 (a path or a name). */
    public static final String LIBRARY_PROPERTY = "vitprobe.cuda.driver";

    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
    static final int CU_STREAM_NON_BLOCKING = 1;
    static final int CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
    static final int CU_EVENT_DEFAULT = 0;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    private static final int CUDA_SUCCESS = 0;
    private static final int CUDA_ERROR_NOT_FOUND = 500;
    private static final int JIT_LOG_BYTES = 1 << 16;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final Object LOCK = new Object();
    private static CudaDriver instance;
    private static CudaUnavailableException failure;

    private final SymbolLookup library;
    /** Every bound symbol with its C signature as FFM sees it; tests compare these with cuda.h. */
    private final Map<String, FunctionDescriptor> signatures = new LinkedHashMap<>();

    private final MethodHandle cuInit,
            cuDriverGetVersion,
            cuDeviceGetCount,
            cuDeviceGet,
            cuDeviceGetName,
            cuDeviceGetAttribute;
    private final MethodHandle cuDevicePrimaryCtxRetain, cuDevicePrimaryCtxRelease, cuCtxSetCurrent;
    private final MethodHandle cuStreamCreate, cuStreamDestroy, cuStreamSynchronize;
    private final MethodHandle cuModuleLoadDataEx, cuModuleUnload, cuModuleGetFunction, cuModuleGetGlobal;
    private final MethodHandle cuFuncSetAttribute, cuLaunchKernel;
    private final MethodHandle cuMemAlloc, cuMemFree, cuMemAllocHost, cuMemFreeHost, cuMemGetInfo, cuMemcpyDtoH;
    private final MethodHandle cuMemcpyHtoDAsync, cuMemcpyDtoHAsync, cuMemcpyDtoDAsync;
    private final MethodHandle cuEventCreate, cuEventRecord, cuEventSynchronize, cuEventElapsedTime, cuEventDestroy;
    private final MethodHandle cuStreamBeginCapture, cuStreamEndCapture, cuGraphInstantiate, cuGraphLaunch;
    private final MethodHandle cuGraphExecDestroy, cuGraphDestroy, cuGetErrorName, cuGetErrorString;

    /** Binds every call from {@code library}; nothing is called (cuInit is {@link #load}'s job). */
    CudaDriver(SymbolLookup library) {
        this.library = library;
        cuGetErrorName = bind("cuGetErrorName", JAVA_INT, ADDRESS);
        cuGetErrorString = bind("cuGetErrorString", JAVA_INT, ADDRESS);
        cuInit = bind("cuInit", JAVA_INT);
        cuDriverGetVersion = bind("cuDriverGetVersion", ADDRESS);
        cuDeviceGetCount = bind("cuDeviceGetCount", ADDRESS);
        cuDeviceGet = bind("cuDeviceGet", ADDRESS, JAVA_INT);
        cuDeviceGetName = bind("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = bind("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuDevicePrimaryCtxRetain = bind("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = bind("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
        cuCtxSetCurrent = bind("cuCtxSetCurrent", ADDRESS);
        cuStreamCreate = bind("cuStreamCreate", ADDRESS, JAVA_INT);
        cuStreamDestroy = bind("cuStreamDestroy_v2", ADDRESS);
        cuStreamSynchronize = bind("cuStreamSynchronize", ADDRESS);
        cuModuleLoadDataEx = bind("cuModuleLoadDataEx", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        cuModuleUnload = bind("cuModuleUnload", ADDRESS);
        cuModuleGetFunction = bind("cuModuleGetFunction", ADDRESS, ADDRESS, ADDRESS);
        cuModuleGetGlobal = bind("cuModuleGetGlobal_v2", ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        cuFuncSetAttribute = bind("cuFuncSetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
        cuLaunchKernel = bind(
                "cuLaunchKernel",
                ADDRESS,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                JAVA_INT,
                ADDRESS,
                ADDRESS,
                ADDRESS);
        cuMemAlloc = bind("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
        cuMemFree = bind("cuMemFree_v2", JAVA_LONG);
        cuMemAllocHost = bind("cuMemAllocHost_v2", ADDRESS, JAVA_LONG);
        cuMemFreeHost = bind("cuMemFreeHost", ADDRESS);
        cuMemGetInfo = bind("cuMemGetInfo_v2", ADDRESS, ADDRESS);
        cuMemcpyDtoH = bind("cuMemcpyDtoH_v2", ADDRESS, JAVA_LONG, JAVA_LONG);
        cuMemcpyHtoDAsync = bind("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = bind("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuMemcpyDtoDAsync = bind("cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuEventCreate = bind("cuEventCreate", ADDRESS, JAVA_INT);
        cuEventRecord = bind("cuEventRecord", ADDRESS, ADDRESS);
        cuEventSynchronize = bind("cuEventSynchronize", ADDRESS);
        // CUDA 12.8+ headers map cuEventElapsedTime to a _v2 symbol with the same signature; older drivers lack it.
        cuEventElapsedTime = library.find("cuEventElapsedTime_v2").isPresent()
                ? bind("cuEventElapsedTime_v2", ADDRESS, ADDRESS, ADDRESS)
                : bind("cuEventElapsedTime", ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = bind("cuEventDestroy_v2", ADDRESS);
        cuStreamBeginCapture = bind("cuStreamBeginCapture_v2", ADDRESS, JAVA_INT);
        cuStreamEndCapture = bind("cuStreamEndCapture", ADDRESS, ADDRESS);
        cuGraphInstantiate = bind("cuGraphInstantiateWithFlags", ADDRESS, ADDRESS, JAVA_LONG);
        cuGraphLaunch = bind("cuGraphLaunch", ADDRESS, ADDRESS);
        cuGraphExecDestroy = bind("cuGraphExecDestroy", ADDRESS);
        cuGraphDestroy = bind("cuGraphDestroy", ADDRESS);
    }

    /** The driver, loaded and initialised once per process; throws CudaUnavailableException when there is none. */
    public static CudaDriver get() {
        synchronized (LOCK) {
            if (instance == null && failure == null) {
                try {
                    instance = load();
                } catch (CudaUnavailableException e) {
                    failure = e;
                }
            }
            if (failure != null) throw failure;
            return instance;
        }
    }

    private static CudaDriver load() {
        String name = System.getProperty(LIBRARY_PROPERTY, "libcuda.so.1");
        SymbolLookup library;
        try {
            library = SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new CudaUnavailableException("no CUDA driver (" + name + " not found)");
        }
        CudaDriver driver;
        try {
            driver = new CudaDriver(library);
        } catch (IllegalStateException e) {
            throw new CudaUnavailableException("the CUDA driver " + name + " is too old: " + e.getMessage());
        }
        try {
            driver.check((int) driver.cuInit.invokeExact(0), "cuInit");
        } catch (CudaException e) {
            throw new CudaUnavailableException("no usable CUDA device (" + e.getMessage() + ")");
        } catch (Throwable t) {
            throw rethrow(t);
        }
        return driver;
    }

    private MethodHandle bind(String symbol, MemoryLayout... arguments) {
        MemorySegment address =
                library.find(symbol).orElseThrow(() -> new IllegalStateException("symbol " + symbol + " missing"));
        FunctionDescriptor signature = FunctionDescriptor.of(JAVA_INT, arguments);
        signatures.put(symbol, signature);
        return LINKER.downcallHandle(address, signature);
    }

    Map<String, FunctionDescriptor> signatures() {
        return Collections.unmodifiableMap(signatures);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Throws CudaException("call: NAME (description)") unless rc is CUDA_SUCCESS. */
    void check(int rc, String call) {
        if (rc != CUDA_SUCCESS) throw new CudaException(call + ": " + describe(rc));
    }

    /** "CUDA_ERROR_OUT_OF_MEMORY (out of memory)", or the bare number when the driver does not know it. */
    String describe(int rc) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(ADDRESS), text = arena.allocate(ADDRESS);
            int a = (int) cuGetErrorName.invokeExact(rc, name);
            int b = (int) cuGetErrorString.invokeExact(rc, text);
            String n = a == CUDA_SUCCESS ? cString(name.get(ADDRESS, 0)) : "CUresult " + rc;
            String s = b == CUDA_SUCCESS ? cString(text.get(ADDRESS, 0)) : "no description";
            return n + " (" + s + ")";
        } catch (Throwable t) {
            return "CUresult " + rc;
        }
    }

    private static String cString(MemorySegment pointer) {
        return pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }

    int driverVersion() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) cuDriverGetVersion.invokeExact(out), "cuDriverGetVersion");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) cuDeviceGetCount.invokeExact(out), "cuDeviceGetCount");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) cuDeviceGet.invokeExact(out, ordinal), "cuDeviceGet");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check((int) cuDeviceGetName.invokeExact(out, 256, device), "cuDeviceGetName");
            return out.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int deviceAttribute(int device, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check(
                    (int) cuDeviceGetAttribute.invokeExact(out, attribute, device),
                    "cuDeviceGetAttribute(" + attribute + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment retainPrimaryContext(int device) {
        return handleOut(out -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device), "cuDevicePrimaryCtxRetain");
    }

    void releasePrimaryContext(int device) {
        call(() -> (int) cuDevicePrimaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease_v2");
    }

    void setCurrent(MemorySegment context) {
        call(() -> (int) cuCtxSetCurrent.invokeExact(context), "cuCtxSetCurrent");
    }

    MemorySegment createStream(int flags) {
        return handleOut(out -> (int) cuStreamCreate.invokeExact(out, flags), "cuStreamCreate");
    }

    void destroyStream(MemorySegment stream) {
        call(() -> (int) cuStreamDestroy.invokeExact(stream), "cuStreamDestroy_v2");
    }

    void synchronize(MemorySegment stream) {
        call(() -> (int) cuStreamSynchronize.invokeExact(stream), "cuStreamSynchronize");
    }

    /**
     * Loads a module from a NUL-terminated PTX (or cubin) image. A JIT failure throws with the compiler's error log
     * in the message.
     */
    MemorySegment loadModule(byte[] image, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(image.length + 1L);
            MemorySegment.copy(image, 0, data, ValueLayout.JAVA_BYTE, 0, image.length);
            MemorySegment errorLog = arena.allocate(JIT_LOG_BYTES);
            int[] keys = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
            MemorySegment options = arena.allocateFrom(JAVA_INT, keys);
            MemorySegment values = arena.allocate(ADDRESS, keys.length);
            values.setAtIndex(ADDRESS, 0, errorLog);
            values.setAtIndex(
                    ADDRESS, 1, MemorySegment.ofAddress(JIT_LOG_BYTES)); // a size is passed as the value itself
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) cuModuleLoadDataEx.invokeExact(out, data, keys.length, options, values);
            if (rc != CUDA_SUCCESS) {
                throw new CudaException("cuModuleLoadDataEx(" + name + "): " + describe(rc) + "; JIT log: "
                        + errorLog.getString(0).strip());
            }
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void unloadModule(MemorySegment module) {
        call(() -> (int) cuModuleUnload.invokeExact(module), "cuModuleUnload");
    }

    /** The function, or empty when the module has no entry of that name. */
    Optional<MemorySegment> function(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) cuModuleGetFunction.invokeExact(out, module, arena.allocateFrom(name));
            return rc == CUDA_SUCCESS ? Optional.of(out.get(ADDRESS, 0)) : Optional.empty();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * A copy of the module's global variable {@code name} (a {@code __constant__} of the kernels), or empty when
     * the module has none of that name.
     */
    Optional<MemorySegment> global(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(JAVA_LONG), size = arena.allocate(JAVA_LONG);
            int rc = (int) cuModuleGetGlobal.invokeExact(address, size, module, arena.allocateFrom(name));
            if (rc == CUDA_ERROR_NOT_FOUND) return Optional.empty();
            check(rc, "cuModuleGetGlobal_v2(" + name + ")");
            MemorySegment host = arena.allocate(size.get(JAVA_LONG, 0));
            check(
                    (int) cuMemcpyDtoH.invokeExact(host, address.get(JAVA_LONG, 0), host.byteSize()),
                    "cuMemcpyDtoH_v2(" + name + ")");
            return Optional.of(MemorySegment.ofArray(host.toArray(ValueLayout.JAVA_BYTE)));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void setFunctionAttribute(MemorySegment function, int attribute, int value, String name) {
        call(
                () -> (int) cuFuncSetAttribute.invokeExact(function, attribute, value),
                "cuFuncSetAttribute(" + name + ")");
    }

    /** Launches a kernel; {@code params} is the array of pointers to argument values cuLaunchKernel takes. */
    void launch(
            MemorySegment function,
            int gridX,
            int gridY,
            int gridZ,
            int block,
            int sharedBytes,
            MemorySegment stream,
            MemorySegment params,
            String name) {
        call(
                () -> (int) cuLaunchKernel.invokeExact(
                        function, gridX, gridY, gridZ, block, 1, 1, sharedBytes, stream, params, MemorySegment.NULL),
                "cuLaunchKernel(" + name + ")");
    }

    long allocate(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) cuMemAlloc.invokeExact(out, bytes), "cuMemAlloc_v2(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void free(long pointer) {
        call(() -> (int) cuMemFree.invokeExact(pointer), "cuMemFree_v2");
    }

    /** Page-locked host memory, so that copies run at full speed and asynchronously. */
    MemorySegment allocateHost(long bytes) {
        MemorySegment p = handleOut(
                out -> (int) cuMemAllocHost.invokeExact(out, bytes), "cuMemAllocHost_v2(" + bytes + " bytes)");
        return p.reinterpret(bytes);
    }

    void freeHost(MemorySegment pointer) {
        call(() -> (int) cuMemFreeHost.invokeExact(pointer), "cuMemFreeHost");
    }

    /** {free, total} bytes of device memory. */
    long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG), total = arena.allocate(JAVA_LONG);
            check((int) cuMemGetInfo.invokeExact(free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void copyToDevice(long device, MemorySegment host, long bytes, MemorySegment stream) {
        call(() -> (int) cuMemcpyHtoDAsync.invokeExact(device, host, bytes, stream), "cuMemcpyHtoDAsync_v2");
    }

    void copyToHost(MemorySegment host, long device, long bytes, MemorySegment stream) {
        call(() -> (int) cuMemcpyDtoHAsync.invokeExact(host, device, bytes, stream), "cuMemcpyDtoHAsync_v2");
    }

    void copyOnDevice(long to, long from, long bytes, MemorySegment stream) {
        call(() -> (int) cuMemcpyDtoDAsync.invokeExact(to, from, bytes, stream), "cuMemcpyDtoDAsync_v2");
    }

    MemorySegment createEvent() {
        return handleOut(out -> (int) cuEventCreate.invokeExact(out, CU_EVENT_DEFAULT), "cuEventCreate");
    }

    void record(MemorySegment event, MemorySegment stream) {
        call(() -> (int) cuEventRecord.invokeExact(event, stream), "cuEventRecord");
    }

    /** Milliseconds between two recorded events (waits for the second). */
    float elapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            check((int) cuEventSynchronize.invokeExact(end), "cuEventSynchronize");
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check((int) cuEventElapsedTime.invokeExact(out, start, end), "cuEventElapsedTime");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void destroyEvent(MemorySegment event) {
        call(() -> (int) cuEventDestroy.invokeExact(event), "cuEventDestroy_v2");
    }

    void beginCapture(MemorySegment stream) {
        call(
                () -> (int) cuStreamBeginCapture.invokeExact(stream, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                "cuStreamBeginCapture_v2");
    }

    MemorySegment endCapture(MemorySegment stream) {
        return handleOut(out -> (int) cuStreamEndCapture.invokeExact(stream, out), "cuStreamEndCapture");
    }

    MemorySegment instantiate(MemorySegment graph) {
        return handleOut(out -> (int) cuGraphInstantiate.invokeExact(out, graph, 0L), "cuGraphInstantiateWithFlags");
    }

    void launchGraph(MemorySegment executable, MemorySegment stream) {
        call(() -> (int) cuGraphLaunch.invokeExact(executable, stream), "cuGraphLaunch");
    }

    void destroyGraph(MemorySegment graph) {
        call(() -> (int) cuGraphDestroy.invokeExact(graph), "cuGraphDestroy");
    }

    void destroyExecutable(MemorySegment executable) {
        call(() -> (int) cuGraphExecDestroy.invokeExact(executable), "cuGraphExecDestroy");
    }

    @FunctionalInterface
    private interface Call {
        int run() throws Throwable;
    }

    @FunctionalInterface
    private interface OutCall {
        int run(MemorySegment out) throws Throwable;
    }

    private void call(Call c, String name) {
        int rc;
        try {
            rc = c.run();
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(rc, name);
    }

    private MemorySegment handleOut(OutCall c, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = c.run(out);
            check(rc, name);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
