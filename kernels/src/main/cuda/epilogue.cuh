// The fused end of every linear layer: out = act(acc + bias) (+ residual), the order the CPU backend uses.
#pragma once

#include "common.cuh"

// bias [N] is always present (a layer without one gets zeros); residual [M, N] fp32 may be null.
__device__ __forceinline__ float finish_linear(float acc, const float* bias, const float* residual, long long at,
                                               int column, int gelu) {
    float v = acc + bias[column];
    if (gelu) v = gelu_exact(v);
    if (residual != nullptr) v += residual[at];
    return v;
}
