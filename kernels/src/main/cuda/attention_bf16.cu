// bf16 multi-head self-attention on tensor cores, flash-style (the FlashAttention-2 arrangement): mma.sync
// m16n8k16 for q·kᵀ and for p·v with fp32 accumulators, online softmax in registers. qkv is
// [batch * tokens, 3 * D] bf16 (queries, keys, values, head-major), context [batch * tokens, D] bf16.
//
// A block of 4 warps owns 64 queries of one (image, head); each warp 16 of them. Keys and values stream
// through shared memory 64 at a time, double-buffered with cp.async. A warp's score accumulators (16 x 64)
// are converted in registers into the A fragments of p·v: the m16n8 accumulator layout of two adjacent key
// tiles is exactly the m16n8k16 A layout, so probabilities never touch shared memory.
//
// When `probs` is not null the softmax is wanted too ([batch * heads * tokens, tokens], fp32): a first pass
// over the keys computes every row's final max and sum, and the main pass produces exact probabilities,
// stores them and accumulates the context with them. Only that optional output costs a second pass.
// Requires head_dim in {16, 32, 64} and D % 8 == 0 (16-byte rows); rows past the last token are zero-filled.
#include "attention_tensor_core.cuh"

namespace {
constexpr int kQueries = 64, kKeys = 64, kThreads = 128;

template <int head_dim>
struct Tiles {
    static constexpr int stride = head_dim + 8;  // +16 bytes: ldmatrix rows land in distinct bank groups
    bf16 q[kQueries][stride];
    bf16 k[2][kKeys][stride];
    bf16 v[2][kKeys][stride];
};

// cp.async of a 64-row tile of one head's columns (starting at `columns`), zeros past the last token.
template <int head_dim>
__device__ void load_tile_async(bf16 (*tile)[head_dim + 8], const bf16* columns, int row0, int tokens, int ld) {
    constexpr int chunks_per_row = head_dim / 8;  // 8 bf16 per 16-byte copy
    for (int i = threadIdx.x; i < 64 * chunks_per_row; i += kThreads) {
        const int r = i / chunks_per_row, c = i % chunks_per_row;
        const bool valid = row0 + r < tokens;
        cp_async_16(&tile[r][c * 8], valid ? columns + static_cast<long long>(row0 + r) * ld + c * 8 : columns, valid);
    }
}

// Scores of this warp's 16 queries against key tile `stage`, times scale·log2(e), keys past the end -inf.
// Accumulator j holds keys j*8 ..: c0, c1 at row lane/4, keys 2(lane%4) and +1; c2, c3 at row lane/4 + 8.
template <int head_dim>
__device__ void score_tile(const Tiles<head_dim>& s, int stage, const uint32_t (&q)[head_dim / 16][4],
                           float (&scores)[kKeys / 8][4], int key0, int tokens, float scale_log2) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int j = 0; j < kKeys / 8; j++)
#pragma unroll
        for (int e = 0; e < 4; e++) scores[j][e] = 0.f;
#pragma unroll
    for (int ks = 0; ks < head_dim / 16; ks++) {
#pragma unroll
        for (int j = 0; j < kKeys / 8; j += 2) {
            // Matrices: keys of tile j at d 0-7, at d 8-15, then tile j + 1 likewise -> B fragments of j, j + 1.
            uint32_t b[4];
            ldmatrix_x4(b, &s.k[stage][j * 8 + lane % 8 + (lane / 16) * 8][ks * 16 + ((lane / 8) % 2) * 8]);
            mma_bf16_16x8x16(scores[j], q[ks], b);
            mma_bf16_16x8x16(scores[j + 1], q[ks], b + 2);
        }
    }
#pragma unroll
    for (int j = 0; j < kKeys / 8; j++)
#pragma unroll
        for (int e = 0; e < 4; e++) {
            const int key = key0 + j * 8 + (lane % 4) * 2 + (e & 1);
            scores[j][e] = key < tokens ? scores[j][e] * scale_log2 : -INFINITY;
        }
}

// out += p · v for key tile `stage`; p is this warp's 16 x 64 probabilities in accumulator layout.
template <int head_dim>
__device__ void accumulate_values(const Tiles<head_dim>& s, int stage, const float (&p)[kKeys / 8][4],
                                  float (&out)[head_dim / 8][4]) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int c = 0; c < kKeys / 16; c++) {
        // Keys 16c .. 16c+15 as an A fragment: tile 2c gives a0-a3 (k 0-7), tile 2c + 1 gives a4-a7 (k 8-15).
        const uint32_t a[4] = {pack_bf16x2(p[2 * c][0], p[2 * c][1]), pack_bf16x2(p[2 * c][2], p[2 * c][3]),
                               pack_bf16x2(p[2 * c + 1][0], p[2 * c + 1][1]), pack_bf16x2(p[2 * c + 1][2], p[2 * c + 1][3])};
#pragma unroll
        for (int dj = 0; dj < head_dim / 8; dj += 2) {
            // Values are stored [key][d]; transposed loads give B fragments (consecutive keys per register):
            // keys 0-7 / 8-15 of the chunk for head columns dj*8 .., then for (dj + 1)*8 ..
            uint32_t b[4];
            ldmatrix_x4_trans(b, &s.v[stage][c * 16 + lane % 8 + ((lane / 8) % 2) * 8][dj * 8 + (lane / 16) * 8]);
            mma_bf16_16x8x16(out[dj], a, b);
            mma_bf16_16x8x16(out[dj + 1], a, b + 2);
        }
    }
}

