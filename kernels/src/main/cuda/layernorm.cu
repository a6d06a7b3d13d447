// Row-wise LayerNorm with biased variance, (x - mean) / sqrt(var + eps) * weight + bias, over fp32 rows.
// One warp per row: the row is read once into registers (up to kMaxWidth columns), the mean and then the
// centred sum of squares are reduced with shuffles (two passes over registers, not over memory: as exact as
// the CPU's two-pass float computation), and the result is written in the output type.
#include "common.cuh"

constexpr int kRowsPerBlock = 4;                 // 4 warps
constexpr int kThreads = kRowsPerBlock * 32;
constexpr int kMaxWidth = 1024;                  // ViT-L's 1024 is the widest model we load
constexpr int kPerLane = kMaxWidth / 32;

template <class Out>
__device__ void layernorm(const float* in, const float* weight, const float* bias, Out* out, int rows, int width, float eps) {
    const int lane = threadIdx.x % 32;
    const int row = blockIdx.x * kRowsPerBlock + threadIdx.x / 32;
    if (row >= rows) return;  // whole warps leave together: the shuffles below always see 32 lanes
    const float* x = in + static_cast<long long>(row) * width;
    float v[kPerLane];
    float sum = 0.f;
#pragma unroll
    for (int i = 0; i < kPerLane; i++) {
        const int c = i * 32 + lane;
        v[i] = c < width ? x[c] : 0.f;
        sum += v[i];
    }
    const float mean = warp_sum(sum) / width;
    float squares = 0.f;
#pragma unroll
    for (int i = 0; i < kPerLane; i++) {
        const int c = i * 32 + lane;
        const float d = c < width ? v[i] - mean : 0.f;
        squares += d * d;
    }
    const float rstd = rsqrtf(warp_sum(squares) / width + eps);
    Out* y = out + static_cast<long long>(row) * width;
#pragma unroll
    for (int i = 0; i < kPerLane; i++) {
        const int c = i * 32 + lane;
        if (c < width) store(y + c, (v[i] - mean) * rstd * weight[c] + bias[c]);
    }
}

// A block writes kRowsPerBlock rows of up to kMaxWidth columns.
VITPROBE_LAUNCH_SHAPE(layernorm_f32, kThreads, kRowsPerBlock, kMaxWidth, 0)
extern "C" __global__ void __launch_bounds__(kThreads)
layernorm_f32(const float* in, const float* weight, const float* bias, float* out, int rows, int width, float eps) {
    layernorm(in, weight, bias, out, rows, width, eps);
}

VITPROBE_LAUNCH_SHAPE(layernorm_bf16, kThreads, kRowsPerBlock, kMaxWidth, 0)
extern "C" __global__ void __launch_bounds__(kThreads)
layernorm_bf16(const float* in, const float* weight, const float* bias, bf16* out, int rows, int width, float eps) {
    layernorm(in, weight, bias, out, rows, width, eps);
}
