#pragma once
// The CPU backend's GEMM: row-major C[m x n] = alpha * op(A) * op(B) + beta * C, single-threaded
// (the backend's OpenMP threads each multiply their own tile), on keychroma's register tiles
// (cpu_microkernels.hpp) for the instruction set cpu_kernel_path.hpp chose, or on the BLAS.
//
// Blocking, as in BLIS (Van Zee & van de Geijn 2015), with the loops the backend's shapes need:
// the depth is cut into blocks of `depth_block`; op(B)'s rows of a block are packed into panels
// as wide as the tile (zero past the last column), then every `rows`-row slab of op(A) is
// multiplied into every panel. The slab's 12 x 256 floats (12 KiB) stay in L1 across the
// panels, and the packed block (256 x n floats, at most 512 KiB for the paper's 512 channels) in
// L2 across the slabs. op(A) is read where it lies: either way round, a depth step of the tile
// reads one value per row (a broadcast), so packing it would only copy. op(B) is the operand
// that is re-read: the backend's weights are packed once per layer call (pack_b, gemm_packed)
// rather than once per row tile, which at 64-96 rows a tile was 10-20% of the product's time.
// The bfloat16 tile is the exception: its A must be rounded first, so it is packed too.
//
// Products with fewer than `narrow` columns (the output layer's 2 channels) run as dot products
// (narrow_product): a tile 16 or 32 columns wide would do 8-16x their work.
//
// Each output is summed in one order whatever the rows of the call, so the result does not
// depend on the thread count or on how the backend splits a product into row tiles; it differs
// from the BLAS's in the last bits (another order of summation).
// tests/nn/test_cpu_kernels.cpp checks every path the CPU has against a double product.

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "keychroma/nn/backend/cpu_blas.hpp"
#include "keychroma/nn/backend/cpu_kernel_path.hpp"
#include "keychroma/nn/backend/cpu_microkernels.hpp"

