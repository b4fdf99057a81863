#pragma once
// thrust_backend<System>: every primitive of the nn backend concept (backend.hpp) written as
// Thrust algorithms over one Thrust system's memory, with the matrix products behind
// thrust_gemm.hpp. The same source runs
//   - on a GPU: compiled by nvcc, System = thrust::system::cuda::tag (the default there), GEMMs in
//     cuBLAS; a whole training step stays on the device, parameters cross to the host only to be
//     loaded, saved or reported;
//   - on the host: compiled by g++ (THRUST_DEVICE_SYSTEM_OMP, the default there), or in any
//     build with System = thrust::system::omp::tag, GEMMs in the BLAS the CPU backend uses.
// Tensors are NHWC and weights HWIO exactly as in the CPU backend, so network<Stack, Backend>
// and model files are the same: train on one backend, colorize on the other.
//
// Convolutions are im2col + GEMM over chunks of whole images whose column matrix fits the
// workspace (grown once, then reused); 1x1 stride-1 convolutions use the input as the matrix.
// Every reduction is a gather or a fixed two-pass sum (thrust_kernels.hpp): no atomics, the
// same bits on every run for a given system and thread count.

// First: it chooses the host build's Thrust device system before any Thrust header is seen.
#include "keychroma/nn/backend/thrust_system.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <thrust/copy.h>
#include <thrust/fill.h>
#include <thrust/for_each.h>
#include <thrust/functional.h>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include "keychroma/nn/backend/thrust_gemm.hpp"
#include "keychroma/nn/backend/thrust_kernels.hpp"
#include "keychroma/nn/backend_memory.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

/// How im2col splits its work: one column entry per work item (coalesced on a GPU) or one
/// (pixel, tap) run of channels per item (contiguous copies on a CPU). Both are always
/// compiled, so the host tests check the GPU's variant too.
enum class im2col_granularity { system_default, per_entry, per_run };

/// Options of the Thrust backend.
struct thrust_options {
    /// Host threads of the OpenMP system (0 = OpenMP's default). Thrust's OpenMP system takes
    /// OpenMP's team size, so a positive count is set process-wide (omp_set_num_threads); the
    /// C++ and CUDA systems compute on one host thread and ignore it.
    int threads = 0;
    /// Largest im2col workspace in bytes; 0 = the system's default (64 MB host, 512 MB CUDA).
    /// Batches are split into chunks of whole images that fit (one image always fits).
    std::size_t workspace_bytes = 0;
    im2col_granularity im2col = im2col_granularity::system_default;
    thrust_detail::gemm_options gemm{};
};

template <class System = thrust::device_system_tag, class T = float>
class basic_thrust_backend {
    using traits = thrust_detail::system_traits<System>;
    template <class U>
    using vector = typename traits::template vector<U>;

public:
    using value_type = T;
    using system_tag = System;
    using buffer = vector<T>;
    using options = thrust_options;
    static constexpr std::string_view name = traits::name;
    /// Whether buffers live in host memory (true for the OpenMP and C++ systems).
    static constexpr bool host_memory = traits::on_host;

    basic_thrust_backend() : basic_thrust_backend(thrust_options{}) {}
    // The device check comes first: the GEMM's cuBLAS handle would fail less helpfully.
    explicit basic_thrust_backend(thrust_options options)
        : options_((traits::require_device(), options)), gemm_(options.gemm) {
        if (options_.workspace_bytes == 0)
            options_.workspace_bytes = traits::default_workspace_bytes;
        if (options_.threads > 0) traits::use_threads(options_.threads);
    }

    /// Host threads the system computes with (OpenMP's team size; 1 for C++ and CUDA).
    [[nodiscard]] int threads() const { return traits::threads(); }

    /// One line about where this backend runs (the CUDA device's name, or the host threads).
    [[nodiscard]] static std::string describe() { return traits::describe(); }

    // --- memory -------------------------------------------------------------------------------
    void allocate(buffer& b, std::size_t n) const {
        if (b.size() != n) b.resize(n);
    }
    [[nodiscard]] T* data(buffer& b) const noexcept { return thrust::raw_pointer_cast(b.data()); }
    [[nodiscard]] const T* data(const buffer& b) const noexcept {
        return thrust::raw_pointer_cast(b.data());
    }
    void upload(const T* host, std::size_t n, T* dev) const {
        if (n) traits::upload(host, n * sizeof(T), dev);
    }
    void download(const T* dev, std::size_t n, T* host) const {
        if (n) traits::download(dev, n * sizeof(T), host);
    }
    void fill(T* p, std::size_t n, double v) const {
        if (n) thrust::fill_n(traits::policy(), p, n, T(v));
    }
    void copy(const T* src, std::size_t n, T* dst) const {
        if (n && src != dst) thrust::copy_n(traits::policy(), src, n, dst);
    }
    void synchronize() const { traits::synchronize(); }

