#pragma once
// Winograd F(4x4, 3x3) convolution for the CPU backend's stride-1 3x3 "same" layers (Lavin &
// Gray 2016, interpolation points 0, +-1, +-2, inf). A 6x6 input tile d and a 3x3 kernel g give
// a 4x4 output tile Y = A^T [(G g G^T) . (B^T d B)] A: 36 multiplies per output tile and input
// channel instead of 144, so the dominant cost, the multiplies summed over input channels, is
// 36 batched GEMMs (tiles x Cin) * (Cin x Cout) -- one per position of the 6x6 tile -- which
// run at the GEMM's rate (cpu_gemm.hpp) on a quarter of the direct method's work.
//
// NHWC makes every transform vectorise across channels: each tile is transformed for a block of
// `lanes` channels at once with fixed-length inner loops. Tiles are processed in blocks per
// thread (transform in, 36 GEMMs, transform out fused with bias + activation), so the
// transformed tiles of a block stay in L2/L3 and every output is written by one thread
// (deterministic for any thread count). Blocks are handed out dynamically, so a thread whose
// core is busy with another process takes fewer of them.
//
// Backward data of a stride-1 3x3 "same" convolution is itself such a convolution of dout with
// the kernel rotated by 180 degrees and its in/out channels swapped; `transform_weights(...,
// flipped = true)` builds that kernel's transform directly, and pack_weights packs it
// transposed. The transformed weights are packed for the GEMM once per call (pack_weights),
// not once per block of tiles.
//
// Accuracy: the transforms' constants (1/4, 1/6, 1/24, ..., 8) grow float rounding by roughly
// one decimal digit over the direct sum; tests/nn/test_cpu_kernels.cpp bounds the error against
// a double-precision reference.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <vector>

#include <omp.h>

#include "keychroma/nn/backend/cpu_gemm.hpp"
#include "keychroma/nn/backend/cpu_split.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn::cpu::winograd {

inline constexpr std::size_t tile_out = 4; ///< output tile side (m)
inline constexpr std::size_t tile_in = 6;  ///< input tile side (m + r - 1)
inline constexpr std::size_t points = 36;  ///< positions of the transformed tile

/// A stride-1 3x3 convolution with one pixel of zero padding all round (out size = in size).
struct problem {
    std::size_t n = 0, h = 0, w = 0, in_c = 0, out_c = 0;
    [[nodiscard]] constexpr std::size_t tiles_y() const noexcept {
        return (h + tile_out - 1) / tile_out;
    }
    [[nodiscard]] constexpr std::size_t tiles_x() const noexcept {
        return (w + tile_out - 1) / tile_out;
    }
    [[nodiscard]] constexpr std::size_t tiles() const noexcept { return n * tiles_y() * tiles_x(); }
};

/// Whether `s` is a convolution this file computes (3x3, stride 1, padding 1 on every side).
[[nodiscard]] constexpr bool applicable(const conv_shape& s) noexcept {
    return s.k == 3 && s.stride == 1 && s.pad_h == 1 && s.pad_w == 1 && s.out_h == s.in_h &&
           s.out_w == s.in_w;
}

/// Channels transformed together: one 64-byte line (two AVX2 registers of float).
template <class T>
inline constexpr std::size_t lanes = 64 / sizeof(T);

