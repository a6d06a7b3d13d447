// Memory-bound glue of the ViT forward: patch extraction, token assembly, residual add, column copies and
// fp32 <-> bf16 conversion. One thread per output element, kThreads threads per block: these passes are a few
// percent of a forward, so they stay as simple as possible.
#include "common.cuh"

constexpr int kThreads = 256;

// A block writes kThreads consecutive elements of the output (a kThreads x 1 tile of it, flattened).
#define VITPROBE_ELEMENTWISE_SHAPE(kernel) VITPROBE_LAUNCH_SHAPE(kernel, kThreads, kThreads, 1, 0)

__device__ __forceinline__ long long element_index() {
    return static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
}

// images [batch, channels, height, width] -> patches [batch * rows * cols, channels * patch * patch] with
// rows = height / patch and cols = width / patch: one row per patch (row-major over the grid), each row ordered
// (channel, y, x) like a flattened convolution kernel.
template <class Out>
__device__ void patchify(const float* images, Out* patches, int batch, int channels, int height, int width,
                         int patch) {
    const int rows = height / patch, cols = width / patch;
    const int patch_width = channels * patch * patch;
    const long long total = static_cast<long long>(batch) * rows * cols * patch_width;
    const long long i = element_index();
    if (i >= total) return;
    const int column = static_cast<int>(i % patch_width);
    const long long row = i / patch_width;
    const int x = column % patch, y = (column / patch) % patch, channel = column / (patch * patch);
    const int gx = static_cast<int>(row % cols), gy = static_cast<int>((row / cols) % rows);
    const long long image = row / (static_cast<long long>(rows) * cols);
    const long long from = ((image * channels + channel) * height + gy * patch + y) * width + gx * patch + x;
    store(patches + i, images[from]);
}

VITPROBE_ELEMENTWISE_SHAPE(patchify_f32)
extern "C" __global__ void patchify_f32(const float* images, float* patches, int batch, int channels, int height,
                                        int width, int patch) {
    patchify(images, patches, batch, channels, height, width, patch);
}

VITPROBE_ELEMENTWISE_SHAPE(patchify_bf16)
extern "C" __global__ void patchify_bf16(const float* images, bf16* patches, int batch, int channels, int height,
                                         int width, int patch) {
    patchify(images, patches, batch, channels, height, width, patch);
}

// tokens[b, 0] = cls + pos[0]; tokens[b, 1 + i] = patchEmbeddings[b, i] + pos[1 + i]; all rows `dim` wide.
template <class In>
__device__ void embed_tokens(const In* patch_embeddings, const float* cls, const float* pos, float* tokens, int batch,
                             int token_count, int dim) {
    const long long total = static_cast<long long>(batch) * token_count * dim;
    const long long i = element_index();
    if (i >= total) return;
    const int c = static_cast<int>(i % dim);
    const long long row = i / dim;
    const int t = static_cast<int>(row % token_count);
    const long long b = row / token_count;
    const float value = t == 0 ? cls[c] : to_float(patch_embeddings[(b * (token_count - 1) + t - 1) * dim + c]);
    tokens[i] = value + pos[static_cast<long long>(t) * dim + c];
}

VITPROBE_ELEMENTWISE_SHAPE(embed_tokens_f32)
extern "C" __global__ void embed_tokens_f32(const float* patch_embeddings, const float* cls, const float* pos, float* tokens,
                                            int batch, int token_count, int dim) {
    embed_tokens(patch_embeddings, cls, pos, tokens, batch, token_count, dim);
}

VITPROBE_ELEMENTWISE_SHAPE(embed_tokens_bf16)
extern "C" __global__ void embed_tokens_bf16(const bf16* patch_embeddings, const float* cls, const float* pos, float* tokens,
                                             int batch, int token_count, int dim) {
    embed_tokens(patch_embeddings, cls, pos, tokens, batch, token_count, dim);
}

// out = a + b (out may alias a or b: each element is read before it is written, by the same thread).
VITPROBE_ELEMENTWISE_SHAPE(add_f32)
extern "C" __global__ void add_f32(const float* a, const float* b, float* out, long long n) {
    const long long i = element_index();
    if (i < n) out[i] = a[i] + b[i];
}

// out[r, c] = src[r, from + c] for c < out_cols, converted to fp32 (intermediates leave the device as fp32).
template <class In>
__device__ void copy_columns(const In* src, float* out, int rows, int src_cols, int from, int out_cols) {
    const long long i = element_index();
    if (i >= static_cast<long long>(rows) * out_cols) return;
    const long long r = i / out_cols;
    const int c = static_cast<int>(i % out_cols);
    out[i] = to_float(src[r * src_cols + from + c]);
}

VITPROBE_ELEMENTWISE_SHAPE(copy_columns_f32)
extern "C" __global__ void copy_columns_f32(const float* src, float* out, int rows, int src_cols, int from, int out_cols) {
    copy_columns(src, out, rows, src_cols, from, out_cols);
}

VITPROBE_ELEMENTWISE_SHAPE(copy_columns_bf16)
extern "C" __global__ void copy_columns_bf16(const bf16* src, float* out, int rows, int src_cols, int from, int out_cols) {
    copy_columns(src, out, rows, src_cols, from, out_cols);
}

VITPROBE_ELEMENTWISE_SHAPE(convert_f32_to_bf16)
extern "C" __global__ void convert_f32_to_bf16(const float* in, bf16* out, long long n) {
    const long long i = element_index();
    if (i < n) out[i] = to_bf16(in[i]);
}

VITPROBE_ELEMENTWISE_SHAPE(convert_bf16_to_f32)
extern "C" __global__ void convert_bf16_to_f32(const bf16* in, float* out, long long n) {
    const long long i = element_index();
    if (i < n) out[i] = to_float(in[i]);
}
