#pragma once
// Nearest-neighbour upsampling by an integer factor (Keras UpSampling2D's default).

#include <cstddef>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

template <std::size_t F = 2>
struct upsample {
    static_assert(F >= 1, "keychroma::nn: upsample factor must be at least 1");
    template <std::size_t InC>
    struct bind : layer_base<InC> {
        static constexpr std::size_t upscale = F;
        static constexpr auto signature =
            fixed_string{"upsample<"} + number_string<F>() + fixed_string{">"};
        static constexpr tensor_shape output_shape(tensor_shape in) noexcept {
            return {in.n, in.h * F, in.w * F, in.c};
        }
        template <class Act, class Backend, class T>
        static void forward(Backend& b, const layer_io<T>& io) {
            b.upsample_forward(io.in_shape, F, io.in, io.out);
        }
        template <class Backend, class T>
        static void backward(Backend& b, const layer_io<T>& io) {
            if (io.din) b.upsample_backward(io.in_shape, F, io.dout, io.din);
        }
    };
};

} // namespace keychroma::nn
