// Linear layer on tensor cores (mma.sync, sm_80+): C = act(A · Wᵀ + bias) (+ residual) with A [M, K] and
// W [N, K] row-major in the operand type, fp32 accumulation, C fp32 or bf16. Shared by the bf16 and the
// (3x)tf32 kernels, which differ only in their Operands policy (element type and fragment loads).
//
// Tiling: a block computes a tile_m x tile_n tile with warps_m x warps_n warps (the template parameters), each
// warp a (tile_m / warps_m) x (tile_n / warps_n) sub-tile of 16x8 mma tiles. K advances 64 bytes per row at a time
// (32 bf16 or 16 fp32), through kStages shared-memory buffers filled by cp.async, so that loads for later
// slices overlap the mma work on the current one. Shared rows are padded by 16 bytes (80-byte stride): the
// 8 rows that one ldmatrix or one fragment load touches then fall in 8 distinct 4-bank groups.
// Requires K * sizeof(element) % 16 == 0 and N even; rows and columns past M and N are zero-filled.
#pragma once

#include "epilogue.cuh"

constexpr int kRowBytes = 64;                          // bytes of one row per K slice
constexpr int kChunkBytes = 16;                        // one cp.async
constexpr int kChunksPerRow = kRowBytes / kChunkBytes;
constexpr int kPaddedRowBytes = kRowBytes + kChunkBytes;
constexpr int kStages = 3;                             // K slices in shared memory at once

__host__ __device__ constexpr int gemm_threads(int warps_m, int warps_n) { return warps_m * warps_n * 32; }

// kStages buffers, each a slice of tile_m rows of A and tile_n rows of W.
__host__ __device__ constexpr int gemm_shared_bytes(int tile_m, int tile_n) {
    return kStages * (tile_m + tile_n) * kPaddedRowBytes;
}

// Copies rows [row0, row0 + rows_in_tile) x one K slice of a [rows, K] matrix into a padded shared tile.
template <class Element, int rows_in_tile, int threads>
__device__ __forceinline__ void load_slice_async(unsigned char* tile, const Element* m, int rows, int K, int row0, int k0) {
    constexpr int elements_per_chunk = kChunkBytes / sizeof(Element);
    constexpr int chunks = rows_in_tile * kChunksPerRow;
    static_assert(chunks % threads == 0, "every thread copies the same number of chunks");
#pragma unroll
    for (int i = 0; i < chunks / threads; i++) {
        const int chunk = i * threads + threadIdx.x;
        const int r = chunk / kChunksPerRow, c = chunk % kChunksPerRow;
        const int row = row0 + r, k = k0 + c * elements_per_chunk;
        const bool valid = row < rows && k < K;
        const Element* src = valid ? m + static_cast<long long>(row) * K + k : m;
        cp_async_16(tile + r * kPaddedRowBytes + c * kChunkBytes, src, valid);
    }
}

