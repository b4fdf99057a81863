#pragma once
// Independent references for the convolution tests (test_layers.cpp, test_cpu_kernels.cpp): a
// "same"-padded convolution written as the textbook loop in double precision, one output value
// at a time, with TensorFlow's padding rule recomputed here rather than taken from the library.

#include <algorithm>
#include <cstddef>
#include <random>
#include <vector>

#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn::testing {

inline std::vector<double> random_vector(std::size_t n, unsigned seed, double lo = -1,
                                         double hi = 1) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<double> d(lo, hi);
    std::vector<double> v(n);
    for (auto& x : v) x = d(gen);
    return v;
}

/// Same-padding convolution exactly as TensorFlow defines it, one output at a time.
inline std::vector<double> naive_conv(const conv_shape& s, const std::vector<double>& in,
                                      const std::vector<double>& w, const std::vector<double>& b) {
    const long pad_total_h = std::max<long>(long((s.out_h - 1) * s.stride + s.k) - long(s.in_h), 0);
    const long pad_total_w = std::max<long>(long((s.out_w - 1) * s.stride + s.k) - long(s.in_w), 0);
    const long top = pad_total_h / 2, left = pad_total_w / 2;
    std::vector<double> out(s.n * s.out_h * s.out_w * s.out_c);
    for (std::size_t n = 0; n < s.n; ++n)
        for (std::size_t oy = 0; oy < s.out_h; ++oy)
            for (std::size_t ox = 0; ox < s.out_w; ++ox)
                for (std::size_t co = 0; co < s.out_c; ++co) {
                    double acc = b[co];
                    for (std::size_t ky = 0; ky < s.k; ++ky)
                        for (std::size_t kx = 0; kx < s.k; ++kx) {
                            const long iy = long(oy * s.stride) - top + long(ky);
                            const long ix = long(ox * s.stride) - left + long(kx);
                            if (iy < 0 || ix < 0 || iy >= long(s.in_h) || ix >= long(s.in_w))
                                continue;
                            for (std::size_t ci = 0; ci < s.in_c; ++ci)
                                acc += in[((n * s.in_h + iy) * s.in_w + ix) * s.in_c + ci] *
                                       w[((ky * s.k + kx) * s.in_c + ci) * s.out_c + co];
                        }
                    out[((n * s.out_h + oy) * s.out_w + ox) * s.out_c + co] = acc;
                }
    return out;
}

/// The adjoint of naive_conv with respect to its input (the gradient of <conv(in), dout> with
/// respect to in), as the textbook scatter loop: every product of the forward sum sends
/// dout * w back to the input value it read.
inline std::vector<double> naive_conv_backward_data(const conv_shape& s,
                                                    const std::vector<double>& dout,
                                                    const std::vector<double>& w) {
    const long pad_total_h = std::max<long>(long((s.out_h - 1) * s.stride + s.k) - long(s.in_h), 0);
    const long pad_total_w = std::max<long>(long((s.out_w - 1) * s.stride + s.k) - long(s.in_w), 0);
    const long top = pad_total_h / 2, left = pad_total_w / 2;
    std::vector<double> din(s.n * s.in_h * s.in_w * s.in_c, 0.0);
    for (std::size_t n = 0; n < s.n; ++n)
        for (std::size_t oy = 0; oy < s.out_h; ++oy)
            for (std::size_t ox = 0; ox < s.out_w; ++ox)
                for (std::size_t co = 0; co < s.out_c; ++co) {
                    const double g = dout[((n * s.out_h + oy) * s.out_w + ox) * s.out_c + co];
                    for (std::size_t ky = 0; ky < s.k; ++ky)
                        for (std::size_t kx = 0; kx < s.k; ++kx) {
                            const long iy = long(oy * s.stride) - top + long(ky);
                            const long ix = long(ox * s.stride) - left + long(kx);
                            if (iy < 0 || ix < 0 || iy >= long(s.in_h) || ix >= long(s.in_w))
                                continue;
                            for (std::size_t ci = 0; ci < s.in_c; ++ci)
                                din[((n * s.in_h + iy) * s.in_w + ix) * s.in_c + ci] +=
                                    g * w[((ky * s.k + kx) * s.in_c + ci) * s.out_c + co];
                        }
                }
    return din;
}

/// The gradient of <conv(in), dout> with respect to the HWIO kernel: for every tap, the sum over
/// the batch and the output pixels of the input value under the tap times dout.
inline std::vector<double> naive_conv_backward_weights(const conv_shape& s,
                                                       const std::vector<double>& in,
                                                       const std::vector<double>& dout) {
    const long pad_total_h = std::max<long>(long((s.out_h - 1) * s.stride + s.k) - long(s.in_h), 0);
    const long pad_total_w = std::max<long>(long((s.out_w - 1) * s.stride + s.k) - long(s.in_w), 0);
    const long top = pad_total_h / 2, left = pad_total_w / 2;
    std::vector<double> dw(s.weight_count(), 0.0);
    for (std::size_t ky = 0; ky < s.k; ++ky)
        for (std::size_t kx = 0; kx < s.k; ++kx)
            for (std::size_t ci = 0; ci < s.in_c; ++ci)
                for (std::size_t co = 0; co < s.out_c; ++co) {
                    double acc = 0;
                    for (std::size_t n = 0; n < s.n; ++n)
                        for (std::size_t oy = 0; oy < s.out_h; ++oy)
                            for (std::size_t ox = 0; ox < s.out_w; ++ox) {
                                const long iy = long(oy * s.stride) - top + long(ky);
                                const long ix = long(ox * s.stride) - left + long(kx);
                                if (iy < 0 || ix < 0 || iy >= long(s.in_h) || ix >= long(s.in_w))
                                    continue;
                                acc += in[((n * s.in_h + iy) * s.in_w + ix) * s.in_c + ci] *
                                       dout[((n * s.out_h + oy) * s.out_w + ox) * s.out_c + co];
                            }
                    dw[((ky * s.k + kx) * s.in_c + ci) * s.out_c + co] = acc;
                }
    return dw;
}

inline double dot(const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
}

} // namespace keychroma::nn::testing