template <int head_dim>
__device__ void attention(const bf16* qkv, bf16* context, float* probs, int tokens, int heads, float scale_log2) {
    __shared__ __align__(16) Tiles<head_dim> s;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int image = blockIdx.y / heads, head = blockIdx.y % heads;
    const int dim = heads * head_dim, ld = 3 * dim;
    const int query0 = blockIdx.x * kQueries, warp_query0 = query0 + warp * 16;
    const bf16* queries = qkv + static_cast<long long>(image) * tokens * ld + head * head_dim;
    const bf16* keys = queries + dim;
    const bf16* values = queries + 2 * dim;
    const int tiles = (tokens + kKeys - 1) / kKeys;

    load_tile_async<head_dim>(s.q, queries, query0, tokens, ld);
    cp_async_commit();
    cp_async_wait<0>();
    __syncthreads();
    uint32_t q[head_dim / 16][4];  // this warp's 16 query rows as A fragments, kept for the whole kernel
#pragma unroll
    for (int ks = 0; ks < head_dim / 16; ks++)
        ldmatrix_x4(q[ks], &s.q[warp * 16 + lane % 16][ks * 16 + (lane / 16) * 8]);

    float row_max[2] = {-INFINITY, -INFINITY};
    float row_sum[2] = {0.f, 0.f};  // this lane's share; the quad's four shares are added at the end
    float scores[kKeys / 8][4];

    if (probs != nullptr) {  // statistics pass: keys only
        load_tile_async<head_dim>(s.k[0], keys, 0, tokens, ld);
        cp_async_commit();
        for (int t = 0; t < tiles; t++) {
            __syncthreads();  // everyone is done with the buffer that tile t + 1 goes to
            if (t + 1 < tiles) load_tile_async<head_dim>(s.k[(t + 1) % 2], keys, (t + 1) * kKeys, tokens, ld);
            cp_async_commit();
            cp_async_wait<1>();  // tile t has landed
            __syncthreads();
            score_tile(s, t % 2, q, scores, t * kKeys, tokens, scale_log2);
            accumulate_row_statistics<true>(scores, row_max, row_sum);
        }
#pragma unroll
        for (int h = 0; h < 2; h++) row_sum[h] = group_sum<4>(row_sum[h]);
        __syncthreads();  // the main pass reuses the key buffers
    }

    float out[head_dim / 8][4] = {};
    load_tile_async<head_dim>(s.k[0], keys, 0, tokens, ld);
    load_tile_async<head_dim>(s.v[0], values, 0, tokens, ld);
    cp_async_commit();
    for (int t = 0; t < tiles; t++) {
        __syncthreads();
        if (t + 1 < tiles) {
            load_tile_async<head_dim>(s.k[(t + 1) % 2], keys, (t + 1) * kKeys, tokens, ld);
            load_tile_async<head_dim>(s.v[(t + 1) % 2], values, (t + 1) * kKeys, tokens, ld);
        }
        cp_async_commit();
        cp_async_wait<1>();
        __syncthreads();
        const int key0 = t * kKeys;
        score_tile(s, t % 2, q, scores, key0, tokens, scale_log2);
        scores_to_weights<true>(scores, row_max, row_sum, out, probs, warp_query0, key0, tokens);
        accumulate_values(s, t % 2, scores, out);
    }
    cp_async_wait<0>();
    store_context(out, row_sum, probs != nullptr, context, image, head, warp_query0, tokens, dim);
}
}  // namespace

// Grid: (ceil(tokens / kQueries), batch * heads); kThreads threads. scale_log2 = log2(e) / sqrt(head_dim).
#define VITPROBE_ATTENTION_BF16(head_dim)                                                                              \
    VITPROBE_LAUNCH_SHAPE(attention_bf16_hd##head_dim, kThreads, kQueries, head_dim, 0)                              \
    extern "C" __global__ void __launch_bounds__(kThreads, 2)                                                        \
    attention_bf16_hd##head_dim(const bf16* qkv, bf16* context, float* probs, int tokens, int heads, float scale_log2) { \
        attention<head_dim>(qkv, context, probs, tokens, heads, scale_log2);                                        \
    }

VITPROBE_ATTENTION_BF16(16)
VITPROBE_ATTENTION_BF16(32)
VITPROBE_ATTENTION_BF16(64)
