// bf16 linear layers on tensor cores: mma.sync m16n8k16 with fp32 accumulation, fragments loaded with ldmatrix.
// Two tile shapes: 128x128 (8 warps) for large batches, 64x64 (4 warps) when the 128x128 grid would leave
// multiprocessors idle (batch 1). Each comes with an fp32 output (residual stream) and a bf16 output (inputs of
// the next GEMM or of attention).
#include "gemm_tensor_core.cuh"

struct Bf16Operands {
    using Element = bf16;

    // acc += A_slice · W_sliceᵀ over one 32-wide K slice. `a` points at the warp's first row and `w` at its first
    // column (a row of W) in padded shared tiles.
    template <int mma_m, int mma_n>
    __device__ __forceinline__ static void multiply_slice(float (&acc)[mma_m][mma_n][4], const unsigned char* a,
                                                          const unsigned char* w, int lane) {
#pragma unroll
        for (int k = 0; k < 2; k++) {  // two k16 steps; a step is 32 bytes of a row
            uint32_t a_frag[mma_m][4];
#pragma unroll
            for (int i = 0; i < mma_m; i++) {
                // Matrices: rows 0-7 / 8-15 of the 16-row tile, at k columns 0-7 then 8-15 -> a0..a3 in PTX order.
                const int row = i * 16 + lane % 16, byte = k * 32 + (lane / 16) * 16;
                ldmatrix_x4(a_frag[i], a + row * kPaddedRowBytes + byte);
            }
#pragma unroll
            for (int j = 0; j < mma_n; j += 2) {
                // Matrices: mma column j at k 0-7, at k 8-15, then column j + 1 likewise -> {b0, b1} of j and j + 1.
                uint32_t b[4];
                const int row = j * 8 + lane % 8 + (lane / 16) * 8, byte = k * 32 + ((lane / 8) % 2) * 16;
                ldmatrix_x4(b, w + row * kPaddedRowBytes + byte);
#pragma unroll
                for (int i = 0; i < mma_m; i++) {
                    mma_bf16_16x8x16(acc[i][j], a_frag[i], b);
                    mma_bf16_16x8x16(acc[i][j + 1], a_frag[i], b + 2);
                }
            }
        }
    }
};

VITPROBE_GEMM_TENSOR_CORE(gemm_bf16_128x128_f32out, Bf16Operands, float, 128, 128, 2, 4)
VITPROBE_GEMM_TENSOR_CORE(gemm_bf16_128x128_bf16out, Bf16Operands, bf16, 128, 128, 2, 4)
VITPROBE_GEMM_TENSOR_CORE(gemm_bf16_64x64_f32out, Bf16Operands, float, 64, 64, 2, 2)
VITPROBE_GEMM_TENSOR_CORE(gemm_bf16_64x64_bf16out, Bf16Operands, bf16, 64, 64, 2, 2)
