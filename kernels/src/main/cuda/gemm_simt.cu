// fp32 linear layer on CUDA cores: C = act(A · Wᵀ + bias) (+ residual), A [M, K], W [N, K], C [M, N], all
// row-major fp32. The straightforward reference GEMM of the CUDA backend (selected with
// -Dvitprobe.cuda.fp32Gemm=simt): 128x128 output tile per block of 256 threads, each thread an 8x8 register
// tile (two 4-row and two 4-column strips, 64 apart, so that a warp's shared loads are conflict-free), K
// walked 8 at a time through double-buffered shared memory with the next slice prefetched into registers.
// Requires K % 4 == 0 (float4 loads along K); rows and columns past M and N are zero-filled and not stored.
#include "epilogue.cuh"

namespace {
constexpr int kTileM = 128, kTileN = 128, kTileK = 8, kThreads = 256;

// Loads this thread's float4 of a [rows, K] matrix for the tile starting at (row0, k0): row = tid / 2,
// columns k0 + (tid % 2) * 4 .. + 3, zeros outside the matrix.
__device__ __forceinline__ float4 load_slice(const float* m, int rows, int K, int row0, int k0) {
    const int row = row0 + threadIdx.x / 2, k = k0 + (threadIdx.x % 2) * 4;
    if (row < rows && k < K) return *reinterpret_cast<const float4*>(m + static_cast<long long>(row) * K + k);
    return make_float4(0.f, 0.f, 0.f, 0.f);
}

// Stores a slice transposed, [k][row], so the compute loop reads 4 consecutive rows as one float4.
__device__ __forceinline__ void store_slice(float (*tile)[kTileM], float4 v) {
    const int row = threadIdx.x / 2, k = (threadIdx.x % 2) * 4;
    tile[k + 0][row] = v.x;
    tile[k + 1][row] = v.y;
    tile[k + 2][row] = v.z;
    tile[k + 3][row] = v.w;
}
}  // namespace

VITPROBE_LAUNCH_SHAPE(gemm_simt_f32, kThreads, kTileM, kTileN, 0)
extern "C" __global__ void __launch_bounds__(kThreads)
gemm_simt_f32(const float* A, const float* W, const float* bias, const float* residual, float* C, int M, int N, int K,
              int gelu) {
    __shared__ __align__(16) float a_tile[2][kTileK][kTileM];
    __shared__ __align__(16) float w_tile[2][kTileK][kTileN];
    const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;

    float acc[8][8] = {};
    float4 a_next = load_slice(A, M, K, m0, 0), w_next = load_slice(W, N, K, n0, 0);
    store_slice(a_tile[0], a_next);
    store_slice(w_tile[0], w_next);
    __syncthreads();

    const int slices = (K + kTileK - 1) / kTileK;
    for (int s = 0; s < slices; s++) {
        const int buffer = s % 2;
        const bool more = s + 1 < slices;
        if (more) {  // global loads for the next slice are in flight while this one is computed
            a_next = load_slice(A, M, K, m0, (s + 1) * kTileK);
            w_next = load_slice(W, N, K, n0, (s + 1) * kTileK);
        }
#pragma unroll
        for (int k = 0; k < kTileK; k++) {
            float a[8], w[8];
            *reinterpret_cast<float4*>(a) = *reinterpret_cast<const float4*>(&a_tile[buffer][k][ty * 4]);
            *reinterpret_cast<float4*>(a + 4) = *reinterpret_cast<const float4*>(&a_tile[buffer][k][64 + ty * 4]);
            *reinterpret_cast<float4*>(w) = *reinterpret_cast<const float4*>(&w_tile[buffer][k][tx * 4]);
            *reinterpret_cast<float4*>(w + 4) = *reinterpret_cast<const float4*>(&w_tile[buffer][k][64 + tx * 4]);
#pragma unroll
            for (int i = 0; i < 8; i++)
#pragma unroll
                for (int j = 0; j < 8; j++) acc[i][j] = fmaf(a[i], w[j], acc[i][j]);
        }
        if (more) {  // the other buffer was last read in iteration s - 1, before the barrier that ended it
            store_slice(a_tile[1 - buffer], a_next);
            store_slice(w_tile[1 - buffer], w_next);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 8; i++) {
        const int row = m0 + (i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4);
        if (row >= M) continue;
#pragma unroll
        for (int j = 0; j < 8; j++) {
            const int column = n0 + (j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4);
            if (column >= N) continue;
            const long long at = static_cast<long long>(row) * N + column;
            C[at] = finish_linear(acc[i][j], bias, residual, at, column, gelu);
        }
    }
}
