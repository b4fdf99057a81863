#pragma once
// im2col and its adjoint for NHWC tensors. Row r of the column matrix is output pixel r of the
// chunk; its K*K*C entries are the K*K input pixels under the kernel, each a contiguous run of C
// channels, so building a row is K*K short memcpys (K*C when the taps of a row are adjacent).
// The adjoint is written as a gather (each input pixel sums the column entries that read it),
// so every output value is written by exactly one thread: no atomics, deterministic.

#include <cstddef>
#include <cstring>

#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn::cpu {

/// Rows [p0, p1) of the column matrix of images [n0, ...) into `col` (row p0 first): row p is
/// output pixel p counted from the first pixel of image n0.
template <class T>
void im2col_rows(const conv_shape& s, const T* in, std::size_t n0, std::size_t p0, std::size_t p1,
                 T* col) {
    const std::size_t C = s.in_c, K = s.k, row_len = K * K * C, plane = s.out_h * s.out_w;
    const std::ptrdiff_t H = std::ptrdiff_t(s.in_h), W = std::ptrdiff_t(s.in_w);
    T* dst = col;
    for (std::size_t p = p0; p < p1; ++p, dst += row_len) {
        const std::size_t n = n0 + p / plane, q = p % plane;
        const std::ptrdiff_t oy = std::ptrdiff_t(q / s.out_w), ox = std::ptrdiff_t(q % s.out_w);
        const T* image = in + n * s.in_h * s.in_w * C;
        const std::ptrdiff_t x0 = ox * std::ptrdiff_t(s.stride) - std::ptrdiff_t(s.pad_w);
        const bool row_inside = x0 >= 0 && x0 + std::ptrdiff_t(K) <= W;
        T* d = dst;
        for (std::size_t ky = 0; ky < K; ++ky) {
            const std::ptrdiff_t iy =
                oy * std::ptrdiff_t(s.stride) - std::ptrdiff_t(s.pad_h) + std::ptrdiff_t(ky);
            if (iy < 0 || iy >= H) {
                std::memset(d, 0, K * C * sizeof(T));
                d += K * C;
                continue;
            }
            const T* src_row = image + std::size_t(iy) * std::size_t(W) * C;
            if (row_inside) { // the K taps are adjacent in memory
                std::memcpy(d, src_row + std::size_t(x0) * C, K * C * sizeof(T));
                d += K * C;
                continue;
            }
            for (std::size_t kx = 0; kx < K; ++kx, d += C) {
                const std::ptrdiff_t ix = x0 + std::ptrdiff_t(kx);
                if (ix < 0 || ix >= W)
                    std::memset(d, 0, C * sizeof(T));
                else
                    std::memcpy(d, src_row + std::size_t(ix) * C, C * sizeof(T));
            }
        }
    }
}

/// Adjoint of im2col: din (images [n0, n1), overwritten) = sum of the column entries that read
/// each input pixel.
template <class T>
void col2im(const conv_shape& s, const T* col, std::size_t n0, std::size_t n1, T* din,
            int threads) {
    const std::size_t C = s.in_c, K = s.k, row_len = K * K * C, S = s.stride;
    const std::ptrdiff_t rows = std::ptrdiff_t((n1 - n0) * s.in_h);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 8)
    for (std::ptrdiff_t nr = 0; nr < rows; ++nr) {
        const std::size_t nl = std::size_t(nr) / s.in_h; // image within the chunk
        const std::size_t iy = std::size_t(nr) % s.in_h;
        T* dst_row = din + ((n0 + nl) * s.in_h + iy) * s.in_w * C;
        const T* chunk_col = col + nl * s.out_h * s.out_w * row_len;
        for (std::size_t ix = 0; ix < s.in_w; ++ix) {
            T* d = dst_row + ix * C;
            for (std::size_t c = 0; c < C; ++c) d[c] = T(0);
            for (std::size_t ky = 0; ky < K; ++ky) {
                // oy * S - pad + ky == iy  =>  oy = (iy + pad - ky) / S when divisible
                const std::ptrdiff_t ty = std::ptrdiff_t(iy + s.pad_h) - std::ptrdiff_t(ky);
                if (ty < 0 || ty % std::ptrdiff_t(S) != 0) continue;
                const std::size_t oy = std::size_t(ty) / S;
                if (oy >= s.out_h) continue;
                for (std::size_t kx = 0; kx < K; ++kx) {
                    const std::ptrdiff_t tx = std::ptrdiff_t(ix + s.pad_w) - std::ptrdiff_t(kx);
                    if (tx < 0 || tx % std::ptrdiff_t(S) != 0) continue;
                    const std::size_t ox = std::size_t(tx) / S;
                    if (ox >= s.out_w) continue;
                    const T* src = chunk_col + (oy * s.out_w + ox) * row_len + (ky * K + kx) * C;
                    for (std::size_t c = 0; c < C; ++c) d[c] += src[c];
                }
            }
        }
    }
}

} // namespace keychroma::nn::cpu
