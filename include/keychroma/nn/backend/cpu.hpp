#pragma once
// The CPU backend: xtensor buffers, convolutions on NHWC tensors through GEMMs on keychroma's
// register tiles for the instruction set found at run time (cpu_gemm.hpp), OpenMP
// for everything element-wise, bias + activation fused into the convolution's epilogue, and
// workspaces that grow once and are then reused (a training step allocates nothing after the
// first).
//
// Convolution kernels, chosen per shape (cpu_options can switch the fast ones off):
//   - stride-1 3x3 "same" with at least 16 channels in and out: Winograd F(4x4, 3x3) forward,
//     backward data (the rotated kernel) and backward weights (cpu_winograd.hpp): 36 batched
//     GEMMs on a quarter of the direct method's multiplies;
//   - backward data of every other shape: phase by phase (cpu_phase_backward.hpp), no column
//     matrix written and read back;
//   - everything else, and the fallback: im2col + GEMM in row tiles that stay in cache.
//
// Determinism: every reduction (bias gradients, losses, batch-norm statistics) is split into a
// fixed number of chunks that depends only on the configured thread count and summed in chunk
// order, work handed out dynamically (tiles, blocks, GEMMs) always writes each output from one
// tile whose computation does not depend on the thread that runs it, and every GEMM runs
// single-threaded inside, so the same thread count and kernel path give the same bits on
// every run. The sums of split-invariant training (conv_backward_weights_fixed,
// loss_per_sample; nn/fixed_sum.hpp) depend on neither the thread count nor the split of the
// batch: each sample's gradient is computed by one thread in one order, then summed on a fixed
// grid. (Each output of a forward or backward-data pass is one sample's alone and is computed in
// one order whatever the rest of the batch and the thread count, cpu_gemm.hpp.)

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <omp.h>
#include <xtensor/xtensor.hpp>

#include "keychroma/core/huge_page_allocator.hpp"
#include "keychroma/nn/backend/cpu_gemm.hpp"
#include "keychroma/nn/backend/cpu_im2col.hpp"
#include "keychroma/nn/backend/cpu_kept_weights.hpp"
#include "keychroma/nn/backend/cpu_phase_backward.hpp"
#include "keychroma/nn/backend/cpu_split.hpp"
#include "keychroma/nn/backend/cpu_winograd.hpp"
#include "keychroma/nn/backend_memory.hpp"
#include "keychroma/nn/fixed_sum.hpp"
#include "keychroma/nn/layer.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

/// Options of the CPU backend.
struct cpu_options {
    int threads = 0; ///< OpenMP and BLAS threads; 0 = omp_get_max_threads()
    /// Largest im2col workspace, in bytes; batches are split into chunks of whole images that
    /// fit (a single image's matrix is always allowed).
    std::size_t workspace_bytes = std::size_t(64) << 20;
    /// Stride-1 3x3 convolutions (forward and backward data) through Winograd F(4x4, 3x3)
    /// (cpu_winograd.hpp) when both channel counts reach `winograd_min_channels`; otherwise, and
    /// for every other shape, im2col + GEMM.
    bool winograd = true;
    std::size_t winograd_min_channels = 16;
    /// Backward data of the other shapes phase by phase (cpu_phase_backward.hpp) rather than as
    /// one GEMM into the full column matrix followed by col2im.
    bool phase_backward_data = true;
    /// The instruction set of the float products (cpu_kernel_path.hpp). Unset: the process's
    /// choice, the CPU's best or what KEYCHROMA_KERNELS names. One the CPU lacks is an error.
    std::optional<cpu::kernel_path> kernels;
};

template <class T = float>
class basic_cpu_backend {
public:
    using value_type = T;
    // Activations and workspaces are the process's largest allocations, touched first by the
    // first batch: huge pages make that first pass cheap (core/huge_page_allocator.hpp).
    using buffer = xt::xtensor<T, 1, xt::layout_type::row_major, huge_page_allocator<T>>;
    using options = cpu_options;
    static constexpr std::string_view name = "cpu";

    basic_cpu_backend() : basic_cpu_backend(cpu_options{}) {}
    explicit basic_cpu_backend(cpu_options options)
        : options_(options), kernels_(options.kernels.value_or(cpu::active_kernel_choice().path)) {
        threads_ = options_.threads > 0 ? options_.threads : omp_get_max_threads();
        if (!cpu::cpu_supports(kernels_))
            throw std::invalid_argument("cpu backend: this CPU cannot run the " +
                                        std::string(cpu::to_string(kernels_)) + " kernels");
    }

