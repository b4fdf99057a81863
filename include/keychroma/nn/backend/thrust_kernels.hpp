#pragma once
// The element-wise work of the Thrust backend as function objects over an index: Thrust runs
// them with for_each / transform / transform_reduce over counting iterators, as CUDA kernels
// under nvcc and as OpenMP loops on the host, so the code that runs on a GPU is the code the
// host tests check. Each object holds raw pointers into the system's memory and plain sizes
// (no conv_shape member functions: they are not __device__). Summation orders follow the CPU
// backend's (col2im taps in (ky, kx) order, upsampling gradients in (fy, fx) order), so the two
// backends differ only by how their GEMMs round.

#include <cmath>
#include <cstddef>

#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/tensor.hpp" // KEYCHROMA_HD, conv_shape, tensor_shape

namespace keychroma::nn::thrust_detail {

/// conv_shape reduced to what the index arithmetic needs, for the chunk of images at hand.
struct conv_geometry {
    std::size_t in_h, in_w, in_c, out_h, out_w, k, stride, pad_h, pad_w;
    static conv_geometry of(const conv_shape& s) {
        return {s.in_h, s.in_w, s.in_c, s.out_h, s.out_w, s.k, s.stride, s.pad_h, s.pad_w};
    }
    KEYCHROMA_HD std::size_t row_len() const { return k * k * in_c; }
};

/// Column entry (output pixel r, tap, channel) -> input element, or false in the padding.
KEYCHROMA_HD inline bool input_index(const conv_geometry& g, std::size_t r, std::size_t tap,
                                     std::size_t c, std::size_t& index) {
    const std::size_t plane = g.out_h * g.out_w;
    const std::size_t n = r / plane, q = r % plane;
    const std::size_t oy = q / g.out_w, ox = q % g.out_w;
    const std::ptrdiff_t iy = std::ptrdiff_t(oy * g.stride + tap / g.k) - std::ptrdiff_t(g.pad_h);
    const std::ptrdiff_t ix = std::ptrdiff_t(ox * g.stride + tap % g.k) - std::ptrdiff_t(g.pad_w);
    if (iy < 0 || ix < 0 || iy >= std::ptrdiff_t(g.in_h) || ix >= std::ptrdiff_t(g.in_w))
        return false;
    index = ((n * g.in_h + std::size_t(iy)) * g.in_w + std::size_t(ix)) * g.in_c + c;
    return true;
}

/// im2col, one column entry per index (the GPU's choice: coalesced reads and writes).
template <class T>
struct im2col_entry {
    conv_geometry g;
    const T* in;
    T* col;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t row_len = g.row_len();
        const std::size_t r = i / row_len, j = i % row_len;
        std::size_t src = 0;
        col[i] = input_index(g, r, j / g.in_c, j % g.in_c, src) ? in[src] : T(0);
    }
};

/// im2col, one (output pixel, tap) run of in_c channels per index (the host's choice).
template <class T>
struct im2col_run {
    conv_geometry g;
    const T* in;
    T* col;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t taps = g.k * g.k;
        const std::size_t r = i / taps, tap = i % taps;
        T* dst = col + r * g.row_len() + tap * g.in_c;
        std::size_t src = 0;
        if (input_index(g, r, tap, 0, src))
            for (std::size_t c = 0; c < g.in_c; ++c) dst[c] = in[src + c];
        else
            for (std::size_t c = 0; c < g.in_c; ++c) dst[c] = T(0);
    }
};

