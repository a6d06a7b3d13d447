// A fake libcuda.so.1 for tests on machines without a GPU: the subset of the CUDA driver API that
// vitprobe.kernels.cuda.CudaDriver binds, with "device" memory in host RAM and kernels run by the emulator
// (emulation.cpp). Streams are synchronous; stream capture records launches and copies (parameter values copied at
// capture, as the driver does) and a graph launch replays them. Launch configurations are checked like the driver
// would (block size, dynamic shared memory above 48 KiB only after cuFuncSetAttribute), new allocations are filled
// with 0xff bytes (NaN) so that reading unwritten memory shows, and frees of unknown pointers fail.
#include "emulation.h"

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

struct KernelEntry {
    const char* name;
    void (*invoke)(void**);
    const char* parameters;  // p / l: 8 bytes, i / f: 4 bytes
    int max_dynamic_shared;
};

extern KernelEntry kernel_registry[];
extern const int kernel_registry_size;

struct ConstantEntry {
    const char* name;
    void* address;
    size_t bytes;
};

extern ConstantEntry constant_registry[];
extern const int constant_registry_size;

namespace {
enum : int {
    SUCCESS = 0, INVALID_VALUE = 1, NOT_INITIALIZED = 3, INVALID_HANDLE = 400, NOT_FOUND = 500,
    STREAM_CAPTURE_UNSUPPORTED = 900,
};
const std::map<int, std::pair<const char*, const char*>> kErrors = {
    {SUCCESS, {"CUDA_SUCCESS", "no error"}},
    {INVALID_VALUE, {"CUDA_ERROR_INVALID_VALUE", "invalid argument"}},
    {NOT_INITIALIZED, {"CUDA_ERROR_NOT_INITIALIZED", "initialization error"}},
    {INVALID_HANDLE, {"CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"}},
    {NOT_FOUND, {"CUDA_ERROR_NOT_FOUND", "named symbol not found"}},
    {STREAM_CAPTURE_UNSUPPORTED, {"CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED", "operation not permitted when stream is capturing"}},
};
constexpr long long kTotalMemory = 16LL << 30;
constexpr int kStaticSharedLimit = 48 * 1024;

struct Node {
    KernelEntry* kernel = nullptr;  // null: a copy
    dim3 grid{}, block{};
    unsigned shared = 0;
    std::vector<uint64_t> values;   // one 8-byte slot per parameter
    void* dst = nullptr;
    const void* src = nullptr;
    size_t bytes = 0;
};

struct Graph {
    std::vector<Node> nodes;
};

struct Stream {
    Graph* capture = nullptr;
};

struct Event {
    std::chrono::steady_clock::time_point at;
};

bool initialized = false;
std::map<void*, size_t> device_blocks;
long long device_bytes = 0;
int context_token;

int multiprocessors() {
    const char* v = std::getenv("VITPROBE_EMULATOR_SMS");
    return v ? std::atoi(v) : 4;  // few "SMs": small test shapes then exercise both GEMM tile sizes
}

void execute(Node& n) {
    if (n.kernel == nullptr) {
        std::memcpy(n.dst, n.src, n.bytes);
        return;
    }
    std::vector<void*> pointers(n.values.size());
    for (size_t i = 0; i < n.values.size(); i++) pointers[i] = &n.values[i];
    emu::run(n.kernel->name, n.kernel->invoke, pointers.data(), n.grid, n.block, n.shared);
}

void copy(Stream* s, void* dst, const void* src, size_t bytes) {
    Node n;
    n.dst = dst;
    n.src = src;
    n.bytes = bytes;
    if (s && s->capture) s->capture->nodes.push_back(n);
    else execute(n);
}
}  // namespace