namespace detail {

/// o[k] (stride os) = (B^T d)[k] for the six inputs d[k] (stride ds), `L` lanes each.
template <class T, std::size_t L>
inline void input_1d(const T* d, std::size_t ds, T* o, std::size_t os) noexcept {
#pragma omp simd
    for (std::size_t c = 0; c < L; ++c) {
        const T d0 = d[c], d1 = d[ds + c], d2 = d[2 * ds + c], d3 = d[3 * ds + c],
                d4 = d[4 * ds + c], d5 = d[5 * ds + c];
        o[c] = T(4) * d0 - T(5) * d2 + d4;
        o[os + c] = d4 + d3 - T(4) * (d1 + d2);
        o[2 * os + c] = d4 - d3 + T(4) * (d1 - d2);
        o[3 * os + c] = d4 - d2 + T(2) * (d3 - d1);
        o[4 * os + c] = d4 - d2 - T(2) * (d3 - d1);
        o[5 * os + c] = T(4) * d1 - T(5) * d3 + d5;
    }
}

/// o[k] (stride os, k < 4) = (A^T m)[k] for the six inputs m[k] (stride ms).
template <class T, std::size_t L>
inline void output_1d(const T* m, std::size_t ms, T* o, std::size_t os) noexcept {
#pragma omp simd
    for (std::size_t c = 0; c < L; ++c) {
        const T m0 = m[c], m1 = m[ms + c], m2 = m[2 * ms + c], m3 = m[3 * ms + c],
                m4 = m[4 * ms + c], m5 = m[5 * ms + c];
        const T s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4;
        o[c] = m0 + s12 + s34;
        o[os + c] = d12 + T(2) * d34;
        o[2 * os + c] = s12 + T(4) * s34;
        o[3 * os + c] = d12 + T(8) * d34 + m5;
    }
}

/// o[k] (stride os, k < 6) = (G g)[k] for the three inputs g[k] (stride gs), `n` lanes.
template <class T>
inline void kernel_1d(const T* g, std::size_t gs, T* o, std::size_t os, std::size_t n) noexcept {
#pragma omp simd
    for (std::size_t c = 0; c < n; ++c) {
        const T g0 = g[c], g1 = g[gs + c], g2 = g[2 * gs + c];
        o[c] = g0 / T(4);
        o[os + c] = -(g0 + g1 + g2) / T(6);
        o[2 * os + c] = -(g0 - g1 + g2) / T(6);
        o[3 * os + c] = g0 / T(24) + g1 / T(12) + g2 / T(6);
        o[4 * os + c] = g0 / T(24) - g1 / T(12) + g2 / T(6);
        o[5 * os + c] = g2;
    }
}

/// Transforms input tile `tile` (counted over the batch) for every channel: v[p * ld + c] =
/// (B^T d B)[p] of channel c. Interior tiles are read straight from the image and full lane
/// blocks written straight into v; edges and the last partial lane block go through scratch
/// (3 * 36 * L values), zero-padded.
template <class T>
void input_tile(const problem& pb, const T* in, std::size_t tile, T* v, std::size_t ld,
                T* scratch) noexcept {
    constexpr std::size_t L = lanes<T>;
    const std::size_t Ci = pb.in_c, H = pb.h, W = pb.w;
    const std::size_t tx_count = pb.tiles_x(), per_image = pb.tiles_y() * tx_count;
    const std::size_t img = tile / per_image, q = tile % per_image;
    const std::ptrdiff_t y0 = std::ptrdiff_t(q / tx_count * tile_out) - 1,
                         x0 = std::ptrdiff_t(q % tx_count * tile_out) - 1;
    const T* image = in + img * H * W * Ci;
    const bool inside =
        y0 >= 0 && x0 >= 0 && y0 + 6 <= std::ptrdiff_t(H) && x0 + 6 <= std::ptrdiff_t(W);
    T* d = scratch;
    T* t = scratch + points * L;
    T* y = scratch + 2 * points * L;
    for (std::size_t c0 = 0; c0 < Ci; c0 += L) {
        const std::size_t cn = std::min(L, Ci - c0);
        const T* src = d;
        std::size_t row_stride = 6 * L, col_stride = L;
        if (inside && cn == L) {
            src = image + (std::size_t(y0) * W + std::size_t(x0)) * Ci + c0;
            row_stride = W * Ci;
            col_stride = Ci;
        } else {
            for (std::size_t k = 0; k < points; ++k) {
                const std::ptrdiff_t iy = y0 + std::ptrdiff_t(k / 6),
                                     ix = x0 + std::ptrdiff_t(k % 6);
                T* dk = d + k * L;
                const bool valid =
                    iy >= 0 && ix >= 0 && iy < std::ptrdiff_t(H) && ix < std::ptrdiff_t(W);
                const T* px =
                    valid ? image + (std::size_t(iy) * W + std::size_t(ix)) * Ci + c0 : nullptr;
                for (std::size_t c = 0; c < L; ++c) dk[c] = valid && c < cn ? px[c] : T(0);
            }
        }
        for (std::size_t col = 0; col < 6; ++col) // columns: t = B^T d
            input_1d<T, L>(src + col * col_stride, row_stride, t + col * L, 6 * L);
        if (cn == L) { // rows: v = t B, straight into the GEMM's operand
            for (std::size_t row = 0; row < 6; ++row)
                input_1d<T, L>(t + row * 6 * L, L, v + row * 6 * ld + c0, ld);
        } else {
            for (std::size_t row = 0; row < 6; ++row)
                input_1d<T, L>(t + row * 6 * L, L, y + row * 6 * L, L);
            for (std::size_t k = 0; k < points; ++k)
                for (std::size_t c = 0; c < cn; ++c) v[k * ld + c0 + c] = y[k * L + c];
        }
    }
}

/// o[k] (stride os, k < 6) = (A y)[k] for the four inputs y[k] (stride ys): the adjoint of
/// output_1d, which carries an output gradient back to the transformed tile.
template <class T, std::size_t L>
inline void grad_1d(const T* y, std::size_t ys, T* o, std::size_t os) noexcept {
#pragma omp simd
    for (std::size_t c = 0; c < L; ++c) {
        const T y0 = y[c], y1 = y[ys + c], y2 = y[2 * ys + c], y3 = y[3 * ys + c];
        const T s02 = y0 + y2, s13 = y1 + y3, e02 = y0 + T(4) * y2, e13 = T(2) * y1 + T(8) * y3;
        o[c] = y0;
        o[os + c] = s02 + s13;
        o[2 * os + c] = s02 - s13;
        o[3 * os + c] = e02 + e13;
        o[4 * os + c] = e02 - e13;
        o[5 * os + c] = y3;
    }
}

/// Transforms the output-gradient tile `tile` for every channel: g[p * ld + c] = (A dY A^T)[p]
/// of channel c, dY zero outside the image.
template <class T>
void grad_tile(const problem& pb, const T* dout, std::size_t tile, T* g, std::size_t ld,
               T* scratch) noexcept {
    constexpr std::size_t L = lanes<T>;
    const std::size_t Co = pb.out_c, H = pb.h, W = pb.w;
    const std::size_t tx_count = pb.tiles_x(), per_image = pb.tiles_y() * tx_count;
    const std::size_t img = tile / per_image, q = tile % per_image;
    const std::size_t oy0 = q / tx_count * tile_out, ox0 = q % tx_count * tile_out;
    const std::size_t rows = std::min(tile_out, H - oy0), cols = std::min(tile_out, W - ox0);
    const bool full = rows == tile_out && cols == tile_out;
    const T* image = dout + img * H * W * Co;
    T* d = scratch;
    T* t = scratch + points * L;
    T* y = scratch + 2 * points * L;
    for (std::size_t c0 = 0; c0 < Co; c0 += L) {
        const std::size_t cn = std::min(L, Co - c0);
        const T* src = d;
        std::size_t row_stride = 4 * L, col_stride = L;
        if (full && cn == L) {
            src = image + (oy0 * W + ox0) * Co + c0;
            row_stride = W * Co;
            col_stride = Co;
        } else {
            for (std::size_t k = 0; k < 16; ++k) {
                const std::size_t r = k / 4, cc = k % 4;
                const bool valid = r < rows && cc < cols;
                const T* px = valid ? image + ((oy0 + r) * W + ox0 + cc) * Co + c0 : nullptr;
                for (std::size_t c = 0; c < L; ++c) d[k * L + c] = valid && c < cn ? px[c] : T(0);
            }
        }
        for (std::size_t col = 0; col < 4; ++col) // t[6][4] = A dY
            grad_1d<T, L>(src + col * col_stride, row_stride, t + col * L, 4 * L);
        if (cn == L) {
            for (std::size_t row = 0; row < 6; ++row) // g[6][6] = t A^T
                grad_1d<T, L>(t + row * 4 * L, L, g + row * 6 * ld + c0, ld);
        } else {
            for (std::size_t row = 0; row < 6; ++row)
                grad_1d<T, L>(t + row * 4 * L, L, y + row * 6 * L, L);
            for (std::size_t k = 0; k < points; ++k)
                for (std::size_t c = 0; c < cn; ++c) g[k * ld + c0 + c] = y[k * L + c];
        }
    }
}

/// o[k] (stride os, k < 3) = (G^T u)[k] for the six inputs u[k] (stride us), `n` lanes: the
/// adjoint of kernel_1d, which folds a transformed-kernel gradient back onto the 3 taps.
template <class T>
inline void kernel_grad_1d(const T* u, std::size_t us, T* o, std::size_t os,
                           std::size_t n) noexcept {
#pragma omp simd
    for (std::size_t c = 0; c < n; ++c) {
        const T u0 = u[c], u1 = u[us + c], u2 = u[2 * us + c], u3 = u[3 * us + c],
                u4 = u[4 * us + c], u5 = u[5 * us + c];
        const T s12 = (u1 + u2) / T(6), d12 = (u2 - u1) / T(6);
        o[c] = u0 / T(4) - s12 + (u3 + u4) / T(24);
        o[os + c] = d12 + (u3 - u4) / T(12);
        o[2 * os + c] = -s12 + (u3 + u4) / T(6) + u5;
    }
}

} // namespace detail

