// fp32 multi-head self-attention on CUDA cores, flash-style: context = softmax(q kᵀ · scale) v without
// materialising the score matrix. qkv is [batch * tokens, 3 * D] (queries, keys, values, each head-major),
// context [batch * tokens, D]. A block owns 64 queries of one (image, head) and walks the keys 32 at a time
// with an online softmax (running row max and row sum, earlier partial results rescaled when the max grows).
//
// When `probs` is not null the softmax itself is wanted ([batch * heads * tokens, tokens]): a first pass over
// the keys computes each row's final max and sum, and the main pass then produces exact probabilities, stores
// them and accumulates context with them (no rescaling needed). Only that optional output costs a second pass.
//
// Threads: 16 x 16. Thread (ty, tx) owns query rows ty*4 .. ty*4+3; of a score tile it computes keys tx*2 and
// tx*2+1, of the context the head columns tx*(head_dim/16) ... The 16 threads of a row group are 16 adjacent
// lanes, so row max and row sum are shuffle reductions over 16 lanes.
#include "common.cuh"

namespace {
constexpr int kQueries = 64, kKeys = 32, kThreads = 256, kRowsPerThread = 4, kKeysPerThread = 2;

template <int head_dim>
struct Tiles {
    float q[kQueries][head_dim + 4];   // +4: the two row groups of a warp read different banks
    float kt[head_dim][kKeys + 2];     // keys transposed: the score loop reads consecutive keys per thread
    float v[kKeys][head_dim];
    float p[kQueries][kKeys + 1];
};

// Copies keys (and values) of tile [key0, key0 + kKeys) into shared memory, zeros past the last token.
template <int head_dim>
__device__ void load_keys(Tiles<head_dim>& s, const float* keys, const float* values, int tokens, int key0, int ld) {
    for (int i = threadIdx.x; i < kKeys * head_dim; i += kThreads) {
        const int key = i % kKeys, d = i / kKeys;  // consecutive threads: consecutive keys, conflict-free stores
        const bool valid = key0 + key < tokens;
        s.kt[d][key] = valid ? keys[static_cast<long long>(key0 + key) * ld + d] : 0.f;
    }
    if (values == nullptr) return;
    for (int i = threadIdx.x; i < kKeys * head_dim; i += kThreads) {
        const int key = i / head_dim, d = i % head_dim;
        const bool valid = key0 + key < tokens;
        s.v[key][d] = valid ? values[static_cast<long long>(key0 + key) * ld + d] : 0.f;
    }
}

// scores[r][c] = q[row r] · k[key c] · scale for this thread's rows and keys; keys past the end get -inf.
template <int head_dim>
__device__ void score_tile(const Tiles<head_dim>& s, float scores[kRowsPerThread][kKeysPerThread], int key0, int tokens,
                           float scale) {
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
#pragma unroll
    for (int r = 0; r < kRowsPerThread; r++)
#pragma unroll
        for (int c = 0; c < kKeysPerThread; c++) scores[r][c] = 0.f;
#pragma unroll 16
    for (int d = 0; d < head_dim; d++) {
        const float2 k = *reinterpret_cast<const float2*>(&s.kt[d][tx * 2]);
#pragma unroll
        for (int r = 0; r < kRowsPerThread; r++) {
            const float q = s.q[ty * 4 + r][d];
            scores[r][0] = fmaf(q, k.x, scores[r][0]);
            scores[r][1] = fmaf(q, k.y, scores[r][1]);
        }
    }
#pragma unroll
    for (int r = 0; r < kRowsPerThread; r++)
#pragma unroll
        for (int c = 0; c < kKeysPerThread; c++)
            scores[r][c] = key0 + tx * 2 + c < tokens ? scores[r][c] * scale : -INFINITY;
}

template <int head_dim>
__device__ void attention(const float* qkv, float* context, float* probs, int tokens, int heads, float scale) {
    constexpr int columns = head_dim / 16;  // context columns per thread
    __shared__ __align__(16) Tiles<head_dim> s;
    const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
    const int image = blockIdx.y / heads, head = blockIdx.y % heads;
    const int dim = heads * head_dim, ld = 3 * dim;
    const int query0 = blockIdx.x * kQueries;
    const float* base = qkv + static_cast<long long>(image) * tokens * ld + head * head_dim;
    const float* keys = base + dim;
    const float* values = base + 2 * dim;

    for (int i = threadIdx.x; i < kQueries * head_dim; i += kThreads) {
        const int r = i / head_dim, d = i % head_dim;
        s.q[r][d] = query0 + r < tokens ? base[static_cast<long long>(query0 + r) * ld + d] : 0.f;
    }

    float row_max[kRowsPerThread], row_sum[kRowsPerThread];
#pragma unroll
    for (int r = 0; r < kRowsPerThread; r++) {
        row_max[r] = -INFINITY;
        row_sum[r] = 0.f;
    }
    float scores[kRowsPerThread][kKeysPerThread];

    if (probs != nullptr) {  // statistics pass: final max and sum of every row
        for (int key0 = 0; key0 < tokens; key0 += kKeys) {
            __syncthreads();  // previous tile fully used (and, the first time, q loaded)
            load_keys(s, keys, nullptr, tokens, key0, ld);
            __syncthreads();
            score_tile(s, scores, key0, tokens, scale);
#pragma unroll
            for (int r = 0; r < kRowsPerThread; r++) {
                const float m = fmaxf(row_max[r], group_max<16>(fmaxf(scores[r][0], scores[r][1])));
                const float e = expf(scores[r][0] - m) + expf(scores[r][1] - m);
                row_sum[r] = row_sum[r] * expf(row_max[r] - m) + group_sum<16>(e);
                row_max[r] = m;
            }
        }
    }

    float out[kRowsPerThread][columns] = {};
    for (int key0 = 0; key0 < tokens; key0 += kKeys) {
        __syncthreads();
        load_keys(s, keys, values, tokens, key0, ld);
        __syncthreads();
        score_tile(s, scores, key0, tokens, scale);
#pragma unroll
        for (int r = 0; r < kRowsPerThread; r++) {
            float p0, p1;
            if (probs != nullptr) {  // exact probabilities from the statistics pass
                const float inv = 1.f / row_sum[r];
                p0 = expf(scores[r][0] - row_max[r]) * inv;
                p1 = expf(scores[r][1] - row_max[r]) * inv;
                const int query = query0 + ty * 4 + r, key = key0 + tx * 2;
                if (query < tokens) {
                    float* row = probs + (static_cast<long long>(blockIdx.y) * tokens + query) * tokens;
                    if (key < tokens) row[key] = p0;
                    if (key + 1 < tokens) row[key + 1] = p1;
                }
            } else {  // online softmax: rescale what was accumulated under the old max
                const float m = fmaxf(row_max[r], group_max<16>(fmaxf(scores[r][0], scores[r][1])));
                const float rescale = expf(row_max[r] - m);  // 0 on the first tile (old max -inf)
                p0 = expf(scores[r][0] - m);
                p1 = expf(scores[r][1] - m);
                row_sum[r] = row_sum[r] * rescale + group_sum<16>(p0 + p1);
                row_max[r] = m;
#pragma unroll
                for (int c = 0; c < columns; c++) out[r][c] *= rescale;
            }
            s.p[ty * 4 + r][tx * 2] = p0;
            s.p[ty * 4 + r][tx * 2 + 1] = p1;
        }
        __syncthreads();
#pragma unroll 8
        for (int key = 0; key < kKeys; key++) {
            float v[columns];
#pragma unroll
            for (int c = 0; c < columns; c++) v[c] = s.v[key][tx * columns + c];
#pragma unroll
            for (int r = 0; r < kRowsPerThread; r++) {
                const float p = s.p[ty * 4 + r][key];
#pragma unroll
                for (int c = 0; c < columns; c++) out[r][c] = fmaf(p, v[c], out[r][c]);
            }
        }
    }

#pragma unroll
    for (int r = 0; r < kRowsPerThread; r++) {
        const int query = query0 + ty * 4 + r;
        if (query >= tokens) continue;
        const float inv = probs != nullptr ? 1.f : 1.f / row_sum[r];
        float* row = context + (static_cast<long long>(image) * tokens + query) * dim + head * head_dim + tx * columns;
#pragma unroll
        for (int c = 0; c < columns; c++) row[c] = out[r][c] * inv;
    }
}
}  // namespace

// Grid: (ceil(tokens / kQueries), batch * heads); kThreads threads.
#define VITPROBE_ATTENTION_F32(head_dim)                                                                             \
    VITPROBE_LAUNCH_SHAPE(attention_f32_hd##head_dim, kThreads, kQueries, head_dim, 0)                             \
    extern "C" __global__ void __launch_bounds__(kThreads)                                                         \
    attention_f32_hd##head_dim(const float* qkv, float* context, float* probs, int tokens, int heads, float scale) { \
        attention<head_dim>(qkv, context, probs, tokens, heads, scale);                                           \
    }

VITPROBE_ATTENTION_F32(16)
VITPROBE_ATTENTION_F32(32)
VITPROBE_ATTENTION_F32(64)
