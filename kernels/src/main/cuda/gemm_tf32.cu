// fp32 linear layers on tensor cores: mma.sync m16n8k8 on tf32 operands with fp32 accumulation.
// The "3x" kernels split each operand x into big = tf32(x) and small = tf32(x - big) and accumulate
// small·big + big·small + big·big: only the small·small term (~2^-22 relative) is dropped, which keeps the
// result at fp32 accuracy (the CPU agreement test's 1e-5) at tensor-core speed. The plain kernels use big·big
// alone (the precision `tf32`, ~1e-3 relative, like torch with allow_tf32).
#include "gemm_tensor_core.cuh"

template <bool split>
struct Tf32Operands {
    using Element = float;

    // acc += A_slice · W_sliceᵀ over one 16-wide K slice (two k8 steps). Fragment elements (PTX m16n8k8 .tf32):
    // A a0 (row g, k t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4); B b0 (k t, col g), b1 (k t + 4, col g).
    template <int mma_m, int mma_n>
    __device__ __forceinline__ static void multiply_slice(float (&acc)[mma_m][mma_n][4], const unsigned char* a,
                                                          const unsigned char* w, int lane) {
        constexpr int stride = kPaddedRowBytes / sizeof(float);
        const float* af = reinterpret_cast<const float*>(a);
        const float* wf = reinterpret_cast<const float*>(w);
        const int g = lane / 4, t = lane % 4;
#pragma unroll
        for (int k = 0; k < 2; k++) {
            uint32_t a_big[mma_m][4], a_small[mma_m][4];
#pragma unroll
            for (int i = 0; i < mma_m; i++) {
                const float* base = af + (i * 16 + g) * stride + k * 8 + t;
                split_tf32<split>(base[0], a_big[i][0], a_small[i][0]);
                split_tf32<split>(base[8 * stride], a_big[i][1], a_small[i][1]);
                split_tf32<split>(base[4], a_big[i][2], a_small[i][2]);
                split_tf32<split>(base[8 * stride + 4], a_big[i][3], a_small[i][3]);
            }
#pragma unroll
            for (int j = 0; j < mma_n; j++) {
                const float* base = wf + (j * 8 + g) * stride + k * 8 + t;
                uint32_t b_big[2], b_small[2];
                split_tf32<split>(base[0], b_big[0], b_small[0]);
                split_tf32<split>(base[4], b_big[1], b_small[1]);
#pragma unroll
                for (int i = 0; i < mma_m; i++) {
                    if (split) {  // small terms first: they are the ones that need the accumulator's low bits
                        mma_tf32_16x8x8(acc[i][j], a_small[i], b_big);
                        mma_tf32_16x8x8(acc[i][j], a_big[i], b_small);
                    }
                    mma_tf32_16x8x8(acc[i][j], a_big[i], b_big);
                }
            }
        }
    }
};

VITPROBE_GEMM_TENSOR_CORE(gemm_tf32x3_128x128, Tf32Operands<true>, float, 128, 128, 2, 4)
VITPROBE_GEMM_TENSOR_CORE(gemm_tf32x3_64x64, Tf32Operands<true>, float, 64, 64, 2, 2)
VITPROBE_GEMM_TENSOR_CORE(gemm_tf32_128x128, Tf32Operands<false>, float, 128, 128, 2, 4)
VITPROBE_GEMM_TENSOR_CORE(gemm_tf32_64x64, Tf32Operands<false>, float, 64, 64, 2, 2)