/// u[p][i][o] (36 x Cin x Cout) = (G g G^T)[p] of the HWIO kernel w {3, 3, Cin, Cout}.
/// With `flipped` the kernel is first rotated by 180 degrees (the kernel of backward data);
/// the layout stays [p][Cin][Cout], so backward data reads each u[p] transposed.
template <class T>
void transform_weights(std::size_t in_c, std::size_t out_c, const T* w, bool flipped, T* u,
                       int threads) {
    constexpr std::size_t B = 64; // output channels per pass: the scratch stays on the stack
    const std::size_t plane = in_c * out_c;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(in_c); ++ii) {
        const std::size_t i = std::size_t(ii);
        alignas(64) T g[9 * B], t[18 * B], r[36 * B];
        for (std::size_t c0 = 0; c0 < out_c; c0 += B) {
            const std::size_t n = std::min(B, out_c - c0);
            for (std::size_t k = 0; k < 9; ++k) {
                const T* src = w + ((flipped ? 8 - k : k) * in_c + i) * out_c + c0;
                std::copy(src, src + n, g + k * B);
            }
            // t[a][kx] = sum over ky of G[a][ky] g[ky][kx]; r[a][b] = sum over kx t[a][kx] G[b][kx]
            for (std::size_t kx = 0; kx < 3; ++kx)
                detail::kernel_1d(g + kx * B, 3 * B, t + kx * B, 3 * B, n);
            for (std::size_t a = 0; a < 6; ++a)
                detail::kernel_1d(t + a * 3 * B, B, r + a * 6 * B, B, n);
            for (std::size_t p = 0; p < points; ++p)
                std::copy(r + p * B, r + p * B + n, u + p * plane + i * out_c + c0);
        }
    }
}

