// The execution model behind cuda_emulation.h: fibers, barriers, warp exchanges, deferred cp.async, and the PTX
// fragment layouts of ldmatrix and mma.sync.
#include "emulation.h"

#include <ucontext.h>

#include <vector>

namespace emu {
dim3 block_index, block_dim, grid_dim;

namespace {
constexpr size_t kStackBytes = 256 * 1024;
constexpr int kExchangeWords = 16;

struct Copy {
    void* dst;
    const void* src;
    bool valid;
};

struct Fiber {
    ucontext_t context;
    dim3 index;
    bool done;
    std::vector<std::vector<Copy>> committed;  // cp.async groups, oldest first
    std::vector<Copy> open;                    // issued since the last commit
};

struct Warp {
    int live, arrived;
    unsigned generation;
    uint64_t exchange[32][kExchangeWords];
};

struct Block {
    std::vector<Fiber> fibers;
    std::vector<std::vector<char>> stacks;
    std::vector<Warp> warps;
    ucontext_t scheduler;
    Fiber* current = nullptr;
    int live = 0, arrived = 0;
    unsigned generation = 0;
    bool progress = false;
    const char* kernel = "";
    void (*body)(void**) = nullptr;
    void** params = nullptr;
    std::vector<unsigned char> shared;
    unsigned shared_bytes = 0;
};

Block block;

void yield() { swapcontext(&block.current->context, &block.scheduler); }

void finish_copy(const Copy& c) {
    if (c.valid) std::memcpy(c.dst, c.src, 16);
    else std::memset(c.dst, 0, 16);
}

void complete_copies(Fiber& f, size_t keep) {
    while (f.committed.size() > keep) {
        for (const Copy& c : f.committed.front()) finish_copy(c);
        f.committed.erase(f.committed.begin());
    }
}

Warp& my_warp() { return block.warps[block.current->index.x / 32]; }

// Releases a barrier whose missing participants have all exited.
void release_if_complete() {
    if (block.arrived > 0 && block.arrived == block.live) {
        block.arrived = 0;
        block.generation++;
        block.progress = true;
    }
    for (Warp& w : block.warps) {
        if (w.arrived > 0 && w.arrived == w.live) {
            w.arrived = 0;
            w.generation++;
            block.progress = true;
        }
    }
}

void fiber_entry() {
    Fiber* f = block.current;
    block.body(block.params);
    if (!f->open.empty()) f->committed.push_back(std::move(f->open));
    complete_copies(*f, 0);  // the hardware finishes outstanding copies before the block's memory goes away
    f->done = true;
    block.live--;
    block.warps[f->index.x / 32].live--;
    block.progress = true;
    release_if_complete();
}
}  // namespace

const dim3& thread_index() { return block.current->index; }

int lane() { return static_cast<int>(block.current->index.x % 32); }

void sync_block() {
    unsigned generation = block.generation;
    if (++block.arrived == block.live) {
        block.arrived = 0;
        block.generation++;
        block.progress = true;
        return;
    }
    while (block.generation == generation) yield();
}

void sync_warp() {
    Warp& w = my_warp();
    unsigned generation = w.generation;
    if (++w.arrived == w.live) {
        w.arrived = 0;
        w.generation++;
        block.progress = true;
        return;
    }
    while (w.generation == generation) yield();
}

uint64_t* exchange(int words) {
    if (words > kExchangeWords) trap("exchange too large");
    return my_warp().exchange[lane()];
}

const uint64_t* exchange_of(int other, int) { return my_warp().exchange[other]; }

unsigned char* dynamic_shared() { return block.shared.data(); }

unsigned dynamic_shared_bytes() { return block.shared_bytes; }

// VITPROBE_EMULATOR_CP_ASYNC=eager completes each copy when it is issued (the earliest the hardware may), which
// exposes a copy into a buffer that other warps are still reading; the default completes it at the wait (the
// latest), which exposes reads of a buffer before its copies are waited for.
static const bool eager_copies = [] {
    const char* v = std::getenv("VITPROBE_EMULATOR_CP_ASYNC");
    return v != nullptr && std::strcmp(v, "eager") == 0;
}();

void cp_async(void* dst, const void* src, bool valid) {
    if (reinterpret_cast<uintptr_t>(dst) % 16 || (valid && reinterpret_cast<uintptr_t>(src) % 16)) trap("cp.async of 16 bytes needs 16-byte alignment");
    if (eager_copies) finish_copy({dst, src, valid});
    else block.current->open.push_back({dst, src, valid});
}

void cp_async_commit() {
    Fiber& f = *block.current;
    f.committed.push_back(std::move(f.open));
    f.open.clear();
}

void cp_async_wait(int pending) { complete_copies(*block.current, static_cast<size_t>(pending)); }

[[noreturn]] void trap(const char* why) {
    std::fprintf(stderr, "cuda emulator: kernel %s, block (%u,%u), thread %u: %s\n", block.kernel, block_index.x, block_index.y,
                 block.current ? block.current->index.x : 0u, why);
    std::fflush(stderr);
    std::abort();
}

void run(const char* kernel, void (*body)(void**), void** params, dim3 grid, dim3 threads, unsigned shared_bytes) {
    block.kernel = kernel;
    block.body = body;
    block.params = params;
    block_dim = threads;
    grid_dim = grid;
    unsigned n = threads.x * threads.y * threads.z;
    if (threads.y != 1 || threads.z != 1) trap("the emulator runs 1-D blocks only");
    block.fibers.assign(n, Fiber{});
    if (block.stacks.size() < n) block.stacks.resize(n, std::vector<char>(kStackBytes));
    block.shared.assign(shared_bytes, 0xff);  // garbage, as on the device
    block.shared_bytes = shared_bytes;
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                block_index = {x, y, z};
                block.warps.assign((n + 31) / 32, Warp{});
                for (unsigned w = 0; w < block.warps.size(); w++) block.warps[w].live = static_cast<int>(std::min(32u, n - 32 * w));
                block.live = static_cast<int>(n);
                block.arrived = 0;
                for (unsigned t = 0; t < n; t++) {
                    Fiber& f = block.fibers[t];
                    f = Fiber{};
                    f.index = {t, 0, 0};
                    getcontext(&f.context);
                    f.context.uc_stack.ss_sp = block.stacks[t].data();
                    f.context.uc_stack.ss_size = kStackBytes;
                    f.context.uc_link = &block.scheduler;
                    makecontext(&f.context, fiber_entry, 0);
                }
                while (block.live > 0) {
                    block.progress = false;
                    for (Fiber& f : block.fibers) {
                        if (f.done) continue;
                        block.current = &f;
                        swapcontext(&block.scheduler, &f.context);
                    }
                    block.current = nullptr;
                    if (block.live > 0 && !block.progress) trap("barrier that can never complete (divergent __syncthreads or warp op)");
                }
            }
}
}  // namespace emu