extern "C" {
int cuGetErrorName(int error, const char** out) {
    auto it = kErrors.find(error);
    if (it == kErrors.end()) return INVALID_VALUE;
    *out = it->second.first;
    return SUCCESS;
}

int cuGetErrorString(int error, const char** out) {
    auto it = kErrors.find(error);
    if (it == kErrors.end()) return INVALID_VALUE;
    *out = it->second.second;
    return SUCCESS;
}

int cuInit(unsigned) {
    initialized = true;
    return SUCCESS;
}

int cuDriverGetVersion(int* v) {
    *v = 13000;
    return SUCCESS;
}

int cuDeviceGetCount(int* count) {
    if (!initialized) return NOT_INITIALIZED;
    *count = 1;
    return SUCCESS;
}

int cuDeviceGet(int* device, int ordinal) {
    if (ordinal != 0) return INVALID_VALUE;
    *device = 0;
    return SUCCESS;
}

int cuDeviceGetName(char* name, int length, int) {
    std::snprintf(name, length, "vitprobe CPU emulator");
    return SUCCESS;
}

int cuDeviceGetAttribute(int* value, int attribute, int) {
    switch (attribute) {
        case 16: *value = multiprocessors(); return SUCCESS;   // multiprocessor count
        case 75: *value = 9; return SUCCESS;                  // compute capability major
        case 76: *value = 0; return SUCCESS;                  // minor
        case 97: *value = 227 * 1024; return SUCCESS;         // max opt-in shared memory per block
        default: return INVALID_VALUE;
    }
}

int cuDevicePrimaryCtxRetain(void** context, int) {
    *context = &context_token;
    return SUCCESS;
}

int cuDevicePrimaryCtxRelease_v2(int) { return SUCCESS; }

int cuCtxSetCurrent(void* context) { return context == &context_token ? SUCCESS : INVALID_HANDLE; }

int cuStreamCreate(void** stream, unsigned) {
    *stream = new Stream();
    return SUCCESS;
}

int cuStreamDestroy_v2(void* stream) {
    delete static_cast<Stream*>(stream);
    return SUCCESS;
}

int cuStreamSynchronize(void* stream) { return static_cast<Stream*>(stream)->capture ? STREAM_CAPTURE_UNSUPPORTED : SUCCESS; }

// The kernels themselves are compiled into the emulator; the image must be what the backend loads on a card.
int cuModuleLoadDataEx(void** module, const void* image, unsigned, int*, void**) {
    constexpr uint32_t kFatbinMagic = 0xBA55ED50;
    uint32_t magic = 0;
    if (image != nullptr) std::memcpy(&magic, image, sizeof magic);
    if (magic != kFatbinMagic) return INVALID_VALUE;
    *module = &context_token;
    return SUCCESS;
}

int cuModuleUnload(void*) { return SUCCESS; }

int cuModuleGetFunction(void** function, void*, const char* name) {
    for (int i = 0; i < kernel_registry_size; i++) {
        if (std::strcmp(kernel_registry[i].name, name) == 0) {
            *function = &kernel_registry[i];
            return SUCCESS;
        }
    }
    return NOT_FOUND;
}

// A module's __constant__ variable is the emulator's own global of that name ("device" memory is host memory).
int cuModuleGetGlobal_v2(unsigned long long* pointer, size_t* bytes, void*, const char* name) {
    for (int i = 0; i < constant_registry_size; i++) {
        if (std::strcmp(constant_registry[i].name, name) == 0) {
            if (pointer) *pointer = reinterpret_cast<uintptr_t>(constant_registry[i].address);
            if (bytes) *bytes = constant_registry[i].bytes;
            return SUCCESS;
        }
    }
    return NOT_FOUND;
}

int cuFuncSetAttribute(void* function, int attribute, int value) {
    if (attribute != 8) return INVALID_VALUE;  // CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES only
    if (value > 227 * 1024) return INVALID_VALUE;
    static_cast<KernelEntry*>(function)->max_dynamic_shared = value;
    return SUCCESS;
}

int cuLaunchKernel(void* function, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void* stream, void** params, void** extra) {
    auto* k = static_cast<KernelEntry*>(function);
    if (extra != nullptr || params == nullptr) return INVALID_VALUE;
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || bx * by * bz == 0 || bx * by * bz > 1024) return INVALID_VALUE;
    int limit = k->max_dynamic_shared > kStaticSharedLimit ? k->max_dynamic_shared : kStaticSharedLimit;
    if (static_cast<int>(shared) > limit) return INVALID_VALUE;
    Node n;
    n.kernel = k;
    n.grid = {gx, gy, gz};
    n.block = {bx, by, bz};
    n.shared = shared;
    size_t count = std::strlen(k->parameters);
    n.values.resize(count);
    for (size_t i = 0; i < count; i++) {  // copied now: the caller may reuse its argument memory at once
        bool wide = k->parameters[i] == 'p' || k->parameters[i] == 'l';
        n.values[i] = 0;
        std::memcpy(&n.values[i], params[i], wide ? 8 : 4);
    }
    auto* s = static_cast<Stream*>(stream);
    if (s && s->capture) s->capture->nodes.push_back(std::move(n));
    else execute(n);
    return SUCCESS;
}