/// The most tiles of a block: enough GEMM rows to keep the register tiles busy (8 slabs of 12),
/// few enough that a block's transformed input and output stay near L2.
inline constexpr std::size_t most_block_tiles = 96;

/// Tiles per block: at most most_block_tiles, in whole rounds of one block per thread
/// (cpu::even_split).
[[nodiscard]] inline std::size_t block_tiles(const problem& p, int threads) noexcept {
    return std::max<std::size_t>(cpu::even_split(p.tiles(), most_block_tiles, std::size_t(threads)),
                                 1);
}

namespace detail {

/// Output tile `tile` from its transformed products m[p * ld + c]: Y = A^T m A, + bias (may be
/// null), activation, written for the pixels inside the image.
template <class Act, class T>
void output_tile(const problem& pb, const T* m, std::size_t ld, std::size_t tile, const T* bias,
                 T* out, T* scratch) noexcept {
    constexpr std::size_t L = lanes<T>;
    const std::size_t Co = pb.out_c, H = pb.h, W = pb.w;
    const std::size_t tx_count = pb.tiles_x(), per_image = pb.tiles_y() * tx_count;
    const std::size_t img = tile / per_image, q = tile % per_image;
    const std::size_t oy0 = q / tx_count * tile_out, ox0 = q % tx_count * tile_out;
    const std::size_t rows = std::min(tile_out, H - oy0), cols = std::min(tile_out, W - ox0);
    T* image = out + img * H * W * Co;
    T* d = scratch;
    T* t = scratch + points * L;
    T* y = scratch + 2 * points * L;
    for (std::size_t c0 = 0; c0 < Co; c0 += L) {
        const std::size_t cn = std::min(L, Co - c0);
        const T* src = m + c0;
        std::size_t row_stride = 6 * ld, col_stride = ld;
        if (cn < L) {
            for (std::size_t k = 0; k < points; ++k)
                for (std::size_t c = 0; c < L; ++c)
                    d[k * L + c] = c < cn ? m[k * ld + c0 + c] : T(0);
            src = d;
            row_stride = 6 * L;
            col_stride = L;
        }
        for (std::size_t col = 0; col < 6; ++col) // t[4][6] = A^T m
            output_1d<T, L>(src + col * col_stride, row_stride, t + col * L, 6 * L);
        for (std::size_t row = 0; row < 4; ++row) // y[4][4] = t A
            output_1d<T, L>(t + row * 6 * L, L, y + row * 4 * L, L);
        alignas(64) T b[L];
        for (std::size_t c = 0; c < L; ++c) b[c] = bias && c < cn ? bias[c0 + c] : T(0);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t cc = 0; cc < cols; ++cc) {
                const T* yv = y + (r * 4 + cc) * L;
                T* dst = image + ((oy0 + r) * W + ox0 + cc) * Co + c0;
                if (cn == L) {
#pragma omp simd
                    for (std::size_t c = 0; c < L; ++c)
                        dst[c] = Act::template apply<T>(yv[c] + b[c]);
                } else {
                    for (std::size_t c = 0; c < cn; ++c)
                        dst[c] = Act::template apply<T>(yv[c] + b[c]);
                }
            }
    }
}

} // namespace detail