// ---- ldmatrix and mma.sync ----

namespace {
uint16_t element(const void* row, int column) {
    uint16_t v;
    std::memcpy(&v, static_cast<const unsigned char*>(row) + 2 * column, 2);
    return v;
}

double bf16_value(uint16_t v) { return static_cast<double>(__uint_as_float(static_cast<uint32_t>(v) << 16)); }

// tf32 operands are fp32 bit patterns of which the hardware reads the top 19 bits.
double tf32_value(uint32_t v) { return static_cast<double>(__uint_as_float(v & 0xffffe000u)); }
}  // namespace

void emulate_ldmatrix_x4(uint32_t r[4], const void* smem, bool transposed) {
    if (reinterpret_cast<uintptr_t>(smem) % 16) emu::trap("ldmatrix row address not 16-byte aligned");
    emu::exchange(1)[0] = reinterpret_cast<uintptr_t>(smem);
    emu::sync_warp();
    int l = emu::lane(), g = l / 4, t = l % 4;
    for (int i = 0; i < 4; i++) {
        // Lanes 8i .. 8i+7 hold the row addresses of matrix i.
        auto row = [&](int k) { return reinterpret_cast<const void*>(emu::exchange_of(8 * i + k, 1)[0]); };
        uint16_t lo, hi;
        if (!transposed) {
            lo = element(row(g), 2 * t);
            hi = element(row(g), 2 * t + 1);
        } else {
            lo = element(row(2 * t), g);
            hi = element(row(2 * t + 1), g);
        }
        r[i] = lo | static_cast<uint32_t>(hi) << 16;
    }
    emu::sync_warp();
}