namespace keychroma::nn::cpu {

/// Depth (k) per packed block: a 32-column B panel of it is 32 KiB.
inline constexpr std::size_t depth_block = 256;
/// Products with fewer columns run as dot products (narrow_product).
inline constexpr std::size_t narrow = 8;

namespace detail {

/// Floats a depth row of op(B) (n columns) takes once packed for kernel set K: n rounded up to
/// whole panels. The depth blocks lie one after another, so block k0 starts at
/// k0 * panel_stride<K>(n).
template <class K>
[[nodiscard]] constexpr std::size_t panel_stride(std::size_t n) noexcept {
    return (n + K::cols - 1) / K::cols * K::cols;
}

/// Whether kernel set K takes its operands as bfloat16 pairs (two depths a float's storage).
template <class K>
inline constexpr bool takes_pairs = std::is_same_v<K, kernels::avx512_bf16>;

/// Where the depth block that starts at k0 lies in op(B) packed for K (n columns).
template <class K>
[[nodiscard]] constexpr std::size_t block_offset(std::size_t k0, std::size_t n) noexcept {
    return (takes_pairs<K> ? k0 / 2 : k0) * panel_stride<K>(n);
}

/// Floats op(B) (k x n) takes once packed for K.
template <class K>
[[nodiscard]] constexpr std::size_t packed_floats(std::size_t k, std::size_t n) noexcept {
    return (takes_pairs<K> ? (k + 1) / 2 : k) * panel_stride<K>(n);
}

/// Panels of op(B)'s rows k0 .. k0 + depth: out[(jp * depth + p) * K::cols + j] =
/// op(B)(k0 + p, jp * K::cols + j), zero past column n.
template <class K>
void pack_block(bool trans, const float* b, std::size_t ldb, std::size_t k0, std::size_t depth,
                std::size_t n, float* out) noexcept {
    constexpr std::size_t cols = K::cols;
    for (std::size_t j0 = 0; j0 < n; j0 += cols) {
        const std::size_t width = std::min(cols, n - j0);
        float* panel = out + (j0 / cols) * depth * cols;
        if (trans) { // op(B)(p, j) = b[j * ldb + p]: read each column of the panel in turn
            std::fill_n(panel, depth * cols, 0.0f);
            for (std::size_t j = 0; j < width; ++j) {
                const float* col = b + (j0 + j) * ldb + k0;
                for (std::size_t p = 0; p < depth; ++p) panel[p * cols + j] = col[p];
            }
            continue;
        }
        for (std::size_t p = 0; p < depth; ++p) {
            const float* src = b + (k0 + p) * ldb + j0;
            float* dst = panel + p * cols;
            if (width == cols) { // a fixed count: a few vector moves, not a call to memmove
                for (std::size_t j = 0; j < cols; ++j) dst[j] = src[j];
                continue;
            }
            for (std::size_t j = 0; j < cols; ++j) dst[j] = j < width ? src[j] : 0.0f;
        }
    }
}

/// tiles<K, RowMajorA>[R - 1] is K's tile for R rows.
template <class K, bool RowMajorA, std::size_t... R>
constexpr auto tile_table(std::index_sequence<R...>) noexcept {
    return std::array<void (*)(const kernels::tile_args&) noexcept, sizeof...(R)>{
        &K::template tile<R + 1, RowMajorA>...};
}
template <class K, bool RowMajorA>
inline constexpr auto tiles = tile_table<K, RowMajorA>(std::make_index_sequence<K::rows>{});

/// C (+)= alpha * op(A)[:, k0 .. k0 + depth] * a packed block, for kernel set K.
template <class K>
void multiply_block(bool trans_a, std::size_t m, std::size_t n, std::size_t k0, std::size_t depth,
                    float alpha, const float* a, std::size_t lda, const float* packed_block,
                    float beta, float* c, std::size_t ldc) {
    const std::size_t panels = (n + K::cols - 1) / K::cols;
    for (std::size_t i0 = 0; i0 < m; i0 += K::rows) {
        const std::size_t rows = std::min(K::rows, m - i0);
        const auto tile = trans_a ? tiles<K, false>[rows - 1] : tiles<K, true>[rows - 1];
        const float* a0 = trans_a ? a + k0 * lda + i0 : a + i0 * lda + k0;
        for (std::size_t jp = 0; jp < panels; ++jp)
            tile({depth, a0, lda, packed_block + jp * depth * K::cols, c + i0 * ldc + jp * K::cols,
                  ldc, std::min(K::cols, n - jp * K::cols), alpha, beta});
    }
}

/// The product on kernel set K with op(B) packed whole (packed) or a block at a time into a
/// buffer of the calling thread (b, ldb), each block right before it is used.
template <class K>
void gemm_on(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k, float alpha,
             const float* a, std::size_t lda, const float* b, std::size_t ldb, const float* packed,
             float beta, float* c, std::size_t ldc) {
    thread_local std::vector<float> block; // kept: the backend calls this thousands of times
    if (!packed) block.resize(panel_stride<K>(n) * std::min(k, depth_block));
    for (std::size_t k0 = 0; k0 < k; k0 += depth_block) {
        const std::size_t depth = std::min(depth_block, k - k0);
        const float* panels = packed ? packed + block_offset<K>(k0, n) : block.data();
        if (!packed) pack_block<K>(trans_b, b, ldb, k0, depth, n, block.data());
        multiply_block<K>(trans_a, m, n, k0, depth, alpha, a, lda, panels, k0 == 0 ? beta : 1.0f, c,
                          ldc);
    }
}

/// C = beta * C without reading C when beta is 0 (k = 0: the product is empty).
template <class T>
void scale_rows(std::size_t m, std::size_t n, T beta, T* c, std::size_t ldc) {
    for (std::size_t i = 0; i < m; ++i) {
        T* row = c + i * ldc;
        if (beta == T(0))
            std::fill_n(row, n, T(0));
        else
            for (std::size_t j = 0; j < n; ++j) row[j] *= beta;
    }
}

/// pack_block for the bfloat16 tile K: out[(jp * pairs + q) * cols + j] holds op(B)(k0 + 2q, j)
/// and op(B)(k0 + 2q + 1, j) of panel jp (zero past column n and past the depth).
template <class K>
void pack_block_pairs(bool trans, const float* b, std::size_t ldb, std::size_t k0,
                      std::size_t depth, std::size_t n, float* out) noexcept {
    constexpr std::size_t cols = K::cols;
    const std::size_t pairs = (depth + 1) / 2;
    std::vector<float> column(trans ? pairs : 0);
    for (std::size_t j0 = 0; j0 < n; j0 += cols) {
        const std::size_t width = std::min(cols, n - j0);
        float* panel = out + (j0 / cols) * pairs * cols;
        if (trans) { // op(B)(p, j) = b[j * ldb + p]: a column's pairs are adjacent
            std::fill_n(panel, pairs * cols, 0.0f);
            for (std::size_t j = 0; j < width; ++j) {
                K::round_pairs(b + (j0 + j) * ldb + k0, depth, column.data());
                for (std::size_t q = 0; q < pairs; ++q) panel[q * cols + j] = column[q];
            }
            continue;
        }
        for (std::size_t q = 0; q < pairs; ++q) {
            const float* even = b + (k0 + 2 * q) * ldb + j0;
            float* dst = panel + q * cols;
            K::interleave_pairs(even, 2 * q + 1 < depth ? even + ldb : nullptr, width, dst);
            std::fill(dst + width, dst + cols, 0.0f);
        }
    }
}

/// op(A)'s depths k0 .. k0 + depth as bfloat16 pairs for the tile K: row-major,
/// out[i * pairs + q], or with `trans` (the rows of op(A) adjacent in a) out[q * m + i].
template <class K>
void pack_a_pairs(bool trans, const float* a, std::size_t lda, std::size_t m, std::size_t k0,
                  std::size_t depth, float* out) noexcept {
    const std::size_t pairs = (depth + 1) / 2;
    if (trans) {
        for (std::size_t q = 0; q < pairs; ++q) {
            const float* even = a + (k0 + 2 * q) * lda;
            K::interleave_pairs(even, 2 * q + 1 < depth ? even + lda : nullptr, m, out + q * m);
        }
        return;
    }
    for (std::size_t i = 0; i < m; ++i) K::round_pairs(a + i * lda + k0, depth, out + i * pairs);
}

/// op(B) (k x n) packed for K, every depth block in turn (pack_block or pack_block_pairs).
template <class K>
void pack_blocks(bool trans, std::size_t k, std::size_t n, const float* b, std::size_t ldb,
                 float* out) noexcept {
    for (std::size_t k0 = 0; k0 < k; k0 += depth_block) {
        const std::size_t depth = std::min(depth_block, k - k0);
        if constexpr (takes_pairs<K>)
            pack_block_pairs<K>(trans, b, ldb, k0, depth, n, out + block_offset<K>(k0, n));
        else
            pack_block<K>(trans, b, ldb, k0, depth, n, out + block_offset<K>(k0, n));
    }
}

/// The product on the bfloat16 tile K: op(A) is rounded block by block into a buffer of the
/// calling thread, op(B) packed whole (packed) or a block at a time like gemm_on.
template <class K>
void gemm_on_pairs(bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
                   float alpha, const float* a, std::size_t lda, const float* b, std::size_t ldb,
                   const float* packed, float beta, float* c, std::size_t ldc) {
    thread_local std::vector<float> block, a_pairs;
    const std::size_t stride = panel_stride<K>(n), max_pairs = (std::min(k, depth_block) + 1) / 2;
    if (!packed) block.resize(stride * max_pairs);
    a_pairs.resize(m * max_pairs);
    const std::size_t panels = stride / K::cols;
    for (std::size_t k0 = 0; k0 < k; k0 += depth_block) {
        const std::size_t depth = std::min(depth_block, k - k0), pairs = (depth + 1) / 2;
        const float* packed_b = packed ? packed + block_offset<K>(k0, n) : block.data();
        if (!packed) pack_block_pairs<K>(trans_b, b, ldb, k0, depth, n, block.data());
        pack_a_pairs<K>(trans_a, a, lda, m, k0, depth, a_pairs.data());
        for (std::size_t i0 = 0; i0 < m; i0 += K::rows) {
            const std::size_t rows = std::min(K::rows, m - i0);
            const auto tile = trans_a ? tiles<K, false>[rows - 1] : tiles<K, true>[rows - 1];
            const float* a0 = trans_a ? a_pairs.data() + i0 : a_pairs.data() + i0 * pairs;
            for (std::size_t jp = 0; jp < panels; ++jp)
                tile({pairs, a0, trans_a ? m : pairs, packed_b + jp * pairs * K::cols,
                      c + i0 * ldc + jp * K::cols, ldc, std::min(K::cols, n - jp * K::cols), alpha,
                      k0 == 0 ? beta : 1.0f});
        }
    }
}

/// Products with fewer than `narrow` columns, on every kernel path: C(i, j) = alpha * op(A)
/// row i . column j of op(B), given as bt[j * k + p] = op(B)(p, j), + beta * C(i, j). The BLAS
/// cannot take them: OpenBLAS sums a product of few rows with its small-matrix kernel, in
/// another order, so the output layer's values depended on how many rows a thread's call had,
/// and colorize's bytes on the thread count. Here every output is summed in one order whatever
/// the call's rows: a row-major op(A) row as 16 interleaved partial sums (vectorised by the
/// compiler) added pairwise at the end; a transposed op(A) (the weight gradient, whose rows
/// lie across a) one depth after another, each output's sum in depth order.
inline void narrow_product(bool trans_a, std::size_t m, std::size_t n, std::size_t k, float alpha,
                           const float* a, std::size_t lda, const float* bt, float beta, float* c,
                           std::size_t ldc) {
    const auto store = [&](std::size_t i, std::size_t j, float sum) {
        float& out = c[i * ldc + j];
        out = beta == 0.0f ? alpha * sum : alpha * sum + beta * out;
    };
    if (trans_a) {
        thread_local std::vector<float> sums; // sums[j * m + i]
        sums.assign(n * m, 0.0f);
        for (std::size_t p = 0; p < k; ++p)
            for (std::size_t j = 0; j < n; ++j) {
                const float b = bt[j * k + p];
                const float* row = a + p * lda;
                float* sum = sums.data() + j * m;
                for (std::size_t i = 0; i < m; ++i) sum[i] += row[i] * b;
            }
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) store(i, j, sums[j * m + i]);
        return;
    }
    constexpr std::size_t lanes = 16;
    for (std::size_t i = 0; i < m; ++i) {
        const float* row = a + i * lda;
        for (std::size_t j = 0; j < n; ++j) {
            const float* col = bt + j * k;
            float part[lanes] = {};
            std::size_t p = 0;
            for (; p + lanes <= k; p += lanes)
                for (std::size_t l = 0; l < lanes; ++l) part[l] += row[p + l] * col[p + l];
            for (std::size_t l = 0; p < k; ++p, ++l) part[l] += row[p] * col[p];
            for (std::size_t width = lanes / 2; width > 0; width /= 2)
                for (std::size_t l = 0; l < width; ++l) part[l] += part[l + width];
            store(i, j, part[0]);
        }
    }
}

/// Whether a product of T runs on keychroma's kernels for `path` (float, not the blas path).
template <class T>
[[nodiscard]] constexpr bool on_kernels(kernel_path path) noexcept {
    return std::is_same_v<T, float> && path != kernel_path::blas;
}

} // namespace detail