    /// Host threads the convolutions and element-wise loops run on.
    [[nodiscard]] int threads() const noexcept { return threads_; }
    /// The instruction set its float products run on.
    [[nodiscard]] cpu::kernel_path kernels() const noexcept { return kernels_; }
    /// One line about where this backend runs by default: the kernel path and why, the BLAS and
    /// its kernel set (double and the blas path), the threads.
    [[nodiscard]] static std::string describe() {
        const auto& choice = cpu::active_kernel_choice();
        return "xtensor + keychroma " + std::string(cpu::to_string(choice.path)) + " kernels (" +
               choice.reason + ") + " + cpu::blas_kernels() + " + OpenMP, " +
               std::to_string(omp_get_max_threads()) + " threads";
    }

    // --- memory -------------------------------------------------------------------------------
    void allocate(buffer& b, std::size_t n) const {
        if (b.size() != n) b.resize({n});
    }
    [[nodiscard]] T* data(buffer& b) const noexcept { return b.data(); }
    [[nodiscard]] const T* data(const buffer& b) const noexcept { return b.data(); }
    void upload(const T* host, std::size_t n, T* dev) const {
        std::memcpy(dev, host, n * sizeof(T));
    }
    void download(const T* dev, std::size_t n, T* host) const {
        std::memcpy(host, dev, n * sizeof(T));
    }
    void fill(T* p, std::size_t n, double v) const { std::fill(p, p + n, T(v)); }
    void copy(const T* src, std::size_t n, T* dst) const { std::memmove(dst, src, n * sizeof(T)); }
    void synchronize() const noexcept {}

    // --- convolution --------------------------------------------------------------------------
    // One thread pool only: OpenMP splits every GEMM into row tiles and each thread runs a
    // single-threaded GEMM on its tile (on the blas path OpenBLAS's own threads would spin
    // against OpenMP's on a machine with few cores). The weights are packed for the GEMM once
    // per call, before the threads start. A forward tile builds its own im2col rows right before
    // its GEMM, so the column tile is still in cache when the GEMM reads it.
    template <class Act>
    void conv_forward(const conv_shape& s, const T* in, const T* w, const T* bias, T* out) {
        cpu::set_blas_threads(1);
        if (use_winograd(s)) {
            const cpu::winograd::problem pb{s.n, s.in_h, s.in_w, s.in_c, s.out_c};
            cpu::winograd::convolve<Act>(
                pb, in, winograd_weights(s, w, false), bias, out,
                grow(wino_ws_, cpu::winograd::workspace_size<T>(pb, threads_)), kernels_, threads_);
            return;
        }
        const std::size_t row_len = s.k * s.k * s.in_c, M = s.n * s.out_h * s.out_w;
        const std::size_t tile = tile_rows(row_len, M), tiles = (M + tile - 1) / tile;
        T* ws = grow(col_, std::size_t(threads_) * tile * row_len);
        const std::size_t size = cpu::packed_size<T>(kernels_, row_len, s.out_c);
        const T* packed =
            kept_.packed(w, row_len * s.out_c, size, grow(packed_w_, size), threads_, [&](T* p) {
                cpu::pack_b<T>(kernels_, false, row_len, s.out_c, w, s.out_c, p);
            });
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
        for (std::ptrdiff_t t = 0; t < std::ptrdiff_t(tiles); ++t) {
            const std::size_t p0 = std::size_t(t) * tile, p1 = std::min(M, p0 + tile);
            const T* a =
                column_tile(s, in, p0, p1, ws + std::size_t(omp_get_thread_num()) * tile * row_len);
            T* c = out + p0 * s.out_c;
            cpu::gemm_packed<T>(kernels_, false, p1 - p0, s.out_c, row_len, T(1), a, row_len,
                                packed, T(0), c, s.out_c);
            for (std::size_t r = 0; r < p1 - p0; ++r) {
                T* row = c + r * s.out_c;
#pragma omp simd
                for (std::size_t j = 0; j < s.out_c; ++j)
                    row[j] = Act::template apply<T>(row[j] + bias[j]);
            }
        }
    }

