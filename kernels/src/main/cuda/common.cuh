// Device helpers shared by every vitprobe kernel: bf16 storage, exact GELU, warp reductions and thin wrappers
// over the PTX instructions the tensor-core kernels use (cp.async, ldmatrix, mma.sync). Everything here needs
// sm_80 or newer, which is what the build targets (compute_80 PTX, JIT-compiled by the driver for the card).
#pragma once

#include <stdint.h>

// bfloat16 kept as its raw 16 bits: the kernels only ever convert, pack and feed it to mma.sync.
typedef uint16_t bf16;

// How the host launches a kernel: threads per block, the tile_rows x tile_columns part of the output that one
// block writes, and the bytes of dynamic shared memory it needs. VITPROBE_LAUNCH_SHAPE exports it beside the kernel
// as the constant KERNEL_launch, which the backend reads from the loaded module (cuModuleGetGlobal): the kernels'
// own constants fill it in, so the host repeats none of them.
struct LaunchShape {
    int threads, tile_rows, tile_columns, dynamic_shared_bytes;
};

#define VITPROBE_LAUNCH_SHAPE(kernel, threads, tile_rows, tile_columns, dynamic_shared_bytes)          \
    extern "C" {                                                                                       \
    __constant__ LaunchShape kernel##_launch = {threads, tile_rows, tile_columns, dynamic_shared_bytes}; \
    }

// The instructions below are inline PTX. The tests' CPU emulator of these kernels (src/test/cuda) defines
// VITPROBE_EMULATION and provides the same functions with the semantics the PTX ISA documents.
#ifndef VITPROBE_EMULATION
// Round to nearest even, like torch's float -> bfloat16 cast.
__device__ __forceinline__ bf16 to_bf16(float v) {
    uint16_t r;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(v));
    return r;
}

// Two floats as one bf16x2 register: lo in the low half, as mma.sync and memory order expect.
__device__ __forceinline__ uint32_t pack_bf16x2(float lo, float hi) {
    uint32_t r;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
    return r;
}

__device__ __forceinline__ uint32_t shared_address(const void* p) {
    return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// 16-byte asynchronous copy global -> shared; when `valid` is false nothing is read and the 16 bytes are zeroed
// (tile rows and columns past the matrix edge must be zeros, never stale data).
__device__ __forceinline__ void cp_async_16(void* smem, const void* gmem, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(shared_address(smem)), "l"(gmem),
                 "r"(valid ? 16 : 0));
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }

// Waits until at most `pending` of this thread's committed copy groups are still in flight.
template <int pending>
__device__ __forceinline__ void cp_async_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(pending)); }

// Four 8x8 b16 matrices: lanes 8i..8i+7 give the row addresses of matrix i; register i of lane l receives
// row l/4, columns 2(l%4) and 2(l%4)+1 of matrix i (with .trans: rows 2(l%4), 2(l%4)+1 of column l/4).
__device__ __forceinline__ void ldmatrix_x4(uint32_t r[4], const void* smem) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(smem)));
}

__device__ __forceinline__ void ldmatrix_x4_trans(uint32_t r[4], const void* smem) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(shared_address(smem)));
}

// d += a·b on a 16x8 tile, k = 16, bf16 inputs, fp32 accumulators (PTX ISA fragment layouts for m16n8k16).
__device__ __forceinline__ void mma_bf16_16x8x16(float d[4], const uint32_t a[4], const uint32_t b[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// d += a·b on a 16x8 tile, k = 8, tf32 inputs (fp32 bit patterns rounded to tf32), fp32 accumulators.
__device__ __forceinline__ void mma_tf32_16x8x8(float d[4], const uint32_t a[4], const uint32_t b[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                 "{%0,%1,%2,%3};\n"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// Rounds to tf32 (10 mantissa bits, nearest, ties away), returned as fp32 bits with the low 13 bits zero.
__device__ __forceinline__ uint32_t to_tf32(float v) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(v));
    return r;
}

// Bytes of dynamic shared memory the launch provided: kernels that need a fixed amount trap when given fewer, so
// that a host-side sizing error fails loudly instead of corrupting memory.
__device__ __forceinline__ uint32_t dynamic_smem_bytes() {
    uint32_t r;
    asm("mov.u32 %0, %%dynamic_smem_size;" : "=r"(r));
    return r;
}
#endif  // VITPROBE_EMULATION

// An fp32 value as tf32 big = tf32(x) plus, when `split`, small = tf32(x - big) (else 0): the "3x" tf32 products
// small·big + big·small + big·big keep fp32 accuracy, big·big alone is plain tf32.
template <bool split>
__device__ __forceinline__ void split_tf32(float x, uint32_t& big, uint32_t& small) {
    big = to_tf32(x);
    small = split ? to_tf32(x - __uint_as_float(big)) : 0u;
}

__device__ __forceinline__ float to_float(float v) { return v; }
__device__ __forceinline__ float to_float(bf16 v) { return __uint_as_float(static_cast<uint32_t>(v) << 16); }

__device__ __forceinline__ void store(float* p, float v) { *p = v; }
__device__ __forceinline__ void store(bf16* p, float v) { *p = to_bf16(v); }

// Stores two adjacent outputs (p is 8-byte aligned for float, 4-byte for bf16).
__device__ __forceinline__ void store_pair(float* p, float a, float b) { *reinterpret_cast<float2*>(p) = make_float2(a, b); }
__device__ __forceinline__ void store_pair(bf16* p, float a, float b) { *reinterpret_cast<uint32_t*>(p) = pack_bf16x2(a, b); }

// The exact GELU, x·Φ(x) (not the tanh approximation), as torch.nn.GELU() and the CPU backend compute it.
__device__ __forceinline__ float gelu_exact(float x) { return x * normcdff(x); }

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Reductions over the lanes whose ids differ only in the low bits below `width` (a power of two ≤ 32).
template <int width>
__device__ __forceinline__ float group_max(float v) {
#pragma unroll
    for (int offset = width / 2; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

template <int width>
__device__ __forceinline__ float group_sum(float v) {
#pragma unroll
    for (int offset = width / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

