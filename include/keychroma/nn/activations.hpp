#pragma once
// Element-wise activations. Each is both a layer (it appears in a sequential) and a functor the
// backends apply; a convolution immediately followed by one applies it in its epilogue, and the
// activation layer itself then costs nothing in the forward pass.

#include <cmath>
#include <cstddef>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

namespace detail {
/// The bound layer every activation shares: in place, shape preserving, no parameters.
template <class Act, std::size_t InC>
struct activation_layer : layer_base<InC> {
    using activation = Act;
    static constexpr bool is_activation = true;
    static constexpr bool in_place = true;
    static constexpr auto signature = Act::name;
    /// `fused`: the convolution before this layer already applied the activation.
    template <class Backend, class T>
    static void forward(Backend& b, const layer_io<T>& io, bool fused) {
        if (!fused) b.template activation_forward<Act>(io.out, io.out_shape.size());
    }
    /// In place on the gradient buffer: dout and din are the same memory.
    template <class Backend, class T>
    static void backward(Backend& b, const layer_io<T>& io) {
        b.template activation_backward<Act>(io.out, io.din, io.out_shape.size());
    }
};
} // namespace detail

/// max(x, 0).
struct relu {
    static constexpr fixed_string name{"relu"};
    template <class T>
    KEYCHROMA_HD static T apply(T x) noexcept {
        return x > T(0) ? x : T(0);
    }
    template <class T>
    KEYCHROMA_HD static T derivative_from_output(T y) noexcept {
        return y > T(0) ? T(1) : T(0);
    }
    template <std::size_t InC>
    using bind = detail::activation_layer<relu, InC>;
};

/// x for x > 0, alpha x otherwise, alpha = Num/Den (default 0.01 as PyTorch; Keras uses 0.3).
template <std::size_t Num = 1, std::size_t Den = 100>
struct basic_leaky_relu {
    static_assert(Den > 0 && Num < Den, "keychroma::nn: leaky_relu slope must be in [0, 1)");
    static constexpr fixed_string name = fixed_string{"leaky_relu<"} + number_string<Num>() +
                                         fixed_string{","} + number_string<Den>() +
                                         fixed_string{">"};
    template <class T>
    KEYCHROMA_HD static T apply(T x) noexcept {
        return x > T(0) ? x : x * (T(Num) / T(Den));
    }
    // Valid from the output because the slope is positive: sign(y) == sign(x).
    template <class T>
    KEYCHROMA_HD static T derivative_from_output(T y) noexcept {
        return y > T(0) ? T(1) : T(Num) / T(Den);
    }
    template <std::size_t InC>
    using bind = detail::activation_layer<basic_leaky_relu, InC>;
};
using leaky_relu = basic_leaky_relu<>;

/// Hyperbolic tangent; the paper's last activation (a, b scaled to [-1, 1]).
struct tanh_act {
    static constexpr fixed_string name{"tanh"};
    template <class T>
    KEYCHROMA_HD static T apply(T x) noexcept {
        return std::tanh(x);
    }
    template <class T>
    KEYCHROMA_HD static T derivative_from_output(T y) noexcept {
        return T(1) - y * y;
    }
    template <std::size_t InC>
    using bind = detail::activation_layer<tanh_act, InC>;
};

/// Logistic sigmoid 1 / (1 + e^-x).
struct sigmoid {
    static constexpr fixed_string name{"sigmoid"};
    template <class T>
    KEYCHROMA_HD static T apply(T x) noexcept {
        return T(1) / (T(1) + std::exp(-x));
    }
    template <class T>
    KEYCHROMA_HD static T derivative_from_output(T y) noexcept {
        return y * (T(1) - y);
    }
    template <std::size_t InC>
    using bind = detail::activation_layer<sigmoid, InC>;
};

} // namespace keychroma::nn