    /// The workspaces conv_forward grows, each shared by every layer (forward_memory's indices).
    enum forward_workspace : std::size_t {
        column_tiles,    ///< col_: each thread's im2col rows
        winograd_tiles,  ///< wino_ws_: transformed input and output tiles
        winograd_kernel, ///< wino_u_: the kernel's 36 transformed positions, before packing
        packing_scratch, ///< packed_w_: a kernel packed on a call that does not keep it
        forward_workspaces
    };
    using forward_memory = nn::forward_memory<forward_workspaces>;
    /// Adds what conv_forward of `s` holds for a batch of up to s.n images: its need of each
    /// workspace, and the kernel kept for its layer (kept_weights: the weights' copy and their
    /// packed form). The column tiles are counted at their bound (tile_rows: one tile a thread
    /// of at most cache_tile_rows rows); the rest exactly.
    void count_conv_forward(const conv_shape& s, forward_memory& m) const noexcept {
        constexpr std::uint64_t value = sizeof(T);
        if (use_winograd(s)) {
            const cpu::winograd::problem pb{s.n, s.in_h, s.in_w, s.in_c, s.out_c};
            const std::size_t packed =
                cpu::winograd::points * cpu::winograd::packed_point_size<T>(pb, kernels_);
            m.need_shared(winograd_tiles,
                          value * cpu::winograd::largest_workspace_size<T>(pb, threads_));
            m.need_shared(winograd_kernel, value * cpu::winograd::points * s.in_c * s.out_c);
            m.need_shared(packing_scratch, value * packed);
            m.keep(value * (9 * s.in_c * s.out_c + packed));
            return;
        }
        const std::size_t row_len = s.k * s.k * s.in_c, M = s.n * s.out_h * s.out_w;
        const std::size_t threads = std::size_t(threads_);
        const std::size_t rows = std::max<std::size_t>(
            std::min(cache_tile_rows(row_len), (M + threads - 1) / threads), 16);
        const std::size_t packed = cpu::packed_size<T>(kernels_, row_len, s.out_c);
        m.need_shared(column_tiles, value * threads * rows * row_len);
        m.need_shared(packing_scratch, value * packed);
        m.keep(value * (row_len * s.out_c + packed));
    }

    /// Bytes its workspaces and kept kernels hold now (what count_conv_forward counts, and the
    /// workspaces of training passes).
    [[nodiscard]] std::uint64_t workspace_bytes_held() const noexcept {
        std::uint64_t values = 0;
        for (const workspace* w : {&col_, &dcol_, &dw_part_, &wino_u_, &wino_ws_, &phase_w_,
                                   &phase_ws_, &packed_w_, &sample_grad_, &sample_ws_})
            values += w->capacity();
        return values * sizeof(T) + kept_.bytes();
    }

    /// din = transpose-convolution of dout (overwrites din).
    void conv_backward_data(const conv_shape& s, const T* dout, const T* w, T* din) {
        cpu::set_blas_threads(1);
        if (use_winograd(s)) { // a forward convolution of dout with the rotated kernel
            const cpu::winograd::problem pb{s.n, s.out_h, s.out_w, s.out_c, s.in_c};
            cpu::winograd::convolve<identity_activation>(
                pb, dout, winograd_weights(s, w, true), static_cast<const T*>(nullptr), din,
                grow(wino_ws_, cpu::winograd::workspace_size<T>(pb, threads_)), kernels_, threads_);
            return;
        }
        if (!s.pointwise() && options_.phase_backward_data && cpu::phase::applicable(s)) {
            cpu::phase::plan(s, phases_);
            T* wt = grow(phase_w_, cpu::phase::kernel_size(phases_, s));
            cpu::phase::transpose_kernel(s, phases_, w, wt);
            T* ws = grow(phase_ws_, cpu::phase::workspace_size(s, phases_, threads_));
            cpu::phase::backward_data(s, phases_, dout, wt, din, ws, phase_items_, kernels_,
                                      threads_);
            return;
        }
        const std::size_t row_len = s.k * s.k * s.in_c, pix = s.out_h * s.out_w;
        for_chunks(s, [&](std::size_t n0, std::size_t n1) {
            const std::size_t m = (n1 - n0) * pix;
            const T* g = dout + n0 * pix * s.out_c;
            T* dcol = s.pointwise() ? din + n0 * pix * s.in_c : grow(dcol_, m * row_len);
            // Row tiles handed out dynamically: on a shared machine a thread whose core is busy
            // takes fewer tiles (each tile is the same GEMM whichever thread runs it, so the
            // result does not depend on the schedule).
            const std::size_t tile = tile_rows(row_len, m), tiles = (m + tile - 1) / tile;
            const T* packed = pack_weights(true, s.out_c, row_len, w, s.out_c);
#pragma omp parallel for num_threads(threads_) schedule(dynamic, 1)
            for (std::ptrdiff_t t = 0; t < std::ptrdiff_t(tiles); ++t) {
                const std::size_t r0 = std::size_t(t) * tile, r1 = std::min(m, r0 + tile);
                if (r1 > r0)
                    cpu::gemm_packed<T>(kernels_, false, r1 - r0, row_len, s.out_c, T(1),
                                        g + r0 * s.out_c, s.out_c, packed, T(0),
                                        dcol + r0 * row_len, row_len);
            }
            if (!s.pointwise()) cpu::col2im(s, dcol, n0, n1, din, threads_);
        });
    }