template <class Operands, int tile_m, int tile_n, int warps_m, int warps_n, class Out>
__device__ __forceinline__ void gemm_tensor_core(const typename Operands::Element* A, const typename Operands::Element* W,
                                                 const float* bias, const float* residual, Out* C, int M, int N, int K,
                                                 int gelu) {
    using Element = typename Operands::Element;
    constexpr int threads = gemm_threads(warps_m, warps_n);
    constexpr int warp_m = tile_m / warps_m, warp_n = tile_n / warps_n;
    constexpr int mma_m = warp_m / 16, mma_n = warp_n / 8;
    constexpr int slice_k = kRowBytes / sizeof(Element);
    constexpr int a_stage_bytes = tile_m * kPaddedRowBytes, w_stage_bytes = tile_n * kPaddedRowBytes;
    constexpr unsigned smem_bytes = gemm_shared_bytes(tile_m, tile_n);  // exported in the launch shape
    static_assert(mma_n % 2 == 0, "B fragments are loaded two mma columns at a time");

    extern __shared__ __align__(16) unsigned char smem[];
    if (dynamic_smem_bytes() < smem_bytes) __trap();
    unsigned char* a_tiles = smem;
    unsigned char* w_tiles = smem + kStages * a_stage_bytes;

    const int m0 = blockIdx.y * tile_m, n0 = blockIdx.x * tile_n;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int warp_row = (warp / warps_n) * warp_m, warp_col = (warp % warps_n) * warp_n;

    float acc[mma_m][mma_n][4] = {};
    const int slices = (K + slice_k - 1) / slice_k;

    // Prologue: slices 0 .. kStages-2 in flight, one commit group each (empty groups keep the count uniform).
#pragma unroll
    for (int s = 0; s < kStages - 1; s++) {
        if (s < slices) {
            load_slice_async<Element, tile_m, threads>(a_tiles + s * a_stage_bytes, A, M, K, m0, s * slice_k);
            load_slice_async<Element, tile_n, threads>(w_tiles + s * w_stage_bytes, W, N, K, n0, s * slice_k);
        }
        cp_async_commit();
    }

    for (int s = 0; s < slices; s++) {
        // Groups committed so far: kStages - 1 + s; allowing kStages - 2 pending means slice s has landed.
        cp_async_wait<kStages - 2>();
        __syncthreads();  // slice s visible to all; everyone is done with slice s - 1's buffer
        const int next = s + kStages - 1;
        if (next < slices) {
            const int stage = next % kStages;
            load_slice_async<Element, tile_m, threads>(a_tiles + stage * a_stage_bytes, A, M, K, m0, next * slice_k);
            load_slice_async<Element, tile_n, threads>(w_tiles + stage * w_stage_bytes, W, N, K, n0, next * slice_k);
        }
        cp_async_commit();
        const int stage = s % kStages;
        Operands::template multiply_slice<mma_m, mma_n>(acc, a_tiles + stage * a_stage_bytes + warp_row * kPaddedRowBytes,
                                                        w_tiles + stage * w_stage_bytes + warp_col * kPaddedRowBytes, lane);
    }
    cp_async_wait<0>();  // no copy may still target shared memory when the block exits

    // Accumulator layout (PTX m16n8 C fragment): c0, c1 at row lane/4, columns 2(lane%4) and +1; c2, c3 at row + 8.
    const int group = lane / 4, pair = (lane % 4) * 2;
#pragma unroll
    for (int i = 0; i < mma_m; i++) {
#pragma unroll
        for (int half = 0; half < 2; half++) {
            const int row = m0 + warp_row + i * 16 + group + half * 8;
            if (row >= M) continue;
#pragma unroll
            for (int j = 0; j < mma_n; j++) {
                const int column = n0 + warp_col + j * 8 + pair;
                if (column >= N) continue;
                const long long at = static_cast<long long>(row) * N + column;
                store_pair(C + at, finish_linear(acc[i][j][half * 2], bias, residual, at, column, gelu),
                           finish_linear(acc[i][j][half * 2 + 1], bias, residual, at + 1, column + 1, gelu));
            }
        }
    }
}

// Defines the kernel `name` on Operands with output type Out and exports its launch shape.
#define VITPROBE_GEMM_TENSOR_CORE(name, Operands, Out, tile_m, tile_n, warps_m, warps_n)                             \
    VITPROBE_LAUNCH_SHAPE(name, gemm_threads(warps_m, warps_n), tile_m, tile_n, gemm_shared_bytes(tile_m, tile_n))   \
    extern "C" __global__ void __launch_bounds__(gemm_threads(warps_m, warps_n))                                     \
    name(const Operands::Element* A, const Operands::Element* W, const float* bias, const float* residual, Out* C,   \
         int M, int N, int K, int gelu) {                                                                            \
        gemm_tensor_core<Operands, tile_m, tile_n, warps_m, warps_n>(A, W, bias, residual, C, M, N, K, gelu);       \
    }