/// Adjoint of im2col as a gather: input element i (of the chunk) sums the column entries that
/// read it, so every output is written by one work item (no atomics, deterministic).
template <class T>
struct col2im_gather {
    conv_geometry g;
    const T* col;
    T* din;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t c = i % g.in_c, pixel = i / g.in_c;
        const std::size_t ix = pixel % g.in_w, rest = pixel / g.in_w;
        const std::size_t iy = rest % g.in_h, n = rest / g.in_h;
        const std::size_t row_len = g.row_len();
        const T* image_col = col + n * g.out_h * g.out_w * row_len;
        T sum = T(0);
        for (std::size_t ky = 0; ky < g.k; ++ky) {
            // oy * stride - pad + ky == iy  =>  oy = (iy + pad - ky) / stride when divisible
            const std::ptrdiff_t ty = std::ptrdiff_t(iy + g.pad_h) - std::ptrdiff_t(ky);
            if (ty < 0 || ty % std::ptrdiff_t(g.stride) != 0) continue;
            const std::size_t oy = std::size_t(ty) / g.stride;
            if (oy >= g.out_h) continue;
            for (std::size_t kx = 0; kx < g.k; ++kx) {
                const std::ptrdiff_t tx = std::ptrdiff_t(ix + g.pad_w) - std::ptrdiff_t(kx);
                if (tx < 0 || tx % std::ptrdiff_t(g.stride) != 0) continue;
                const std::size_t ox = std::size_t(tx) / g.stride;
                if (ox >= g.out_w) continue;
                sum += image_col[(oy * g.out_w + ox) * row_len + (ky * g.k + kx) * g.in_c + c];
            }
        }
        din[i] = sum;
    }
};

/// The convolution's epilogue: out = Act(out + bias[channel]).
template <class Act, class T>
struct bias_activation {
    T* out;
    const T* bias;
    std::size_t channels;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        out[i] = Act::template apply<T>(out[i] + bias[i % channels]);
    }
};

template <class Act, class T>
struct activation_apply {
    KEYCHROMA_HD T operator()(T x) const { return Act::template apply<T>(x); }
};
/// g * f'(y), the activation's derivative taken from its output.
template <class Act, class T>
struct activation_gradient {
    KEYCHROMA_HD T operator()(T y, T g) const {
        return g * Act::template derivative_from_output<T>(y);
    }
};

/// Nearest upsampling, one output element per index.
template <class T>
struct upsample_gather {
    std::size_t h, w, c, f;
    const T* in;
    T* out;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t ch = i % c, pixel = i / c;
        const std::size_t ow = w * f, oh = h * f;
        const std::size_t ox = pixel % ow, rest = pixel / ow;
        const std::size_t oy = rest % oh, n = rest / oh;
        out[i] = in[((n * h + oy / f) * w + ox / f) * c + ch];
    }
};

/// Its adjoint: each input element sums its f x f block of output gradients.
template <class T>
struct upsample_scatter_sum {
    std::size_t h, w, c, f;
    const T* dout;
    T* din;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t ch = i % c, pixel = i / c;
        const std::size_t x = pixel % w, rest = pixel / w;
        const std::size_t y = rest % h, n = rest / h;
        const std::size_t ow = w * f;
        T sum = T(0);
        for (std::size_t fy = 0; fy < f; ++fy) {
            const T* row = dout + ((n * h + y) * f + fy) * ow * c;
            for (std::size_t fx = 0; fx < f; ++fx) sum += row[(x * f + fx) * c + ch];
        }
        din[i] = sum;
    }
};

/// Writes the loss gradient d(loss)/d(pred) = L'(pred - target) / n.
template <class Loss, class T>
struct loss_gradient {
    const T* pred;
    const T* target;
    T* grad;
    T scale;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        grad[i] = nn::slope_at<Loss>(pred[i] - target[i], target[i]) * scale;
    }
};
/// The loss of one element, accumulated in double.
template <class Loss, class T>
struct loss_value {
    const T* pred;
    const T* target;
    KEYCHROMA_HD double operator()(std::size_t i) const {
        return double(nn::loss_at<Loss>(pred[i] - target[i], target[i]));
    }
};

// --- per-channel reductions -------------------------------------------------------------------
// A [rows x cols] matrix is summed per column in two deterministic passes: `parts` row ranges
// per column (in double), then the parts in order. Terms are f(element index, column).