    /// dw = sum over the batch of col(in)^T dout; db = sum of dout over pixels (overwritten).
    /// Each thread accumulates a fixed, contiguous range of row tiles into its own partial dw;
    /// the partials are then added in thread order (deterministic for a thread count).
    void conv_backward_weights(const conv_shape& s, const T* in, const T* dout, T* dw, T* db) {
        cpu::set_blas_threads(1);
        if (use_winograd(s)) {
            const cpu::winograd::problem pb{s.n, s.in_h, s.in_w, s.in_c, s.out_c};
            const std::size_t bytes = std::max<std::size_t>(options_.workspace_bytes, 1);
            T* ws = grow(wino_ws_, cpu::winograd::weight_gradient_workspace<T>(pb, bytes));
            cpu::winograd::weight_gradient(pb, in, dout, dw, ws, bytes, kernels_, threads_);
            column_sums(dout, s.n * s.out_h * s.out_w, s.out_c, db);
            return;
        }
        const std::size_t row_len = s.k * s.k * s.in_c, M = s.n * s.out_h * s.out_w;
        const std::size_t wc = row_len * s.out_c;
        const std::size_t tile = tile_rows(row_len, M), tiles = (M + tile - 1) / tile;
        const std::size_t parts = std::size_t(threads_);
        T* ws = grow(col_, parts * tile * row_len);
        T* partial = parts > 1 ? grow(dw_part_, parts * wc) : dw;
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t part = 0; part < std::ptrdiff_t(parts); ++part) {
            const std::size_t t0 = tiles * std::size_t(part) / parts,
                              t1 = tiles * std::size_t(part + 1) / parts;
            T* acc = partial + std::size_t(part) * wc;
            if (t0 == t1) std::fill(acc, acc + wc, T(0));
            for (std::size_t t = t0; t < t1; ++t) {
                const std::size_t p0 = t * tile, p1 = std::min(M, p0 + tile);
                const T* a = column_tile(s, in, p0, p1, ws + std::size_t(part) * tile * row_len);
                cpu::gemm<T>(kernels_, true, false, row_len, s.out_c, p1 - p0, T(1), a, row_len,
                             dout + p0 * s.out_c, s.out_c, t == t0 ? T(0) : T(1), acc, s.out_c);
            }
        }
        if (parts > 1) {
#pragma omp parallel for simd num_threads(threads_) schedule(static)
            for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(wc); ++i) {
                T sum = partial[std::size_t(i)];
                for (std::size_t part = 1; part < parts; ++part)
                    sum += partial[part * wc + std::size_t(i)];
                dw[i] = sum;
            }
        }
        column_sums(dout, M, s.out_c, db);
    }

    /// dw, db += every sample's weight and bias gradient, each rounded onto the grid of
    /// nn/fixed_sum.hpp. A sample's gradient is computed by one thread, in an order that depends
    /// neither on the thread count nor on the batch's other samples, so the sums are the same
    /// however a batch is split among threads, calls or ranks. Each thread takes whole samples
    /// and sums them into its own partial (integers: the partials add up exactly in any order).
    void conv_backward_weights_fixed(const conv_shape& s, const T* in, const T* dout, fixed_sum* dw,
                                     fixed_sum* db) {
        if (s.n == 0) return;
        conv_shape one = s;
        one.n = 1;
        const std::size_t in_per = s.in_h * s.in_w * s.in_c, out_per = s.out_h * s.out_w * s.out_c;
        const std::size_t wc = s.k * s.k * s.in_c * s.out_c, per = wc + s.out_c;
        const std::size_t parts = std::min(std::size_t(threads_), s.n);
        const std::size_t ws_per = sample_workspace_size(one);
        T* grads = grow(sample_grad_, parts * per);
        T* ws = grow(sample_ws_, parts * ws_per);
        if (fixed_part_.size() < (parts - 1) * per) fixed_part_.resize((parts - 1) * per);
        cpu::set_blas_threads(1);
#pragma omp parallel for num_threads(int(parts)) schedule(static)
        for (std::ptrdiff_t part = 0; part < std::ptrdiff_t(parts); ++part) {
            const std::size_t p = std::size_t(part);
            fixed_sum* acc_w = p == 0 ? dw : fixed_part_.data() + (p - 1) * per;
            fixed_sum* acc_b = p == 0 ? db : acc_w + wc;
            if (p > 0) std::fill(acc_w, acc_w + per, fixed_sum(0));
            T* g = grads + p * per;
            for (std::size_t i = s.n * p / parts; i < s.n * (p + 1) / parts; ++i) {
                sample_weight_gradient(one, in + i * in_per, dout + i * out_per, g, g + wc,
                                       ws + p * ws_per);
                add_fixed(g, wc, acc_w);
                add_fixed(g + wc, s.out_c, acc_b);
            }
        }
        if (parts == 1) return;
        const fixed_sum* partial = fixed_part_.data();
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t i = 0; i < std::ptrdiff_t(per); ++i) {
            fixed_sum sum = 0;
            for (std::size_t p = 0; p + 1 < parts; ++p) sum += partial[p * per + std::size_t(i)];
            if (std::size_t(i) < wc)
                dw[i] += sum;
            else
                db[std::size_t(i) - wc] += sum;
        }
    }

    // --- element-wise -------------------------------------------------------------------------
    template <class Act>
    void activation_forward(T* x, std::size_t n) const {
        const std::ptrdiff_t count = std::ptrdiff_t(n);
#pragma omp parallel for simd num_threads(threads_) schedule(static)
        for (std::ptrdiff_t i = 0; i < count; ++i) x[i] = Act::template apply<T>(x[i]);
    }
    template <class Act>
    void activation_backward(const T* y, T* g, std::size_t n) const {
        const std::ptrdiff_t count = std::ptrdiff_t(n);
#pragma omp parallel for simd num_threads(threads_) schedule(static)
        for (std::ptrdiff_t i = 0; i < count; ++i)
            g[i] *= Act::template derivative_from_output<T>(y[i]);
    }

    /// Nearest upsampling; `s` is the input shape.
    void upsample_forward(const tensor_shape& s, std::size_t f, const T* in, T* out) const {
        const std::size_t C = s.c, ow = s.w * f;
        const std::ptrdiff_t rows = std::ptrdiff_t(s.n * s.h * f);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t r = 0; r < rows; ++r) {
            const std::size_t n = std::size_t(r) / (s.h * f), oy = std::size_t(r) % (s.h * f);
            const T* src = in + (n * s.h + oy / f) * s.w * C;
            T* dst = out + std::size_t(r) * ow * C;
            for (std::size_t x = 0; x < s.w; ++x)
                for (std::size_t j = 0; j < f; ++j, dst += C)
                    std::memcpy(dst, src + x * C, C * sizeof(T));
        }
    }
    void upsample_backward(const tensor_shape& s, std::size_t f, const T* dout, T* din) const {
        const std::size_t C = s.c, ow = s.w * f;
        const std::ptrdiff_t rows = std::ptrdiff_t(s.n * s.h);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t r = 0; r < rows; ++r) {
            const std::size_t n = std::size_t(r) / s.h, iy = std::size_t(r) % s.h;
            T* d = din + std::size_t(r) * s.w * C;
            std::fill(d, d + s.w * C, T(0));
            for (std::size_t fy = 0; fy < f; ++fy) {
                const T* src = dout + (n * s.h * f + iy * f + fy) * ow * C;
                for (std::size_t x = 0; x < s.w; ++x)
                    for (std::size_t fx = 0; fx < f; ++fx) {
                        const T* g = src + (x * f + fx) * C;
                        for (std::size_t c = 0; c < C; ++c) d[x * C + c] += g[c];
                    }
            }
        }
    }

    // --- batch normalisation ------------------------------------------------------------------
    /// saved = {mean[C], inverse std[C]} of this batch (training) for the backward pass.
    void batch_norm_forward(const tensor_shape& s, const T* in, T* out, const T* gamma,
                            const T* beta, T* running_mean, T* running_var, T* saved, bool training,
                            double momentum, double eps) {
        const std::size_t C = s.c, P = s.pixels();
        T* mean = saved;
        T* inv = saved + C;
        if (training) {
            std::vector<double>& sums = reduce_per_channel(
                in, P, C, [](T x, T) { return double(x); }, nullptr);
            for (std::size_t c = 0; c < C; ++c) mean[c] = T(sums[c] / double(P));
            std::vector<double>& sq = reduce_per_channel(
                in, P, C, [](T x, T m) { return double(x - m) * double(x - m); }, mean);
            for (std::size_t c = 0; c < C; ++c) {
                const double var = sq[c] / double(P);
                inv[c] = T(1.0 / std::sqrt(var + eps));
                const double unbiased = P > 1 ? sq[c] / double(P - 1) : var;
                running_mean[c] = T(momentum * running_mean[c] + (1 - momentum) * mean[c]);
                running_var[c] = T(momentum * running_var[c] + (1 - momentum) * unbiased);
            }
        } else {
            for (std::size_t c = 0; c < C; ++c) {
                mean[c] = running_mean[c];
                inv[c] = T(1.0 / std::sqrt(double(running_var[c]) + eps));
            }
        }
        const std::ptrdiff_t count = std::ptrdiff_t(P);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t p = 0; p < count; ++p)
            for (std::size_t c = 0; c < C; ++c) {
                const std::size_t i = std::size_t(p) * C + c;
                out[i] = gamma[c] * (in[i] - mean[c]) * inv[c] + beta[c];
            }
    }
    void batch_norm_backward(const tensor_shape& s, const T* in, const T* dout, const T* gamma,
                             const T* saved, T* din, T* dgamma, T* dbeta) {
        const std::size_t C = s.c, P = s.pixels();
        const T* mean = saved;
        const T* inv = saved + C;
        column_sums(dout, P, C, dbeta);
        // sum over pixels of dout * xhat, with xhat recomputed from the input
        std::vector<double>& dg = reduce_per_channel_pair(in, dout, P, C, mean, inv);
        for (std::size_t c = 0; c < C; ++c) dgamma[c] = T(dg[c]);
        if (!din) return;
        const std::ptrdiff_t count = std::ptrdiff_t(P);
        const T inv_p = T(1) / T(P);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t p = 0; p < count; ++p)
            for (std::size_t c = 0; c < C; ++c) {
                const std::size_t i = std::size_t(p) * C + c;
                const T xhat = (in[i] - mean[c]) * inv[c];
                din[i] =
                    gamma[c] * inv[c] * (dout[i] - inv_p * dbeta[c] - xhat * inv_p * dgamma[c]);
            }
    }

    // --- loss and optimizers ------------------------------------------------------------------
    template <class Loss>
    double loss(const T* pred, const T* target, T* grad, std::size_t n) {
        const std::size_t chunks = std::size_t(threads_);
        partial_.assign(chunks, 0.0);
        const T scale = T(1) / T(n);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t ch = 0; ch < std::ptrdiff_t(chunks); ++ch) {
            const std::size_t b = n * std::size_t(ch) / chunks,
                              e = n * std::size_t(ch + 1) / chunks;
            double sum = 0;
            for (std::size_t i = b; i < e; ++i) {
                const T d = pred[i] - target[i];
                sum += double(loss_at<Loss>(d, target[i]));
                grad[i] = slope_at<Loss>(d, target[i]) * scale;
            }
            partial_[std::size_t(ch)] = sum;
        }
        double total = 0;
        for (double p : partial_) total += p;
        return total / double(n);
    }

    /// loss() of split-invariant training: `samples` samples of `per_sample` values, the
    /// gradient that of the mean over `of_samples` samples (this batch may be a rank's share of
    /// a larger one). Returns the sum over the samples of each one's mean loss, rounded by
    /// fixed_loss: the same whatever the thread count and however the batch is split.
    template <class Loss>
    double loss_per_sample(const T* pred, const T* target, T* grad, std::size_t samples,
                           std::size_t per_sample, std::size_t of_samples) {
        partial_.assign(samples, 0.0);
        const T scale = T(1) / T(per_sample * of_samples);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t k = 0; k < std::ptrdiff_t(samples); ++k) {
            const std::size_t b = std::size_t(k) * per_sample, e = b + per_sample;
            double sum = 0;
            for (std::size_t i = b; i < e; ++i) {
                const T d = pred[i] - target[i];
                sum += double(loss_at<Loss>(d, target[i]));
                grad[i] = slope_at<Loss>(d, target[i]) * scale;
            }
            partial_[std::size_t(k)] = fixed_loss(sum / double(per_sample));
        }
        double total = 0;
        for (double p : partial_) total += p;
        return total;
    }

    /// f(i) for every i in [0, n), spread over the threads and vectorised: the one loop
    /// element-wise code (optimizers, element-wise layers) is written for.
    template <class F>
    void for_each_index(std::size_t n, F f) const {
        const std::ptrdiff_t count = std::ptrdiff_t(n);
#pragma omp parallel for simd num_threads(threads_) schedule(static)
        for (std::ptrdiff_t i = 0; i < count; ++i) f(std::size_t(i));
    }

