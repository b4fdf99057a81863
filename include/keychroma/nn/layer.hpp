#pragma once
// The layer protocol. A layer type L (conv<64,3,1>, relu, ...) is bound to the channel count its
// predecessor produces through `typename L::template bind<InChannels>`; the bound type states
// its output channels, spatial effect, parameter tensors and signature as constants, and runs
// forward/backward through the backend's primitive operations. A layer that does not fit its
// predecessor fails inside bind<> with a static_assert, so the message names both numbers.

#include <array>
#include <cstddef>

#include "keychroma/nn/fixed_sum.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

/// How a parameter tensor starts out (Keras defaults: Glorot-uniform kernels, zero biases).
enum class init_kind { glorot_uniform, zeros, ones };

/// One parameter tensor of a layer: its shape, its Glorot fans, its initialisation, and whether
/// the optimizer updates it (batch norm's running statistics are state, not weights).
struct param_spec {
    std::array<std::size_t, 4> shape{};
    std::size_t rank = 1;
    std::size_t fan_in = 0, fan_out = 0;
    init_kind init = init_kind::zeros;
    bool trainable = true;
    [[nodiscard]] constexpr std::size_t count() const noexcept {
        std::size_t n = 1;
        for (std::size_t i = 0; i < rank; ++i) n *= shape[i];
        return n;
    }
};

/// Pointers (in the backend's memory) and shapes one layer works on. For in-place layers
/// (activations) `out == in`.
template <class T>
struct layer_io {
    tensor_shape in_shape, out_shape;
    const T* in = nullptr;
    T* out = nullptr;
    std::array<T*, 4> params{};
    std::array<T*, 4> grads{};
    /// Set in split-invariant backward passes (network::backward_fixed): the layer adds each
    /// sample's gradients onto the fixed grid here instead of writing `grads`.
    std::array<fixed_sum*, 4> fixed_grads{};
    T* scratch = nullptr; ///< per-layer memory kept from forward to backward (batch norm)
    const T* dout = nullptr;
    T* din = nullptr; ///< null when nobody needs the input gradient (first layer)
    bool training = false;
};

/// What a bound layer states, at the values most layers have: InC channels in, OutC out, no
/// change of size, no parameters, no scratch memory, not in place. A layer's bind<InC> derives
/// from it and states only what differs, then gives forward and backward (upsample.hpp is the
/// shortest example; docs/architecture.md adds a layer).
template <std::size_t InC, std::size_t OutC = InC>
struct layer_base {
    static_assert(InC > 0, "keychroma::nn: the first layer of a sequential must be input<C>");
    static constexpr std::size_t in_channels = InC;
    static constexpr std::size_t out_channels = OutC;
    static constexpr std::size_t stride = 1;  ///< the output is the input's size / stride
    static constexpr std::size_t upscale = 1; ///< ... times upscale
    static constexpr bool is_activation = false;
    static constexpr bool in_place = false; ///< writes its output over its input
    static constexpr bool is_conv = false;
    /// Whether its parameter gradients are sums of per-sample gradients that it can add onto
    /// the fixed grid (layer_io::fixed_grads): split-invariant training needs it of every layer
    /// with parameters. Not batch norm, whose batch statistics depend on the batch's split.
    static constexpr bool per_sample_gradients = false;
    static constexpr std::array<param_spec, 0> params{};
    static constexpr std::size_t scratch_size(tensor_shape) noexcept { return 0; }
    static constexpr tensor_shape output_shape(tensor_shape in) noexcept {
        return {in.n, in.h, in.w, OutC};
    }
};

/// Activations that can be folded into the epilogue of the convolution before them. Their
/// derivative must be expressible from the output alone (y -> dy/dx), which lets them run in
/// place: relu, leaky relu, tanh, sigmoid and identity all qualify.
template <class A>
concept activation_function = requires(float x) {
    {A::template apply<float>(x)};
    {A::template derivative_from_output<float>(x)};
};

/// The identity, used where a convolution is not followed by an activation.
struct identity_activation {
    template <class T>
    KEYCHROMA_HD static T apply(T x) noexcept {
        return x;
    }
    template <class T>
    KEYCHROMA_HD static T derivative_from_output(T) noexcept {
        return T(1);
    }
};

} // namespace keychroma::nn
