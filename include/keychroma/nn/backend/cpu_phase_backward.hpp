#pragma once
// Backward data of a convolution of any K and stride without the full column matrix: din is
// split into its stride x stride phases (input pixels whose (y + pad) and (x + pad) leave the
// same remainders modulo the stride). Every pixel of one phase receives dout through the same
// taps -- ky = (y + pad) mod S, ky + S, ... -- from the output pixels oy = (y + pad - ky) / S,
// so a phase is one GEMM: [pixels x (taps * Cout)] (a small im2col of dout, gathered per tile)
// times [(taps * Cout) x Cin] (the phase's taps of the kernel, transposed once per call).
//
// For stride 2 and K = 3 the phases have 4, 2, 2 and 1 taps, so the GEMMs have inner dimension
// 4, 2, 2 or 1 times Cout instead of the Cout of "dcol = dout w^T, then col2im", and nothing
// of the size of the column matrix (K*K*Cin values per output pixel) is written to memory and
// read back. Each din pixel belongs to exactly one phase and is written once by one tile
// (deterministic for any thread count and schedule).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <vector>

#include <omp.h>

#include "keychroma/nn/backend/cpu_gemm.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn::cpu::phase {

/// One phase: the pixels y = ay, ay + S, ... and x = ax, ax + S, ... and their taps.
/// Fixed capacity (no allocation per call): kernels up to 16 taps a side.
struct tap_list {
    std::array<std::size_t, 16> k{};
    std::size_t count = 0;
    void push_back(std::size_t v) noexcept { k[count++] = v; }
    [[nodiscard]] std::size_t size() const noexcept { return count; }
    [[nodiscard]] const std::size_t* begin() const noexcept { return k.data(); }
    [[nodiscard]] const std::size_t* end() const noexcept { return k.data() + count; }
};

struct phase_plan {
    std::size_t ay = 0, ax = 0;     ///< first row / column of the phase
    std::size_t rows = 0, cols = 0; ///< its pixels per image: rows x cols
    tap_list ky, kx;                ///< taps that reach it
    std::size_t weight_offset = 0;  ///< where its transposed kernel starts (values)
    [[nodiscard]] std::size_t taps() const noexcept { return ky.size() * kx.size(); }
};

/// A GEMM tile of one phase: pixels [p0, p1) of the phase, counted over the batch.
struct work_item {
    std::size_t phase, p0, p1;
};

/// Whether `s` fits the fixed tap capacity.
[[nodiscard]] constexpr bool applicable(const conv_shape& s) noexcept {
    return s.k <= 16;
}

/// The S*S phases of `s` into `phases` (cleared first; phases that no tap reaches, possible
/// when S > K, get din = 0).
inline void plan(const conv_shape& s, std::vector<phase_plan>& phases) {
    phases.clear();
    std::size_t offset = 0;
    for (std::size_t ay = 0; ay < std::min(s.stride, s.in_h); ++ay)
        for (std::size_t ax = 0; ax < std::min(s.stride, s.in_w); ++ax) {
            phase_plan p;
            p.ay = ay;
            p.ax = ax;
            p.rows = (s.in_h - ay + s.stride - 1) / s.stride;
            p.cols = (s.in_w - ax + s.stride - 1) / s.stride;
            for (std::size_t k = (ay + s.pad_h) % s.stride; k < s.k; k += s.stride)
                p.ky.push_back(k);
            for (std::size_t k = (ax + s.pad_w) % s.stride; k < s.k; k += s.stride)
                p.kx.push_back(k);
            p.weight_offset = offset;
            offset += p.taps() * s.out_c * s.in_c;
            phases.push_back(p);
        }
}

/// wt for every phase: rows (tap, co), columns ci, wt[(t, co)][ci] = w[ky][kx][ci][co].
template <class T>
void transpose_kernel(const conv_shape& s, const std::vector<phase_plan>& phases, const T* w,
                      T* wt) {
    const std::size_t Ci = s.in_c, Co = s.out_c;
    for (const auto& p : phases) {
        T* dst = wt + p.weight_offset;
        for (std::size_t ky : p.ky)
            for (std::size_t kx : p.kx) {
                const T* src = w + (ky * s.k + kx) * Ci * Co;
                for (std::size_t co = 0; co < Co; ++co)
                    for (std::size_t ci = 0; ci < Ci; ++ci) dst[co * Ci + ci] = src[ci * Co + co];
                dst += Co * Ci;
            }
    }
}

/// Values of transposed kernel for all phases (9 * Cin * Cout for K = 3, any stride <= 3).
[[nodiscard]] inline std::size_t kernel_size(const std::vector<phase_plan>& phases,
                                             const conv_shape& s) noexcept {
    std::size_t n = 0;
    for (const auto& p : phases) n += p.taps() * s.in_c * s.out_c;
    return n;
}