private:
    [[nodiscard]] bool use_winograd(const conv_shape& s) const noexcept {
        return options_.winograd && cpu::winograd::applicable(s) &&
               std::min(s.in_c, s.out_c) >= options_.winograd_min_channels;
    }

    /// Runs fn(n0, n1) over chunks of whole images whose column matrix fits the workspace.
    template <class Fn>
    void for_chunks(const conv_shape& s, Fn&& fn) const {
        s.for_image_chunks(options_.workspace_bytes, sizeof(T), fn);
    }

    /// op(w) (k x n, leading dimension ldw) packed once for this call's products (cpu::pack_b).
    const T* pack_weights(bool trans, std::size_t k, std::size_t n, const T* w, std::size_t ldw) {
        T* packed = grow(packed_w_, cpu::packed_size<T>(kernels_, k, n));
        cpu::pack_b<T>(kernels_, trans, k, n, w, ldw, packed);
        return packed;
    }
    /// w's Winograd transform, packed for the 36 products of convolve: the forward kernel (kept
    /// while w stays the same, cpu_kept_weights.hpp), or with `flipped` the kernel of backward
    /// data (its problem has s.out_c channels in).
    const T* winograd_weights(const conv_shape& s, const T* w, bool flipped) {
        const cpu::winograd::problem pb = flipped
                                              ? cpu::winograd::problem{0, 0, 0, s.out_c, s.in_c}
                                              : cpu::winograd::problem{0, 0, 0, s.in_c, s.out_c};
        const std::size_t size =
            cpu::winograd::points * cpu::winograd::packed_point_size<T>(pb, kernels_);
        const auto pack = [&](T* packed) {
            T* u = grow(wino_u_, cpu::winograd::points * s.in_c * s.out_c);
            cpu::winograd::transform_weights(s.in_c, s.out_c, w, flipped, u, threads_);
            cpu::winograd::pack_weights(pb, u, flipped, kernels_, packed, threads_);
        };
        T* scratch = grow(packed_w_, size);
        if (flipped) {
            pack(scratch);
            return scratch;
        }
        return kept_.packed(w, 9 * s.in_c * s.out_c, size, scratch, threads_, pack);
    }

    /// Whether one image's weight gradient takes Winograd's route: only with enough tiles.
    /// Its 36 products of an image with few tiles are thin, and their 36 x Cin x Cout result
    /// is written and read back for every image (at 12x12, 9 tiles: slower than the direct
    /// method's 4x the multiplies).
    [[nodiscard]] bool sample_winograd(const conv_shape& s) const noexcept {
        constexpr std::size_t min_tiles = 32;
        return use_winograd(s) &&
               cpu::winograd::problem{1, s.in_h, s.in_w, s.in_c, s.out_c}.tiles() >= min_tiles;
    }
    /// Pixels per tile of one image's direct weight gradient: a column tile of about 4 MB, the
    /// same whatever the thread count (its order of summation must not depend on it).
    [[nodiscard]] static std::size_t sample_tile(const conv_shape& s) noexcept {
        return std::min(s.out_h * s.out_w, cache_tile_rows(s.k * s.k * s.in_c));
    }
    /// Values of the workspace one thread needs for sample_weight_gradient.
    [[nodiscard]] std::size_t sample_workspace_size(const conv_shape& s) const noexcept {
        if (sample_winograd(s))
            return cpu::winograd::weight_gradient_workspace<T>(
                {1, s.in_h, s.in_w, s.in_c, s.out_c},
                std::max<std::size_t>(options_.workspace_bytes, 1));
        return s.pointwise() ? 0 : sample_tile(s) * s.k * s.k * s.in_c;
    }
    /// The weight and bias gradient of one image (s.n == 1), overwritten, on the calling thread
    /// alone: Winograd's (its order is the same on any thread count) or the direct method's,
    /// over the pixels in tiles of sample_tile(s), in order.
    void sample_weight_gradient(const conv_shape& s, const T* in, const T* dout, T* dw, T* db,
                                T* ws) const {
        const std::size_t M = s.out_h * s.out_w;
        constexpr std::size_t columns = 64; // of db summed at a time, in double
        for (std::size_t c0 = 0; c0 < s.out_c; c0 += columns) {
            const std::size_t nc = std::min(columns, s.out_c - c0);
            double sum[columns] = {};
            for (std::size_t p = 0; p < M; ++p)
                for (std::size_t j = 0; j < nc; ++j) sum[j] += double(dout[p * s.out_c + c0 + j]);
            for (std::size_t j = 0; j < nc; ++j) db[c0 + j] = T(sum[j]);
        }
        if (sample_winograd(s)) {
            const cpu::winograd::problem pb{1, s.in_h, s.in_w, s.in_c, s.out_c};
            cpu::winograd::weight_gradient(pb, in, dout, dw, ws,
                                           std::max<std::size_t>(options_.workspace_bytes, 1),
                                           kernels_, 1);
            return;
        }
        const std::size_t row_len = s.k * s.k * s.in_c, tile = sample_tile(s);
        for (std::size_t p0 = 0; p0 < M; p0 += tile) {
            const std::size_t p1 = std::min(M, p0 + tile);
            const T* a = column_tile(s, in, p0, p1, ws);
            cpu::gemm<T>(kernels_, true, false, row_len, s.out_c, p1 - p0, T(1), a, row_len,
                         dout + p0 * s.out_c, s.out_c, p0 == 0 ? T(0) : T(1), dw, s.out_c);
        }
    }

    /// acc[i] += x[i] rounded onto the fixed grid (on the calling thread).
    static void add_fixed(const T* x, std::size_t n, fixed_sum* acc) noexcept {
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i) acc[i] += to_fixed(double(x[i]));
    }

    /// Rows of the GEMM's left matrix for output pixels [p0, p1): im2col into `ws`, or the
    /// input itself for 1x1 stride-1 convolutions.
    const T* column_tile(const conv_shape& s, const T* in, std::size_t p0, std::size_t p1,
                         T* ws) const {
        if (s.pointwise()) return in + p0 * s.in_c;
        cpu::im2col_rows(s, in, 0, p0, p1, ws);
        return ws;
    }
    /// Rows per GEMM tile: a column tile of at most about 4 MB (it stays in L2/L3 while the GEMM
    /// reads it), in whole rounds of one tile per thread: a last round shorter than the others
    /// leaves threads idle (conv 6 of the paper's network at batch 1: 3 tiles of 455, 455 and
    /// 114 rows on 2 threads, where 4 of 256 keep both busy).
    std::size_t tile_rows(std::size_t row_len, std::size_t rows) const noexcept {
        return std::max<std::size_t>(
            cpu::even_split(rows, cache_tile_rows(row_len), std::size_t(threads_)), 16);
    }
    /// Rows of a column tile of about 4 MB.
    static std::size_t cache_tile_rows(std::size_t row_len) noexcept {
        return std::clamp<std::size_t>((std::size_t(4) << 20) / (row_len * sizeof(T)), 256, 16384);
    }

    using workspace = std::vector<T, huge_page_allocator<T>>;

    static T* grow(workspace& ws, std::size_t n) {
        if (ws.size() < n) {
            ws.reserve(n); // exactly n: resize alone may take twice the old size
            ws.resize(n);
        }
        return ws.data();
    }

    /// out[c] = sum over rows of m[r][c], deterministic for a given thread count.
    void column_sums(const T* m, std::size_t rows, std::size_t cols, T* out) {
        const auto& totals = reduce_per_channel(
            m, rows, cols, [](T x, T) { return double(x); }, nullptr);
        for (std::size_t j = 0; j < cols; ++j) out[j] = T(totals[j]);
    }

    /// Per-channel sums of f(x, aux[c]) over `rows` pixels; returns totals (size cols).
    template <class F>
    std::vector<double>& reduce_per_channel(const T* m, std::size_t rows, std::size_t cols, F f,
                                            const T* aux) {
        const std::size_t chunks = std::size_t(threads_);
        sums_.assign(chunks * cols, 0.0);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t ch = 0; ch < std::ptrdiff_t(chunks); ++ch) {
            double* acc = sums_.data() + std::size_t(ch) * cols;
            const std::size_t b = rows * std::size_t(ch) / chunks,
                              e = rows * std::size_t(ch + 1) / chunks;
            for (std::size_t r = b; r < e; ++r)
                for (std::size_t j = 0; j < cols; ++j)
                    acc[j] += f(m[r * cols + j], aux ? aux[j] : T(0));
        }
        totals_.assign(cols, 0.0);
        for (std::size_t j = 0; j < cols; ++j)
            for (std::size_t ch = 0; ch < chunks; ++ch) totals_[j] += sums_[ch * cols + j];
        return totals_;
    }
    std::vector<double>& reduce_per_channel_pair(const T* x, const T* g, std::size_t rows,
                                                 std::size_t cols, const T* mean, const T* inv) {
        const std::size_t chunks = std::size_t(threads_);
        sums_.assign(chunks * cols, 0.0);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (std::ptrdiff_t ch = 0; ch < std::ptrdiff_t(chunks); ++ch) {
            double* acc = sums_.data() + std::size_t(ch) * cols;
            const std::size_t b = rows * std::size_t(ch) / chunks,
                              e = rows * std::size_t(ch + 1) / chunks;
            for (std::size_t r = b; r < e; ++r)
                for (std::size_t j = 0; j < cols; ++j) {
                    const std::size_t i = r * cols + j;
                    acc[j] += double(g[i]) * double((x[i] - mean[j]) * inv[j]);
                }
        }
        totals_.assign(cols, 0.0);
        for (std::size_t j = 0; j < cols; ++j)
            for (std::size_t ch = 0; ch < chunks; ++ch) totals_[j] += sums_[ch * cols + j];
        return totals_;
    }

    cpu_options options_;
    int threads_ = 1;
    cpu::kernel_path kernels_;
    // grown once
    workspace col_, dcol_, dw_part_, wino_u_, wino_ws_, phase_w_, phase_ws_, packed_w_,
        sample_grad_, sample_ws_;
    std::vector<fixed_sum> fixed_part_; // the threads' partial sums but the first's
    cpu::kept_weights<T> kept_;         // the forward kernels, packed
    std::vector<cpu::phase::phase_plan> phases_;
    std::vector<cpu::phase::work_item> phase_items_;
    std::vector<double> partial_, sums_, totals_; // reduction scratch
};

using cpu_backend = basic_cpu_backend<float>;

} // namespace keychroma::nn