// Gathers the warp's fragments, computes this lane's four accumulators in double, rounds once to fp32.
template <int k_size, class AValue, class BValue>
static void emulate_mma(float d[4], const uint32_t a[4], const uint32_t b[2], AValue a_at, BValue b_at) {
    uint64_t* mine = emu::exchange(10);
    for (int i = 0; i < 4; i++) mine[i] = a[i];
    for (int i = 0; i < 2; i++) mine[4 + i] = b[i];
    for (int i = 0; i < 4; i++) mine[6 + i] = __float_as_uint(d[i]);
    emu::sync_warp();
    double A[16][16] = {}, B[16][8] = {};
    for (int lane = 0; lane < 32; lane++) {
        const uint64_t* s = emu::exchange_of(lane, 10);
        int g = lane / 4, t = lane % 4;
        a_at(A, s, g, t);
        b_at(B, s + 4, g, t);
    }
    int g = emu::lane() / 4, t = emu::lane() % 4;
    float out[4];
    for (int i = 0; i < 4; i++) {
        int row = g + (i >= 2 ? 8 : 0), column = 2 * t + (i & 1);  // C/D layout, both shapes
        double acc = d[i];
        for (int k = 0; k < k_size; k++) acc += A[row][k] * B[k][column];
        out[i] = static_cast<float>(acc);
    }
    emu::sync_warp();
    for (int i = 0; i < 4; i++) d[i] = out[i];
}

void emulate_mma_bf16_16x8x16(float d[4], const uint32_t a[4], const uint32_t b[2]) {
    emulate_mma<16>(d, a, b,
        [](double (&A)[16][16], const uint64_t* s, int g, int t) {
            // a0,a1: (g, 2t..); a2,a3: (g+8, 2t..); a4,a5: (g, 2t+8..); a6,a7: (g+8, 2t+8..); low half first.
            for (int r = 0; r < 4; r++) {
                int row = g + (r % 2) * 8, column = 2 * t + (r / 2) * 8;
                A[row][column] = bf16_value(static_cast<uint16_t>(s[r]));
                A[row][column + 1] = bf16_value(static_cast<uint16_t>(s[r] >> 16));
            }
        },
        [](double (&B)[16][8], const uint64_t* s, int g, int t) {
            // b0,b1: (k 2t, 2t+1; n g); b2,b3: (k 2t+8, 2t+9; n g).
            for (int r = 0; r < 2; r++) {
                B[2 * t + r * 8][g] = bf16_value(static_cast<uint16_t>(s[r]));
                B[2 * t + r * 8 + 1][g] = bf16_value(static_cast<uint16_t>(s[r] >> 16));
            }
        });
}

void emulate_mma_tf32_16x8x8(float d[4], const uint32_t a[4], const uint32_t b[2]) {
    emulate_mma<8>(d, a, b,
        [](double (&A)[16][16], const uint64_t* s, int g, int t) {
            // a0: (g, t); a1: (g+8, t); a2: (g, t+4); a3: (g+8, t+4).
            A[g][t] = tf32_value(static_cast<uint32_t>(s[0]));
            A[g + 8][t] = tf32_value(static_cast<uint32_t>(s[1]));
            A[g][t + 4] = tf32_value(static_cast<uint32_t>(s[2]));
            A[g + 8][t + 4] = tf32_value(static_cast<uint32_t>(s[3]));
        },
        [](double (&B)[16][8], const uint64_t* s, int g, int t) {
            // b0: (k t, n g); b1: (k t+4, n g).
            B[t][g] = tf32_value(static_cast<uint32_t>(s[0]));
            B[t + 4][g] = tf32_value(static_cast<uint32_t>(s[1]));
        });
}