/// Whether `convolve` transforms every tile first and splits the 36 GEMMs over the threads
/// (few tiles: blocks of tiles would leave threads idle or make every thread pack every u[p])
/// rather than giving each thread whole blocks of tiles.
[[nodiscard]] inline bool by_position(const problem& p, int threads) noexcept {
    return threads > 1 && p.tiles() < 4 * std::size_t(threads) * block_tiles(p, threads);
}

/// Values of workspace `convolve` needs for `threads` threads.
template <class T>
[[nodiscard]] std::size_t workspace_size(const problem& p, int threads) noexcept {
    if (by_position(p, threads)) return points * p.tiles() * (p.in_c + p.out_c);
    return std::size_t(threads) * points * block_tiles(p, threads) * (p.in_c + p.out_c);
}

/// The most values of workspace `convolve` needs for a batch of 1 to p.n images: a smaller
/// batch can need more (by_position transforms all its tiles at once, and a block of tiles can
/// be larger for fewer tiles). Exact for the batches by_position can take (fewer tiles than
/// 4 x threads x most_block_tiles); beyond them a block counts at its most tiles.
template <class T>
[[nodiscard]] std::size_t largest_workspace_size(const problem& p, int threads) noexcept {
    const std::size_t per_image = std::max<std::size_t>(problem{1, p.h, p.w}.tiles(), 1);
    const std::size_t by_position_at_most =
        (4 * std::size_t(threads) * most_block_tiles + per_image - 1) / per_image;
    const std::size_t exact = std::min(p.n, by_position_at_most);
    std::size_t most = 0;
    for (std::size_t n = 1; n <= exact; ++n)
        most = std::max(most, workspace_size<T>(problem{n, p.h, p.w, p.in_c, p.out_c}, threads));
    if (p.n > exact)
        most =
            std::max(most, std::size_t(threads) * points * most_block_tiles * (p.in_c + p.out_c));
    return most;
}

/// Values of one tile position's packed weights (Cin x Cout of `p`) on `path`.
template <class T>
[[nodiscard]] std::size_t packed_point_size(const problem& p, kernel_path path) noexcept {
    return cpu::packed_size<T>(path, p.in_c, p.out_c);
}

