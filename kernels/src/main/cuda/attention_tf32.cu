// fp32 multi-head self-attention on tensor cores: the flash-style structure of attention_bf16.cu with fp32 data
// and mma.sync m16n8k8 on tf32 operands. The "3x" kernels split every operand into tf32 big + small parts and
// accumulate small·big + big·small + big·big, which keeps fp32 accuracy (precision fp32); the plain ones use
// big·big only (precision tf32). qkv [batch * tokens, 3 * D] and context [batch * tokens, D] are fp32.
//
// A block of 4 warps owns 64 queries of one (image, head), each warp 16; keys and values stream through shared
// memory 32 at a time. Unlike bf16, the m16n8 accumulator layout is not the tf32 A-fragment layout, so each warp
// passes its probabilities through a small shared-memory tile between the two products. Shared rows are padded so
// that the fragment loads of a warp hit 32 distinct banks (row strides of 4 mod 32 floats for row-indexed
// fragments, 8 mod 32 for the values, whose fragments index rows by lane % 4).
// `probs` works as in the other attention kernels (statistics pass, then exact probabilities).
#include "attention_tensor_core.cuh"

namespace {
constexpr int kQueries = 64, kKeys = 32, kThreads = 128;

template <int head_dim>
struct Tiles {
    float q[kQueries][head_dim + 4];
    float k[kKeys][head_dim + 4];
    float v[kKeys][head_dim + 8];
    float p[4][16][kKeys + 4];  // per warp
};

// d += a·b with the operand split of the precision (see the file comment).
template <bool split>
__device__ __forceinline__ void mma_split(float d[4], const uint32_t (&a_big)[4], const uint32_t (&a_small)[4],
                                          const uint32_t (&b_big)[2], const uint32_t (&b_small)[2]) {
    if (split) {
        mma_tf32_16x8x8(d, a_small, b_big);
        mma_tf32_16x8x8(d, a_big, b_small);
    }
    mma_tf32_16x8x8(d, a_big, b_big);
}

// A fragment (m16k8, tf32) of rows [0, 16) x columns [k0, k0 + 8) of a row-major tile with `stride` floats per row:
// a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4).
template <bool split>
__device__ __forceinline__ void load_a(const float* tile, int stride, int k0, uint32_t (&big)[4], uint32_t (&small)[4]) {
    const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
    const float* at = tile + g * stride + k0 + t;
    split_tf32<split>(at[0], big[0], small[0]);
    split_tf32<split>(at[8 * stride], big[1], small[1]);
    split_tf32<split>(at[4], big[2], small[2]);
    split_tf32<split>(at[8 * stride + 4], big[3], small[3]);
}

// Copies rows [row0, row0 + rows) of one head's columns into a padded tile, zeros past the last token.
template <int head_dim, int rows, int stride>
__device__ void load_rows(float (*tile)[stride], const float* columns, int row0, int tokens, int ld) {
    constexpr int vectors = head_dim / 4;
    for (int i = threadIdx.x; i < rows * vectors; i += kThreads) {
        const int r = i / vectors, c = (i % vectors) * 4;
        float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
        if (row0 + r < tokens) v = *reinterpret_cast<const float4*>(columns + static_cast<long long>(row0 + r) * ld + c);
        *reinterpret_cast<float4*>(&tile[r][c]) = v;
    }
}

// This warp's scores against the key tile, times `scale`, keys past the end -inf. Accumulator j holds keys
// j*8 ..: c0, c1 at row lane/4, keys 2(lane%4), +1; c2, c3 at row lane/4 + 8.
template <int head_dim, bool split>
__device__ void score_tile(const Tiles<head_dim>& s, int warp, float (&scores)[kKeys / 8][4], int key0, int tokens, float scale) {
    const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
#pragma unroll
    for (int j = 0; j < kKeys / 8; j++)
#pragma unroll
        for (int e = 0; e < 4; e++) scores[j][e] = 0.f;
#pragma unroll
    for (int k0 = 0; k0 < head_dim; k0 += 8) {
        uint32_t a_big[4], a_small[4];
        load_a<split>(&s.q[warp * 16][0], head_dim + 4, k0, a_big, a_small);
#pragma unroll
        for (int j = 0; j < kKeys / 8; j++) {
            // B (k8 x n8) = K rows j*8 .. as columns: b0 (d t, key g), b1 (d t + 4, key g).
            uint32_t b_big[2], b_small[2];
            split_tf32<split>(s.k[j * 8 + g][k0 + t], b_big[0], b_small[0]);
            split_tf32<split>(s.k[j * 8 + g][k0 + t + 4], b_big[1], b_small[1]);
            mma_split<split>(scores[j], a_big, a_small, b_big, b_small);
        }
    }
#pragma unroll
    for (int j = 0; j < kKeys / 8; j++)
#pragma unroll
        for (int e = 0; e < 4; e++) {
            const int key = key0 + j * 8 + t * 2 + (e & 1);
            scores[j][e] = key < tokens ? scores[j][e] * scale : -INFINITY;
        }
}

// out += p · v for the key tile; p goes through this warp's shared tile to become A fragments.
template <int head_dim, bool split>
__device__ void accumulate_values(Tiles<head_dim>& s, int warp, const float (&p)[kKeys / 8][4], float (&out)[head_dim / 8][4]) {
    const int lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
    float (*mine)[kKeys + 4] = s.p[warp];
#pragma unroll
    for (int j = 0; j < kKeys / 8; j++) {
        mine[g][j * 8 + 2 * t] = p[j][0];
        mine[g][j * 8 + 2 * t + 1] = p[j][1];
        mine[g + 8][j * 8 + 2 * t] = p[j][2];
        mine[g + 8][j * 8 + 2 * t + 1] = p[j][3];
    }
    __syncwarp();
#pragma unroll
    for (int k0 = 0; k0 < kKeys; k0 += 8) {
        uint32_t a_big[4], a_small[4];
        load_a<split>(&mine[0][0], kKeys + 4, k0, a_big, a_small);
#pragma unroll
        for (int dj = 0; dj < head_dim / 8; dj++) {
            // B (k8 x n8) = values: b0 (key t, d g), b1 (key t + 4, d g).
            uint32_t b_big[2], b_small[2];
            split_tf32<split>(s.v[k0 + t][dj * 8 + g], b_big[0], b_small[0]);
            split_tf32<split>(s.v[k0 + t + 4][dj * 8 + g], b_big[1], b_small[1]);
            mma_split<split>(out[dj], a_big, a_small, b_big, b_small);
        }
    }
    __syncwarp();  // the tile is rewritten for the next keys only after every lane has read it
}

template <int head_dim, bool split>
__device__ void attention(const float* qkv, float* context, float* probs, int tokens, int heads, float scale) {
    __shared__ __align__(16) Tiles<head_dim> s;
    const int warp = threadIdx.x / 32;
    const int image = blockIdx.y / heads, head = blockIdx.y % heads;
    const int dim = heads * head_dim, ld = 3 * dim;
    const int query0 = blockIdx.x * kQueries, warp_query0 = query0 + warp * 16;
    const float* queries = qkv + static_cast<long long>(image) * tokens * ld + head * head_dim;
    const float* keys = queries + dim;
    const float* values = queries + 2 * dim;

    load_rows<head_dim, kQueries, head_dim + 4>(s.q, queries, query0, tokens, ld);
    float row_max[2] = {-INFINITY, -INFINITY};
    float row_sum[2] = {0.f, 0.f};  // this lane's share; the quad's four shares are added at the end
    float scores[kKeys / 8][4];

    if (probs != nullptr) {  // statistics pass: final max and sum of every row
        for (int key0 = 0; key0 < tokens; key0 += kKeys) {
            __syncthreads();  // previous keys fully used (and, the first time, the queries stored)
            load_rows<head_dim, kKeys, head_dim + 4>(s.k, keys, key0, tokens, ld);
            __syncthreads();
            score_tile<head_dim, split>(s, warp, scores, key0, tokens, scale);
            accumulate_row_statistics<false>(scores, row_max, row_sum);
        }
#pragma unroll
        for (int h = 0; h < 2; h++) row_sum[h] = group_sum<4>(row_sum[h]);
    }

    float out[head_dim / 8][4] = {};
    for (int key0 = 0; key0 < tokens; key0 += kKeys) {
        __syncthreads();
        load_rows<head_dim, kKeys, head_dim + 4>(s.k, keys, key0, tokens, ld);
        load_rows<head_dim, kKeys, head_dim + 8>(s.v, values, key0, tokens, ld);
        __syncthreads();
        score_tile<head_dim, split>(s, warp, scores, key0, tokens, scale);
        scores_to_weights<false>(scores, row_max, row_sum, out, probs, warp_query0, key0, tokens);
        accumulate_values<head_dim, split>(s, warp, scores, out);
    }
    store_context(out, row_sum, probs != nullptr, context, image, head, warp_query0, tokens, dim);
}
}  // namespace

// Grid: (ceil(tokens / kQueries), batch * heads); kThreads threads. scale = 1 / sqrt(head_dim).
#define VITPROBE_ATTENTION_TF32(name, head_dim, split)                                                        \
    VITPROBE_LAUNCH_SHAPE(name, kThreads, kQueries, head_dim, 0)                                              \
    extern "C" __global__ void __launch_bounds__(kThreads, 2)                                                 \
    name(const float* qkv, float* context, float* probs, int tokens, int heads, float scale) {                \
        attention<head_dim, split>(qkv, context, probs, tokens, heads, scale);                                \
    }

VITPROBE_ATTENTION_TF32(attention_tf32x3_hd16, 16, true)
VITPROBE_ATTENTION_TF32(attention_tf32x3_hd32, 32, true)
VITPROBE_ATTENTION_TF32(attention_tf32x3_hd64, 64, true)
VITPROBE_ATTENTION_TF32(attention_tf32_hd16, 16, false)
VITPROBE_ATTENTION_TF32(attention_tf32_hd32, 32, false)
VITPROBE_ATTENTION_TF32(attention_tf32_hd64, 64, false)
