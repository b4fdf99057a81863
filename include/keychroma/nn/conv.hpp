#pragma once
// 2-D convolution with "same" padding and a bias: conv<Out, K, Stride>. Weights are HWIO
// ({K, K, in, out}, as Keras stores them), so the NHWC forward pass is im2col x weights.

#include <cstddef>

#include "keychroma/nn/backend.hpp"
#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

template <std::size_t Out, std::size_t K = 3, std::size_t Stride = 1>
struct conv {
    static_assert(Out > 0, "keychroma::nn: conv<Out, K, Stride> needs at least one output channel");
    static_assert(K % 2 == 1, "keychroma::nn: conv kernel size K must be odd for 'same' padding");
    static_assert(Stride >= 1 && Stride <= K,
                  "keychroma::nn: conv stride must be between 1 and the kernel size");

    template <std::size_t InC>
    struct bind : layer_base<InC, Out> {
        static constexpr std::size_t kernel = K;
        static constexpr std::size_t stride = Stride;
        static constexpr bool is_conv = true;
        static constexpr std::array<param_spec, 2> params{
            param_spec{{K, K, InC, Out}, 4, K* K* InC, K* K* Out, init_kind::glorot_uniform, true},
            param_spec{{Out, 0, 0, 0}, 1, 0, 0, init_kind::zeros, true}};
        static constexpr auto signature =
            fixed_string{"conv<"} + number_string<Out>() + fixed_string{","} + number_string<K>() +
            fixed_string{","} + number_string<Stride>() + fixed_string{">"};
        static constexpr conv_shape geometry(tensor_shape in) noexcept {
            return make_conv_shape(in, Out, K, Stride);
        }
        static constexpr tensor_shape output_shape(tensor_shape in) noexcept {
            const auto g = geometry(in);
            return {in.n, g.out_h, g.out_w, Out};
        }
        /// Act: the activation that follows in the stack (fused into the epilogue) or identity.
        template <class Act, class Backend, class T>
        static void forward(Backend& b, const layer_io<T>& io) {
            b.template conv_forward<Act>(geometry(io.in_shape), io.in, io.params[0], io.params[1],
                                         io.out);
        }
        /// Splits exactly: its parameter gradients are sums over samples (split-invariant
        /// training, nn/fixed_sum.hpp).
        static constexpr bool per_sample_gradients = true;
        template <class Backend, class T>
        static void backward(Backend& b, const layer_io<T>& io) {
            const auto g = geometry(io.in_shape);
            if constexpr (split_invariant_backend<Backend>)
                if (io.fixed_grads[0]) {
                    b.conv_backward_weights_fixed(g, io.in, io.dout, io.fixed_grads[0],
                                                  io.fixed_grads[1]);
                    if (io.din) b.conv_backward_data(g, io.dout, io.params[0], io.din);
                    return;
                }
            b.conv_backward_weights(g, io.in, io.dout, io.grads[0], io.grads[1]);
            if (io.din) b.conv_backward_data(g, io.dout, io.params[0], io.din);
        }
    };
};

} // namespace keychroma::nn