/// Pixels per GEMM tile for a gathered row of `row_len` values: about 1 MB of gathered dout.
[[nodiscard]] inline std::size_t tile_pixels(std::size_t row_len, std::size_t cin) noexcept {
    return std::clamp<std::size_t>((std::size_t(1) << 20) / ((row_len + cin) * 4), 64, 4096);
}

/// Per-thread workspace (values) for tiles of `tile_pixels` pixels.
[[nodiscard]] inline std::size_t
workspace_size(const conv_shape& s, const std::vector<phase_plan>& phases, int threads) noexcept {
    std::size_t most = 0;
    for (const auto& p : phases) {
        const std::size_t len = p.taps() * s.out_c;
        most = std::max(most, tile_pixels(len, s.in_c) * (len + s.in_c));
    }
    return std::size_t(threads) * most;
}

/// din (overwritten) = transpose convolution of dout; wt from transpose_kernel.
/// `items` is scratch (cleared, reused: no allocation once it has grown).
template <class T>
void backward_data(const conv_shape& s, const std::vector<phase_plan>& phases, const T* dout,
                   const T* wt, T* din, T* workspace, std::vector<work_item>& items,
                   kernel_path path, int threads) {
    const std::size_t Ci = s.in_c, Co = s.out_c, S = s.stride;
    std::size_t per_thread = 0;
    for (const auto& p : phases) {
        const std::size_t len = p.taps() * Co;
        per_thread = std::max(per_thread, tile_pixels(len, Ci) * (len + Ci));
    }
    // (phase, tile) work items, so every thread has work even when one phase is small
    items.clear();
    for (std::size_t ph = 0; ph < phases.size(); ++ph) {
        const auto& p = phases[ph];
        const std::size_t total = s.n * p.rows * p.cols;
        const std::size_t tile = tile_pixels(p.taps() * Co, Ci);
        for (std::size_t p0 = 0; p0 < total; p0 += tile)
            items.push_back({ph, p0, std::min(total, p0 + tile)});
    }
    cpu::set_blas_threads(1);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::ptrdiff_t it = 0; it < std::ptrdiff_t(items.size()); ++it) {
        const work_item& work = items[std::size_t(it)];
        const phase_plan& p = phases[work.phase];
        const std::size_t len = p.taps() * Co, m = work.p1 - work.p0;
        T* a = workspace + std::size_t(omp_get_thread_num()) * per_thread;
        T* c = a + tile_pixels(len, Ci) * len;
        // gather: row r = the dout values the taps of pixel p0 + r read (zero off the image)
        for (std::size_t r = 0; r < m; ++r) {
            const std::size_t q = work.p0 + r, img = q / (p.rows * p.cols),
                              rest = q % (p.rows * p.cols);
            const std::size_t y = p.ay + rest / p.cols * S, x = p.ax + rest % p.cols * S;
            T* dst = a + r * len;
            for (std::size_t ky : p.ky) {
                const std::ptrdiff_t ty = std::ptrdiff_t(y + s.pad_h) - std::ptrdiff_t(ky);
                const std::size_t oy = std::size_t(ty) / S;
                const bool row_ok = ty >= 0 && oy < s.out_h;
                for (std::size_t kx : p.kx) {
                    const std::ptrdiff_t tx = std::ptrdiff_t(x + s.pad_w) - std::ptrdiff_t(kx);
                    const std::size_t ox = std::size_t(tx) / S;
                    if (row_ok && tx >= 0 && ox < s.out_w)
                        std::memcpy(dst, dout + ((img * s.out_h + oy) * s.out_w + ox) * Co,
                                    Co * sizeof(T));
                    else
                        std::fill(dst, dst + Co, T(0));
                    dst += Co;
                }
            }
        }
        if (len > 0)
            cpu::gemm<T>(path, false, false, m, Ci, len, T(1), a, len, wt + p.weight_offset, Ci,
                         T(0), c, Ci);
        else
            std::fill(c, c + m * Ci, T(0));
        // scatter the phase's pixels into din (each written exactly once)
        for (std::size_t r = 0; r < m; ++r) {
            const std::size_t q = work.p0 + r, img = q / (p.rows * p.cols),
                              rest = q % (p.rows * p.cols);
            const std::size_t y = p.ay + rest / p.cols * S, x = p.ax + rest % p.cols * S;
            std::memcpy(din + ((img * s.in_h + y) * s.in_w + x) * Ci, c + r * Ci, Ci * sizeof(T));
        }
    }
}

} // namespace keychroma::nn::cpu::phase