    // --- convolution --------------------------------------------------------------------------
    template <class Act>
    void conv_forward(const conv_shape& s, const T* in, const T* w, const T* bias, T* out) {
        const std::size_t row_len = s.k * s.k * s.in_c, pix = s.out_h * s.out_w;
        for_chunks(s, [&](std::size_t n0, std::size_t n1) {
            const std::size_t m = (n1 - n0) * pix;
            const T* a = columns(s, in + n0 * s.in_h * s.in_w * s.in_c, n1 - n0);
            gemm_(false, false, m, s.out_c, row_len, T(1), a, row_len, w, s.out_c, T(0),
                  out + n0 * pix * s.out_c, s.out_c);
        });
        for_each_index(s.n * pix * s.out_c,
                       thrust_detail::bias_activation<Act, T>{out, bias, s.out_c});
    }

    /// The one workspace conv_forward grows: the column matrix of a chunk of images (col_).
    using forward_memory = nn::forward_memory<1>;
    /// Adds what conv_forward of `s` holds for a batch of up to s.n images: the columns of the
    /// images for_chunks takes at once (none for a 1x1 stride-1 convolution).
    void count_conv_forward(const conv_shape& s, forward_memory& m) const noexcept {
        if (s.pointwise() || s.n == 0) return;
        m.need_shared(0, std::uint64_t(s.images_per_chunk(options_.workspace_bytes, sizeof(T))) *
                             s.column_values_per_image() * sizeof(T));
    }

    /// Bytes its workspaces hold now (what count_conv_forward counts, and the reductions').
    [[nodiscard]] std::uint64_t workspace_bytes_held() const noexcept {
        return col_.capacity() * sizeof(T) +
               (partial_.capacity() + totals_.capacity()) * sizeof(double);
    }

    /// din = transpose-convolution of dout (overwrites din).
    void conv_backward_data(const conv_shape& s, const T* dout, const T* w, T* din) {
        const std::size_t row_len = s.k * s.k * s.in_c, pix = s.out_h * s.out_w;
        const std::size_t in_image = s.in_h * s.in_w * s.in_c;
        for_chunks(s, [&](std::size_t n0, std::size_t n1) {
            const std::size_t m = (n1 - n0) * pix;
            T* dcol = s.pointwise() ? din + n0 * in_image : grow(col_, m * row_len);
            gemm_(false, true, m, row_len, s.out_c, T(1), dout + n0 * pix * s.out_c, s.out_c, w,
                  s.out_c, T(0), dcol, row_len);
            if (!s.pointwise())
                for_each_index((n1 - n0) * in_image,
                               thrust_detail::col2im_gather<T>{thrust_detail::conv_geometry::of(s),
                                                               dcol, din + n0 * in_image});
        });
    }

    /// dw = sum over the batch of col(in)^T dout; db = sum of dout over pixels (overwritten).
    void conv_backward_weights(const conv_shape& s, const T* in, const T* dout, T* dw, T* db) {
        const std::size_t row_len = s.k * s.k * s.in_c, pix = s.out_h * s.out_w;
        for_chunks(s, [&](std::size_t n0, std::size_t n1) {
            const std::size_t m = (n1 - n0) * pix;
            const T* a = columns(s, in + n0 * s.in_h * s.in_w * s.in_c, n1 - n0);
            gemm_(true, false, row_len, s.out_c, m, T(1), a, row_len, dout + n0 * pix * s.out_c,
                  s.out_c, n0 == 0 ? T(0) : T(1), dw, s.out_c);
        });
        const double* totals = column_sums(s.n * pix, s.out_c, thrust_detail::term_value<T>{dout});
        for_each_index(s.out_c, thrust_detail::totals_to<T>{totals, db});
    }

    // --- element-wise -------------------------------------------------------------------------
    template <class Act>
    void activation_forward(T* x, std::size_t n) const {
        if (n)
            thrust::transform(traits::policy(), x, x + n, x,
                              thrust_detail::activation_apply<Act, T>{});
    }
    template <class Act>
    void activation_backward(const T* y, T* g, std::size_t n) const {
        if (n)
            thrust::transform(traits::policy(), y, y + n, g, g,
                              thrust_detail::activation_gradient<Act, T>{});
    }

