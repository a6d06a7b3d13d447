// A CPU emulation of the CUDA execution model, just enough to run the kernels of src/main/cuda unchanged (compiled
// as C++ with this header force-included) inside the fake driver of fake_driver.cpp. Tests use it to check the
// kernels' indexing, tiling, barriers and fragment layouts on a machine without a GPU; it says nothing about speed.
//
// Each CUDA thread is a fiber (ucontext) on one OS thread; the blocks of a grid run one after another. Barriers
// (__syncthreads, and the warp-wide exchanges behind shuffles, ldmatrix and mma.sync) switch fibers; a barrier
// that can never complete aborts with a message instead of hanging. __shared__ variables become function-local
// statics, which is right because only one block runs at a time. cp.async copies complete at the latest moment
// the PTX rules allow (cp.async.wait_group), so a read of a stage before its wait sees stale data, or with
// VITPROBE_EMULATOR_CP_ASYNC=eager at the earliest (when issued), so a copy racing with readers shows.
// mma.sync and ldmatrix follow the fragment layouts of the PTX ISA (sections "Matrix Fragments for mma.m16n8k16
// with floating point type", "... for mma.m16n8k8" and "ldmatrix").
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#define VITPROBE_EMULATION 1
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

struct dim3 {
    unsigned x, y, z;
};
struct alignas(8) float2 {
    float x, y;
};
struct alignas(16) float4 {
    float x, y, z, w;
};
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

namespace emu {
const dim3& thread_index();
extern dim3 block_index, block_dim, grid_dim;
void sync_block();
uint64_t* exchange(int words);                    // this lane's slot in its warp's exchange area (word 0..words-1)
const uint64_t* exchange_of(int lane, int words);  // another lane's slot, valid between two sync_warp calls
void sync_warp();
int lane();
unsigned char* dynamic_shared();
unsigned dynamic_shared_bytes();
void cp_async(void* dst, const void* src, bool valid);
void cp_async_commit();
void cp_async_wait(int pending);
[[noreturn]] void trap(const char* why);
}  // namespace emu

#define threadIdx (emu::thread_index())
#define blockIdx (emu::block_index)
#define blockDim (emu::block_dim)
#define gridDim (emu::grid_dim)

inline void __syncthreads() { emu::sync_block(); }
inline void __syncwarp() { emu::sync_warp(); }
[[noreturn]] inline void __trap() { emu::trap("__trap() in a kernel"); }

inline float __uint_as_float(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
inline uint32_t __float_as_uint(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}
inline float normcdff(float x) { return static_cast<float>(0.5 * std::erfc(-static_cast<double>(x) / std::sqrt(2.0))); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }

inline float __shfl_xor_sync(unsigned, float v, int offset) {
    uint64_t* mine = emu::exchange(1);
    mine[0] = __float_as_uint(v);
    emu::sync_warp();
    float r = __uint_as_float(static_cast<uint32_t>(emu::exchange_of(emu::lane() ^ offset, 1)[0]));
    emu::sync_warp();
    return r;
}

// ---- the PTX wrappers of common.cuh ----

typedef uint16_t bf16;

// cvt.rn.bf16.f32: round to nearest even; NaN stays a (quiet) NaN.
inline bf16 to_bf16(float v) {
    uint32_t u = __float_as_uint(v);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<bf16>((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1u);
    return static_cast<bf16>(u >> 16);
}

inline uint32_t pack_bf16x2(float lo, float hi) { return to_bf16(lo) | static_cast<uint32_t>(to_bf16(hi)) << 16; }

// cvt.rna.tf32.f32: nearest, ties away from zero, 10 mantissa bits kept.
inline uint32_t to_tf32(float v) {
    uint32_t u = __float_as_uint(v);
    if ((u & 0x7f800000u) == 0x7f800000u) return u;
    return (u + 0x1000u) & 0xffffe000u;
}

inline void cp_async_16(void* smem, const void* gmem, bool valid) { emu::cp_async(smem, gmem, valid); }
inline void cp_async_commit() { emu::cp_async_commit(); }
template <int pending>
inline void cp_async_wait() { emu::cp_async_wait(pending); }
inline uint32_t dynamic_smem_bytes() { return emu::dynamic_shared_bytes(); }

void emulate_ldmatrix_x4(uint32_t r[4], const void* smem, bool transposed);
inline void ldmatrix_x4(uint32_t r[4], const void* smem) { emulate_ldmatrix_x4(r, smem, false); }
inline void ldmatrix_x4_trans(uint32_t r[4], const void* smem) { emulate_ldmatrix_x4(r, smem, true); }

void emulate_mma_bf16_16x8x16(float d[4], const uint32_t a[4], const uint32_t b[2]);
void emulate_mma_tf32_16x8x8(float d[4], const uint32_t a[4], const uint32_t b[2]);
inline void mma_bf16_16x8x16(float d[4], const uint32_t a[4], const uint32_t b[2]) { emulate_mma_bf16_16x8x16(d, a, b); }
inline void mma_tf32_16x8x8(float d[4], const uint32_t a[4], const uint32_t b[2]) { emulate_mma_tf32_16x8x8(d, a, b); }