/// The 36 products' right operands, packed for `path` (points * packed_point_size values):
/// u[p] (p.in_c x p.out_c) from transform_weights, or with `u_transposed` u[p] read transposed
/// (u then holds [p][out_c][in_c]: a flipped forward kernel used for backward data).
template <class T>
void pack_weights(const problem& pb, const T* u, bool u_transposed, kernel_path path, T* packed,
                  int threads) {
    const std::size_t Ci = pb.in_c, Co = pb.out_c, size = packed_point_size<T>(pb, path);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t k = 0; k < std::ptrdiff_t(points); ++k)
        cpu::pack_b<T>(path, u_transposed, Ci, Co, u + std::size_t(k) * Ci * Co,
                       u_transposed ? Ci : Co, packed + std::size_t(k) * size);
}

/// out = act(conv(in) + bias), bias may be null; `packed` from pack_weights for `path`.
template <class Act, class T>
void convolve(const problem& pb, const T* in, const T* packed, const T* bias, T* out, T* workspace,
              kernel_path path, int threads) {
    constexpr std::size_t L = lanes<T>;
    const std::size_t Ci = pb.in_c, Co = pb.out_c, total = pb.tiles();
    const std::size_t size = packed_point_size<T>(pb, path);
    cpu::set_blas_threads(1);
    if (by_position(pb, threads)) {
        T* v = workspace;
        T* m = v + points * total * Ci;
#pragma omp parallel num_threads(threads)
        {
            alignas(64) T scratch[3 * points * L];
#pragma omp for schedule(dynamic, 4)
            for (std::ptrdiff_t ti = 0; ti < std::ptrdiff_t(total); ++ti)
                detail::input_tile(pb, in, std::size_t(ti), v + std::size_t(ti) * Ci, total * Ci,
                                   scratch);
#pragma omp for schedule(dynamic, 1)
            for (std::ptrdiff_t k = 0; k < std::ptrdiff_t(points); ++k)
                cpu::gemm_packed<T>(
                    path, false, total, Co, Ci, T(1), v + std::size_t(k) * total * Ci, Ci,
                    packed + std::size_t(k) * size, T(0), m + std::size_t(k) * total * Co, Co);
#pragma omp for schedule(dynamic, 4)
            for (std::ptrdiff_t ti = 0; ti < std::ptrdiff_t(total); ++ti)
                detail::output_tile<Act>(pb, m + std::size_t(ti) * Co, total * Co, std::size_t(ti),
                                         bias, out, scratch);
        }
        return;
    }
    const std::size_t tb = block_tiles(pb, threads), blocks = (total + tb - 1) / tb;
    const std::size_t per_thread_ws = points * tb * (Ci + Co);
#pragma omp parallel num_threads(threads)
    {
        T* v = workspace + std::size_t(omp_get_thread_num()) * per_thread_ws;
        T* m = v + points * tb * Ci;
        alignas(64) T scratch[3 * points * L];
#pragma omp for schedule(dynamic, 1)
        for (std::ptrdiff_t bi = 0; bi < std::ptrdiff_t(blocks); ++bi) {
            const std::size_t t0 = std::size_t(bi) * tb, nt = std::min(total, t0 + tb) - t0;
            // 1. input transform: v[p][tile][ci]
            for (std::size_t ti = 0; ti < nt; ++ti)
                detail::input_tile(pb, in, t0 + ti, v + ti * Ci, tb * Ci, scratch);
            // 2. one GEMM per tile position: m[p] (nt x Co) = v[p] (nt x Ci) * u[p] (Ci x Co)
            for (std::size_t k = 0; k < points; ++k)
                cpu::gemm_packed<T>(path, false, nt, Co, Ci, T(1), v + k * tb * Ci, Ci,
                                    packed + k * size, T(0), m + k * tb * Co, Co);
            // 3. output transform + bias + activation
            for (std::size_t ti = 0; ti < nt; ++ti)
                detail::output_tile<Act>(pb, m + ti * Co, tb * Co, t0 + ti, bias, out, scratch);
        }
    }
}

/// Tiles per chunk of the weight gradient: the chunk's transformed inputs and gradients
/// (36 x tiles x (Cin + Cout) values) fill about `bytes`, so each GEMM sums over many tiles.
template <class T>
[[nodiscard]] std::size_t chunk_tiles(const problem& p, std::size_t bytes) noexcept {
    const std::size_t per_tile = points * (p.in_c + p.out_c) * sizeof(T);
    return std::clamp<std::size_t>(bytes / per_tile, 1, std::max<std::size_t>(p.tiles(), 1));
}