/// Pass 1: work item (part, column) sums its row range.
template <class F>
struct column_partial_sums {
    F f;
    std::size_t rows, cols, parts;
    double* partial; // [parts x cols]
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t part = i / cols, c = i % cols;
        const std::size_t r0 = rows * part / parts, r1 = rows * (part + 1) / parts;
        double acc = 0;
        for (std::size_t r = r0; r < r1; ++r) acc += f(r * cols + c, c);
        partial[i] = acc;
    }
};
/// Pass 2: column c adds its parts in order.
struct column_totals {
    std::size_t cols, parts;
    const double* partial;
    double* total;
    KEYCHROMA_HD void operator()(std::size_t c) const {
        double acc = 0;
        for (std::size_t p = 0; p < parts; ++p) acc += partial[p * cols + c];
        total[c] = acc;
    }
};

template <class T>
struct term_value {
    const T* m;
    KEYCHROMA_HD double operator()(std::size_t i, std::size_t) const { return double(m[i]); }
};
template <class T>
struct term_centered_square {
    const T* x;
    const T* mean;
    KEYCHROMA_HD double operator()(std::size_t i, std::size_t c) const {
        const T d = x[i] - mean[c];
        return double(d) * double(d);
    }
};
/// dout * xhat, with xhat recomputed from the input (batch norm's gamma gradient).
template <class T>
struct term_gradient_xhat {
    const T* x;
    const T* g;
    const T* mean;
    const T* inv;
    KEYCHROMA_HD double operator()(std::size_t i, std::size_t c) const {
        return double(g[i]) * double((x[i] - mean[c]) * inv[c]);
    }
};

/// Copies column totals to T (bias gradients, batch norm's beta gradient).
template <class T>
struct totals_to {
    const double* total;
    T* out;
    KEYCHROMA_HD void operator()(std::size_t c) const { out[c] = T(total[c]); }
};

// --- batch normalisation ---------------------------------------------------------------------

/// From the sums of x: mean[c] = sum / P (training).
template <class T>
struct bn_mean {
    const double* sum;
    T* mean;
    double pixels;
    KEYCHROMA_HD void operator()(std::size_t c) const { mean[c] = T(sum[c] / pixels); }
};
/// From the centred squares: inverse std of the batch, and the running statistics' update.
template <class T>
struct bn_batch_statistics {
    const double* squares;
    const T* mean;
    T* inv;
    T* running_mean;
    T* running_var;
    double pixels, momentum, eps;
    KEYCHROMA_HD void operator()(std::size_t c) const {
        const double var = squares[c] / pixels;
        inv[c] = T(1.0 / std::sqrt(var + eps));
        const double unbiased = pixels > 1 ? squares[c] / (pixels - 1) : var;
        running_mean[c] = T(momentum * running_mean[c] + (1 - momentum) * mean[c]);
        running_var[c] = T(momentum * running_var[c] + (1 - momentum) * unbiased);
    }
};
/// Inference: the running statistics become this pass's mean and inverse std.
template <class T>
struct bn_running_statistics {
    const T* running_mean;
    const T* running_var;
    T* mean;
    T* inv;
    double eps;
    KEYCHROMA_HD void operator()(std::size_t c) const {
        mean[c] = running_mean[c];
        inv[c] = T(1.0 / std::sqrt(double(running_var[c]) + eps));
    }
};
template <class T>
struct bn_normalize {
    const T* in;
    T* out;
    const T* gamma;
    const T* beta;
    const T* mean;
    const T* inv;
    std::size_t channels;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t c = i % channels;
        out[i] = gamma[c] * (in[i] - mean[c]) * inv[c] + beta[c];
    }
};
template <class T>
struct bn_input_gradient {
    const T* in;
    const T* dout;
    const T* gamma;
    const T* mean;
    const T* inv;
    const T* dgamma;
    const T* dbeta;
    T* din;
    T inv_pixels;
    std::size_t channels;
    KEYCHROMA_HD void operator()(std::size_t i) const {
        const std::size_t c = i % channels;
        const T xhat = (in[i] - mean[c]) * inv[c];
        din[i] =
            gamma[c] * inv[c] * (dout[i] - inv_pixels * dbeta[c] - xhat * inv_pixels * dgamma[c]);
    }
};

} // namespace keychroma::nn::thrust_detail
