// The softmax and context output of the tensor-core attention kernels (attention_bf16.cu, attention_tf32.cu),
// which differ only in how they compute scores and p·v. A warp owns 16 query rows; its scores [key tiles][4] and
// context accumulators [head tiles][4] are in the mma.sync m16n8 C layout: c0, c1 at row lane/4, columns
// 2(lane%4) and +1; c2, c3 at row lane/4 + 8. So row half h (0: row lane/4, 1: row lane/4 + 8) is elements 2h and
// 2h + 1 of every tile, and the 4 lanes of a quad share those rows (each lane keeps its share of a row sum).
// `base2`: the scores were scaled by log2(e) and are exponentiated with exp2f (bf16); otherwise expf (tf32).
#pragma once

#include "common.cuh"

template <bool base2>
__device__ __forceinline__ float softmax_exp(float x) { return base2 ? exp2f(x) : expf(x); }

// Max over the tile's keys for row half h, across the quad.
template <int key_tiles>
__device__ __forceinline__ float tile_row_max(const float (&scores)[key_tiles][4], int h) {
    float m = -INFINITY;
#pragma unroll
    for (int j = 0; j < key_tiles; j++) m = fmaxf(m, fmaxf(scores[j][2 * h], scores[j][2 * h + 1]));
    return group_max<4>(m);
}

// Statistics pass (only when probabilities are wanted): folds one score tile into the running row max and this
// lane's share of the row sum.
template <bool base2, int key_tiles>
__device__ __forceinline__ void accumulate_row_statistics(const float (&scores)[key_tiles][4], float (&row_max)[2],
                                                          float (&row_sum)[2]) {
#pragma unroll
    for (int h = 0; h < 2; h++) {
        const float m = fmaxf(row_max[h], tile_row_max(scores, h));
        float e = 0.f;
#pragma unroll
        for (int j = 0; j < key_tiles; j++)
            e += softmax_exp<base2>(scores[j][2 * h] - m) + softmax_exp<base2>(scores[j][2 * h + 1] - m);
        row_sum[h] = row_sum[h] * softmax_exp<base2>(row_max[h] - m) + e;
        row_max[h] = m;
    }
}

// Main pass: turns the score tile of keys [key0, key0 + 8 * key_tiles) into the weights of p·v, in place.
// With `probs` the statistics pass has fixed every row's max and full sum, so the weights are the exact
// probabilities and are stored too; without, this is the online softmax and `out` is rescaled to the new max.
// warp_query0: the first of this warp's 16 queries; probs rows are indexed by (image, head) = blockIdx.y.
template <bool base2, int key_tiles, int head_tiles>
__device__ __forceinline__ void scores_to_weights(float (&scores)[key_tiles][4], float (&row_max)[2], float (&row_sum)[2],
                                                  float (&out)[head_tiles][4], float* probs, int warp_query0, int key0,
                                                  int tokens) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int h = 0; h < 2; h++) {
        if (probs != nullptr) {  // exact probabilities from the statistics pass, stored as they are made
            const float inv = 1.f / row_sum[h];
            const int query = warp_query0 + lane / 4 + h * 8;
            float* row = probs + (static_cast<long long>(blockIdx.y) * tokens + query) * tokens;
#pragma unroll
            for (int j = 0; j < key_tiles; j++)
#pragma unroll
                for (int e = 2 * h; e < 2 * h + 2; e++) {
                    scores[j][e] = softmax_exp<base2>(scores[j][e] - row_max[h]) * inv;
                    const int key = key0 + j * 8 + (lane % 4) * 2 + (e & 1);
                    if (query < tokens && key < tokens) row[key] = scores[j][e];
                }
        } else {  // online softmax: rescale what was accumulated under the old max
            const float m = fmaxf(row_max[h], tile_row_max(scores, h));
            const float rescale = softmax_exp<base2>(row_max[h] - m);  // 0 on the first tile (old max -inf)
            float e_sum = 0.f;
#pragma unroll
            for (int j = 0; j < key_tiles; j++)
#pragma unroll
                for (int e = 2 * h; e < 2 * h + 2; e++) {
                    scores[j][e] = softmax_exp<base2>(scores[j][e] - m);
                    e_sum += scores[j][e];
                }
            row_sum[h] = row_sum[h] * rescale + e_sum;
            row_max[h] = m;
#pragma unroll
            for (int dj = 0; dj < head_tiles; dj++) {
                out[dj][2 * h] *= rescale;
                out[dj][2 * h + 1] *= rescale;
            }
        }
    }
}

// Writes this warp's rows of one head's context columns [image * tokens + query][head * 8 * head_tiles ..]:
// `out` divided by the row sums, unless the weights were exact probabilities already.
template <int head_tiles, class Out>
__device__ __forceinline__ void store_context(const float (&out)[head_tiles][4], const float (&row_sum)[2], bool exact,
                                              Out* context, int image, int head, int warp_query0, int tokens, int dim) {
    const int lane = threadIdx.x % 32;
#pragma unroll
    for (int h = 0; h < 2; h++) {
        const int query = warp_query0 + lane / 4 + h * 8;
        const float inv = exact ? 1.f : 1.f / group_sum<4>(row_sum[h]);  // every lane takes part in the shuffle
        if (query >= tokens) continue;
        Out* row = context + (static_cast<long long>(image) * tokens + query) * dim + head * (head_tiles * 8) + (lane % 4) * 2;
#pragma unroll
        for (int dj = 0; dj < head_tiles; dj++) store_pair(row + dj * 8, out[dj][2 * h] * inv, out[dj][2 * h + 1] * inv);
    }
}