int cuMemAlloc_v2(unsigned long long* pointer, size_t bytes) {
    if (bytes == 0) return INVALID_VALUE;
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (p == nullptr) return 2;  // CUDA_ERROR_OUT_OF_MEMORY
    std::memset(p, 0xff, bytes);
    device_blocks[p] = bytes;
    device_bytes += static_cast<long long>(bytes);
    *pointer = reinterpret_cast<uintptr_t>(p);
    return SUCCESS;
}

int cuMemFree_v2(unsigned long long pointer) {
    void* p = reinterpret_cast<void*>(pointer);
    auto it = device_blocks.find(p);
    if (it == device_blocks.end()) return INVALID_VALUE;
    device_bytes -= static_cast<long long>(it->second);
    device_blocks.erase(it);
    std::free(p);
    return SUCCESS;
}

int cuMemAllocHost_v2(void** pointer, size_t bytes) {
    *pointer = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    return *pointer ? SUCCESS : 2;
}

int cuMemFreeHost(void* pointer) {
    std::free(pointer);
    return SUCCESS;
}

int cuMemGetInfo_v2(size_t* free, size_t* total) {
    *free = static_cast<size_t>(kTotalMemory - device_bytes);
    *total = static_cast<size_t>(kTotalMemory);
    return SUCCESS;
}

int cuMemcpyDtoH_v2(void* dst, unsigned long long src, size_t bytes) {
    std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return SUCCESS;
}

int cuMemcpyHtoDAsync_v2(unsigned long long dst, const void* src, size_t bytes, void* stream) {
    copy(static_cast<Stream*>(stream), reinterpret_cast<void*>(dst), src, bytes);
    return SUCCESS;
}

int cuMemcpyDtoHAsync_v2(void* dst, unsigned long long src, size_t bytes, void* stream) {
    copy(static_cast<Stream*>(stream), dst, reinterpret_cast<const void*>(src), bytes);
    return SUCCESS;
}

int cuMemcpyDtoDAsync_v2(unsigned long long dst, unsigned long long src, size_t bytes, void* stream) {
    copy(static_cast<Stream*>(stream), reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), bytes);
    return SUCCESS;
}

int cuEventCreate(void** event, unsigned) {
    *event = new Event();
    return SUCCESS;
}

int cuEventRecord(void* event, void* stream) {
    if (static_cast<Stream*>(stream)->capture) return STREAM_CAPTURE_UNSUPPORTED;  // the backend never does this
    static_cast<Event*>(event)->at = std::chrono::steady_clock::now();
    return SUCCESS;
}

int cuEventSynchronize(void*) { return SUCCESS; }

int cuEventElapsedTime(float* ms, void* start, void* end) {
    *ms = std::chrono::duration<float, std::milli>(static_cast<Event*>(end)->at - static_cast<Event*>(start)->at).count();
    return SUCCESS;
}

int cuEventElapsedTime_v2(float* ms, void* start, void* end) { return cuEventElapsedTime(ms, start, end); }

int cuEventDestroy_v2(void* event) {
    delete static_cast<Event*>(event);
    return SUCCESS;
}

int cuStreamBeginCapture_v2(void* stream, int) {
    auto* s = static_cast<Stream*>(stream);
    if (s->capture) return STREAM_CAPTURE_UNSUPPORTED;
    s->capture = new Graph();
    return SUCCESS;
}

int cuStreamEndCapture(void* stream, void** graph) {
    auto* s = static_cast<Stream*>(stream);
    if (!s->capture) return INVALID_VALUE;
    *graph = s->capture;
    s->capture = nullptr;
    return SUCCESS;
}

int cuGraphInstantiateWithFlags(void** executable, void* graph, unsigned long long) {
    *executable = new Graph(*static_cast<Graph*>(graph));
    return SUCCESS;
}

int cuGraphLaunch(void* executable, void* stream) {
    if (static_cast<Stream*>(stream)->capture) return STREAM_CAPTURE_UNSUPPORTED;
    for (Node& n : static_cast<Graph*>(executable)->nodes) execute(n);
    return SUCCESS;
}

int cuGraphExecDestroy(void* executable) {
    delete static_cast<Graph*>(executable);
    return SUCCESS;
}

int cuGraphDestroy(void* graph) {
    delete static_cast<Graph*>(graph);
    return SUCCESS;
}
}