/// Values pack_b(path, ...) writes for op(B) of k x n: the tiles' panels; op(B)'s columns one
/// after another for a narrow product; op(B) itself, row-major, for the BLAS (path blas,
/// double).
template <class T>
[[nodiscard]] std::size_t packed_size(kernel_path path, std::size_t k, std::size_t n) noexcept {
    if (!detail::on_kernels<T>(path) || n < narrow) return k * n;
    switch (path) {
    case kernel_path::avx512_bf16:
        return detail::packed_floats<kernels::avx512_bf16>(k, n);
    case kernel_path::avx512:
        return detail::packed_floats<kernels::avx512>(k, n);
    default:
        return detail::packed_floats<kernels::avx2>(k, n);
    }
}

/// op(B) (k x n) laid out once for many products on `path` (the backend's weights, packed
/// before its threads start rather than once per row tile), packed_size(path, k, n) values.
template <class T>
void pack_b(kernel_path path, bool trans_b, std::size_t k, std::size_t n, const T* b,
            std::size_t ldb, T* out) {
    if constexpr (std::is_same_v<T, float>) {
        if (detail::on_kernels<T>(path) && n < narrow) { // columns contiguous: narrow_product
            for (std::size_t j = 0; j < n; ++j)
                for (std::size_t p = 0; p < k; ++p)
                    out[j * k + p] = trans_b ? b[j * ldb + p] : b[p * ldb + j];
            return;
        }
        switch (path) {
        case kernel_path::avx512_bf16:
            return detail::pack_blocks<kernels::avx512_bf16>(trans_b, k, n, b, ldb, out);
        case kernel_path::avx512:
            return detail::pack_blocks<kernels::avx512>(trans_b, k, n, b, ldb, out);
        case kernel_path::avx2:
            return detail::pack_blocks<kernels::avx2>(trans_b, k, n, b, ldb, out);
        case kernel_path::blas:
            break;
        }
    }
    for (std::size_t p = 0; p < k; ++p)
        for (std::size_t j = 0; j < n; ++j)
            out[p * n + j] = trans_b ? b[j * ldb + p] : b[p * ldb + j];
}