    /// Nearest upsampling; `s` is the input shape.
    void upsample_forward(const tensor_shape& s, std::size_t f, const T* in, T* out) const {
        for_each_index(s.size() * f * f,
                       thrust_detail::upsample_gather<T>{s.h, s.w, s.c, f, in, out});
    }
    void upsample_backward(const tensor_shape& s, std::size_t f, const T* dout, T* din) const {
        for_each_index(s.size(),
                       thrust_detail::upsample_scatter_sum<T>{s.h, s.w, s.c, f, dout, din});
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
            const double* sums = column_sums(P, C, thrust_detail::term_value<T>{in});
            for_each_index(C, thrust_detail::bn_mean<T>{sums, mean, double(P)});
            const double* squares =
                column_sums(P, C, thrust_detail::term_centered_square<T>{in, mean});
            for_each_index(C, thrust_detail::bn_batch_statistics<T>{squares, mean, inv,
                                                                    running_mean, running_var,
                                                                    double(P), momentum, eps});
        } else {
            for_each_index(C, thrust_detail::bn_running_statistics<T>{running_mean, running_var,
                                                                      mean, inv, eps});
        }
        for_each_index(P * C, thrust_detail::bn_normalize<T>{in, out, gamma, beta, mean, inv, C});
    }
    void batch_norm_backward(const tensor_shape& s, const T* in, const T* dout, const T* gamma,
                             const T* saved, T* din, T* dgamma, T* dbeta) {
        const std::size_t C = s.c, P = s.pixels();
        const T* mean = saved;
        const T* inv = saved + C;
        for_each_index(C, thrust_detail::totals_to<T>{
                              column_sums(P, C, thrust_detail::term_value<T>{dout}), dbeta});
        for_each_index(
            C, thrust_detail::totals_to<T>{
                   column_sums(P, C, thrust_detail::term_gradient_xhat<T>{in, dout, mean, inv}),
                   dgamma});
        if (!din) return;
        for_each_index(P * C, thrust_detail::bn_input_gradient<T>{
                                  in, dout, gamma, mean, inv, dgamma, dbeta, din, T(1) / T(P), C});
    }

    // --- loss and optimizers ------------------------------------------------------------------
    template <class Loss>
    double loss(const T* pred, const T* target, T* grad, std::size_t n) {
        if (n == 0) return 0.0;
        for_each_index(n, thrust_detail::loss_gradient<Loss, T>{pred, target, grad, T(1) / T(n)});
        const double total = thrust::transform_reduce(
            traits::policy(), thrust::counting_iterator<std::size_t>(0),
            thrust::counting_iterator<std::size_t>(n),
            thrust_detail::loss_value<Loss, T>{pred, target}, 0.0, thrust::plus<double>());
        return total / double(n);
    }

    /// f(i) for every i in [0, n) as one kernel: the one loop element-wise code (optimizers,
    /// element-wise layers) is written for. f must be callable on the device (KEYCHROMA_HD).
    template <class F>
    static void for_each_index(std::size_t n, F f) {
        if (n)
            thrust::for_each_n(traits::policy(), thrust::counting_iterator<std::size_t>(0), n, f);
    }

private:
    /// Runs fn(n0, n1) over chunks of whole images whose column matrix fits the workspace.
    template <class Fn>
    void for_chunks(const conv_shape& s, Fn&& fn) const {
        s.for_image_chunks(options_.workspace_bytes, sizeof(T), fn);
    }

    /// The GEMM's left matrix for `images` images starting at `in`: im2col into the workspace,
    /// or the input itself for 1x1 stride-1 convolutions.
    const T* columns(const conv_shape& s, const T* in, std::size_t images) {
        if (s.pointwise()) return in;
        const auto g = thrust_detail::conv_geometry::of(s);
        const std::size_t rows = images * s.out_h * s.out_w;
        T* col = grow(col_, rows * g.row_len());
        const bool per_entry = options_.im2col == im2col_granularity::system_default
                                   ? traits::fine_grained
                                   : options_.im2col == im2col_granularity::per_entry;
        if (per_entry)
            for_each_index(rows * g.row_len(), thrust_detail::im2col_entry<T>{g, in, col});
        else
            for_each_index(rows * s.k * s.k, thrust_detail::im2col_run<T>{g, in, col});
        return col;
    }

    /// Per-column sums (in double) of a [rows x cols] matrix given as terms f(index, column);
    /// returns the totals in the system's memory (valid until the next call).
    template <class F>
    const double* column_sums(std::size_t rows, std::size_t cols, F f) {
        const std::size_t parts = std::max<std::size_t>(traits::reduce_parts(rows, cols), 1);
        double* partial = grow(partial_, parts * cols);
        double* totals = grow(totals_, cols);
        for_each_index(parts * cols,
                       thrust_detail::column_partial_sums<F>{f, rows, cols, parts, partial});
        for_each_index(cols, thrust_detail::column_totals{cols, parts, partial, totals});
        return totals;
    }

    /// Grows a workspace (never shrinks; old contents are not kept).
    template <class U>
    static U* grow(vector<U>& v, std::size_t n) {
        if (v.size() < n) {
            v.clear();
            v.shrink_to_fit();
            v.resize(n);
        }
        return thrust::raw_pointer_cast(v.data());
    }

    thrust_options options_;
    thrust_detail::gemm<System> gemm_;
    vector<T> col_;                   // im2col / column-gradient workspace
    vector<double> partial_, totals_; // reduction scratch
};

/// The float backend on a Thrust system; thrust_backend<> is the configured device system
/// (CUDA under nvcc, OpenMP under g++).
template <class System = thrust::device_system_tag>
using thrust_backend = basic_thrust_backend<System, float>;

/// The Thrust backend on the host's OpenMP system: available in every build that has Thrust.
using thrust_host_backend = thrust_backend<thrust::system::omp::tag>;

#if defined(__CUDACC__)
/// The Thrust backend on the GPU: cuBLAS + Thrust's CUDA system (nvcc translation units only).
using cuda_backend = thrust_backend<thrust::system::cuda::tag>;
#endif

} // namespace keychroma::nn