/// Values of workspace `weight_gradient` needs: the chunk's transforms plus the 36 x Cin x Cout
/// gradient of the transformed kernel.
template <class T>
[[nodiscard]] std::size_t weight_gradient_workspace(const problem& p, std::size_t bytes) noexcept {
    return points * chunk_tiles<T>(p, bytes) * (p.in_c + p.out_c) + points * p.in_c * p.out_c;
}

/// dw (HWIO {3, 3, Cin, Cout}, overwritten) = gradient of <conv(in), dout> with respect to the
/// kernel. Since Y = A^T [U . V] A is linear in U, dU[p] = sum over tiles of V[p] (A dY A^T)[p],
/// i.e. 36 GEMMs V[p]^T (Cin x tiles) * dM[p] (tiles x Cout), and dw = G^T dU G. The tiles are
/// taken in chunks: all threads transform a chunk, then each thread runs whole GEMMs (one per
/// position p, summing over every tile of the chunk), so every dU[p] is summed by one thread in
/// tile order -- deterministic for any thread count, and no per-thread partial kernels.
template <class T>
void weight_gradient(const problem& pb, const T* in, const T* dout, T* dw, T* workspace,
                     std::size_t chunk_bytes, kernel_path path, int threads) {
    const std::size_t Ci = pb.in_c, Co = pb.out_c, total = pb.tiles();
    const std::size_t chunk = chunk_tiles<T>(pb, chunk_bytes);
    T* v = workspace;
    T* g = v + points * chunk * Ci;
    T* du = g + points * chunk * Co;
    cpu::set_blas_threads(1);
    for (std::size_t c0 = 0; c0 < total; c0 += chunk) {
        const std::size_t nt = std::min(chunk, total - c0);
#pragma omp parallel num_threads(threads)
        {
            alignas(64) T scratch[3 * points * lanes<T>];
#pragma omp for schedule(dynamic, 16)
            for (std::ptrdiff_t ti = 0; ti < std::ptrdiff_t(nt); ++ti) {
                detail::input_tile(pb, in, c0 + std::size_t(ti), v + std::size_t(ti) * Ci, nt * Ci,
                                   scratch);
                detail::grad_tile(pb, dout, c0 + std::size_t(ti), g + std::size_t(ti) * Co, nt * Co,
                                  scratch);
            }
#pragma omp for schedule(dynamic, 1)
            for (std::ptrdiff_t k = 0; k < std::ptrdiff_t(points); ++k)
                cpu::gemm<T>(path, true, false, Ci, Co, nt, T(1), v + std::size_t(k) * nt * Ci, Ci,
                             g + std::size_t(k) * nt * Co, Co, c0 == 0 ? T(0) : T(1),
                             du + std::size_t(k) * Ci * Co, Co);
        }
    }
    // dw[ky][kx] = sum over a, b of G[a][ky] dU[a][b] G[b][kx], vectorised over Cout
    const std::size_t plane = Ci * Co;
    constexpr std::size_t B = 64; // output channels per pass: the scratch stays on the stack
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::ptrdiff_t ii = 0; ii < std::ptrdiff_t(Ci); ++ii) {
        const std::size_t i = std::size_t(ii);
        alignas(64) T t[18 * B];
        for (std::size_t c0 = 0; c0 < Co; c0 += B) {
            const std::size_t n = std::min(B, Co - c0);
            for (std::size_t b = 0; b < 6; ++b) // t[ky][b] = sum over a of G[a][ky] dU[a][b]
                detail::kernel_grad_1d(du + b * plane + i * Co + c0, 6 * plane, t + b * B, 6 * B,
                                       n);
            for (std::size_t ky = 0; ky < 3; ++ky) // dw[ky][kx] = sum over b of G[b][kx] t[ky][b]
                detail::kernel_grad_1d(t + ky * 6 * B, B, dw + (ky * 3 * Ci + i) * Co + c0, Ci * Co,
                                       n);
        }
    }
}

} // namespace keychroma::nn::cpu::winograd