namespace detail {

/// gemm and gemm_packed: op(B) is (b, ldb, trans_b) or, when `packed` is not null, what
/// pack_b(path, trans_b, k, n, ...) made of it.
template <class T>
void dispatch(kernel_path path, bool trans_a, bool trans_b, std::size_t m, std::size_t n,
              std::size_t k, T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb,
              const T* packed, T beta, T* c, std::size_t ldc) {
    if (m == 0 || n == 0) return;
    if (k == 0 || alpha == T(0)) return scale_rows(m, n, beta, c, ldc);
    if constexpr (std::is_same_v<T, float>) {
        if (on_kernels<T>(path) && n < narrow) {
            if (packed)
                return narrow_product(trans_a, m, n, k, alpha, a, lda, packed, beta, c, ldc);
            thread_local std::vector<float> columns;
            columns.resize(n * k);
            pack_b<T>(path, trans_b, k, n, b, ldb, columns.data());
            return narrow_product(trans_a, m, n, k, alpha, a, lda, columns.data(), beta, c, ldc);
        }
        if (on_kernels<T>(path)) {
            if (path == kernel_path::avx512_bf16)
                return gemm_on_pairs<kernels::avx512_bf16>(trans_a, trans_b, m, n, k, alpha, a, lda,
                                                           b, ldb, packed, beta, c, ldc);
            if (path == kernel_path::avx512)
                return gemm_on<kernels::avx512>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb,
                                                packed, beta, c, ldc);
            return gemm_on<kernels::avx2>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, packed,
                                          beta, c, ldc);
        }
    }
    if (packed)
        return blas_gemm<T>(trans_a, false, m, n, k, alpha, a, lda, packed, n, beta, c, ldc);
    blas_gemm<T>(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

} // namespace detail

/// C[m x n] = alpha * op(A) * op(B) + beta * C, row-major, leading dimensions as stored, on
/// `path` (its CPU support is the caller's to check: cpu_supports). Double runs on the BLAS.
template <class T>
void gemm(kernel_path path, bool trans_a, bool trans_b, std::size_t m, std::size_t n, std::size_t k,
          T alpha, const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c,
          std::size_t ldc) {
    detail::dispatch<T>(path, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, nullptr, beta, c,
                        ldc);
}

/// The same product with op(B) (k x n) packed by pack_b(path, ...).
template <class T>
void gemm_packed(kernel_path path, bool trans_a, std::size_t m, std::size_t n, std::size_t k,
                 T alpha, const T* a, std::size_t lda, const T* packed_b, T beta, T* c,
                 std::size_t ldc) {
    detail::dispatch<T>(path, trans_a, false, m, n, k, alpha, a, lda, nullptr, 0, packed_b, beta, c,
                        ldc);
}

} // namespace keychroma::nn::cpu
