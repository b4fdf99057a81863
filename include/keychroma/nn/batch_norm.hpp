#pragma once
// Batch normalisation over the N*H*W pixels of each channel (Keras defaults: momentum 0.99,
// epsilon 1e-3). Not in the paper's network; offered for experiments beyond it. gamma and beta
// are trained; the running mean and variance are state saved with the model and used for
// inference (forward with training = false).

#include <cstddef>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

struct batch_norm {
    static constexpr double momentum = 0.99;
    static constexpr double epsilon = 1e-3;

    template <std::size_t InC>
    struct bind : layer_base<InC> {
        static constexpr std::array<param_spec, 4> params{
            param_spec{{InC, 0, 0, 0}, 1, 0, 0, init_kind::ones, true},   // gamma
            param_spec{{InC, 0, 0, 0}, 1, 0, 0, init_kind::zeros, true},  // beta
            param_spec{{InC, 0, 0, 0}, 1, 0, 0, init_kind::zeros, false}, // running mean
            param_spec{{InC, 0, 0, 0}, 1, 0, 0, init_kind::ones, false}}; // running variance
        static constexpr fixed_string signature{"batch_norm"};
        /// The batch's mean and inverse standard deviation, kept for backward.
        static constexpr std::size_t scratch_size(tensor_shape) noexcept { return 2 * InC; }
        template <class Act, class Backend, class T>
        static void forward(Backend& b, const layer_io<T>& io) {
            b.batch_norm_forward(io.in_shape, io.in, io.out, io.params[0], io.params[1],
                                 io.params[2], io.params[3], io.scratch, io.training, momentum,
                                 epsilon);
        }
        template <class Backend, class T>
        static void backward(Backend& b, const layer_io<T>& io) {
            b.batch_norm_backward(io.in_shape, io.in, io.dout, io.params[0], io.scratch, io.din,
                                  io.grads[0], io.grads[1]);
        }
    };
};

} // namespace keychroma::nn
