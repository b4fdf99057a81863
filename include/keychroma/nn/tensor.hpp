#pragma once
// Tensors as the network sees them. Activations are NHWC (batch, height, width, channels):
// with that layout a 3x3 convolution is one GEMM of an im2col matrix whose rows are nine
// contiguous channel runs, and convolution weights are HWIO ({K, K, in, out}, the Keras layout),
// which is exactly the GEMM's right-hand matrix. Every backend uses these layouts, so model files
// do not depend on the backend that trained them.

#include <algorithm>
#include <cstddef>

#include <xtensor/xtensor.hpp>

#include "keychroma/core/error.hpp"

/// Marks functions callable from host and device code (Thrust/CUDA backend); empty for g++.
#if defined(__CUDACC__)
#define KEYCHROMA_HD __host__ __device__
#else
#define KEYCHROMA_HD
#endif

namespace keychroma::nn {

/// A batch of images on the host, shape {batch, height, width, channels}.
template <class T = float>
using basic_host_tensor = xt::xtensor<T, 4>;
using host_tensor = basic_host_tensor<float>;

/// Shape of an activation tensor (NHWC).
struct tensor_shape {
    std::size_t n = 0, h = 0, w = 0, c = 0;
    [[nodiscard]] constexpr std::size_t size() const noexcept { return n * h * w * c; }
    [[nodiscard]] constexpr std::size_t pixels() const noexcept { return n * h * w; }
    friend constexpr bool operator==(const tensor_shape&, const tensor_shape&) = default;
};

template <class T>
[[nodiscard]] tensor_shape shape_of(const basic_host_tensor<T>& t) noexcept {
    return {t.shape()[0], t.shape()[1], t.shape()[2], t.shape()[3]};
}

/// Everything a backend needs to run one "same"-padded convolution over a batch.
struct conv_shape {
    std::size_t n = 0; ///< batch
    std::size_t in_h = 0, in_w = 0, in_c = 0;
    std::size_t out_h = 0, out_w = 0, out_c = 0;
    std::size_t k = 3, stride = 1;
    std::size_t pad_h = 1, pad_w = 1; ///< top/left padding; bottom/right is what "same" needs
    [[nodiscard]] constexpr std::size_t weight_count() const noexcept {
        return k * k * in_c * out_c;
    }
    /// Multiply-accumulates of the forward pass.
    [[nodiscard]] constexpr double macs() const noexcept {
        return double(n) * double(out_h * out_w) * double(out_c) * double(k * k * in_c);
    }
    /// A 1x1 convolution without stride or padding: its input is already the GEMM's left
    /// matrix, so a backend needs no im2col for it.
    [[nodiscard]] constexpr bool pointwise() const noexcept {
        return k == 1 && stride == 1 && pad_h == 0 && pad_w == 0;
    }
    /// Values of one image's column matrix (im2col).
    [[nodiscard]] constexpr std::size_t column_values_per_image() const noexcept {
        return out_h * out_w * k * k * in_c;
    }
    /// Images a chunk of for_image_chunks takes: as many whole images as `workspace_bytes`
    /// hold of column matrix (`element_bytes` per value), one at least, n at most.
    [[nodiscard]] constexpr std::size_t images_per_chunk(std::size_t workspace_bytes,
                                                         std::size_t element_bytes) const noexcept {
        const std::size_t per_image = column_values_per_image() * element_bytes;
        return std::clamp<std::size_t>(workspace_bytes / std::max<std::size_t>(per_image, 1), 1,
                                       std::max<std::size_t>(n, 1));
    }
    /// Runs fn(n0, n1) over chunks of whole images [n0, n1) whose column matrix (im2col, of
    /// `element_bytes` per value) fits `workspace_bytes`; one image at least per chunk.
    template <class Fn>
    void for_image_chunks(std::size_t workspace_bytes, std::size_t element_bytes, Fn&& fn) const {
        const std::size_t step = images_per_chunk(workspace_bytes, element_bytes);
        for (std::size_t n0 = 0; n0 < n; n0 += step) fn(n0, std::min(n, n0 + step));
    }
};

/// "Same" padding as TensorFlow/Keras define it: out = ceil(in / stride), the total padding
/// max((out - 1) * stride + k - in, 0) split with the extra pixel at the bottom/right.
[[nodiscard]] constexpr conv_shape make_conv_shape(tensor_shape in, std::size_t out_c,
                                                   std::size_t k, std::size_t stride) noexcept {
    conv_shape s;
    s.n = in.n;
    s.in_h = in.h;
    s.in_w = in.w;
    s.in_c = in.c;
    s.out_h = (in.h + stride - 1) / stride;
    s.out_w = (in.w + stride - 1) / stride;
    s.out_c = out_c;
    s.k = k;
    s.stride = stride;
    const auto before = [&](std::size_t in_len, std::size_t out_len) {
        const std::size_t need = (out_len - 1) * stride + k;
        return (need > in_len ? need - in_len : 0) / 2;
    };
    s.pad_h = before(in.h, s.out_h);
    s.pad_w = before(in.w, s.out_w);
    return s;
}

} // namespace keychroma::nn
