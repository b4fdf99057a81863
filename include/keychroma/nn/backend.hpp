#pragma once
// What a backend provides: a buffer type in its own memory, host transfers, and the primitive
// operations every layer, loss and optimizer is written in, the last of them for_each_index: f(i)
// over [0, n), which element-wise code is written once over. Pointers passed to the operations
// point into the backend's memory (data(buffer) + offset); all tensors are NHWC and convolution
// weights HWIO (tensor.hpp), so network<Stack, Backend> and the model files stay the same for
// every backend. The CPU backend is nn/backend/cpu.hpp; a Thrust backend implements the same.

#include <concepts>
#include <cstddef>
#include <string_view>

#include "keychroma/nn/activations.hpp"
#include "keychroma/nn/backend_memory.hpp"
#include "keychroma/nn/fixed_sum.hpp"
#include "keychroma/nn/loss.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

namespace detail {
/// An element-wise functor, to check that a backend runs one.
struct index_probe {
    KEYCHROMA_HD void operator()(std::size_t) const noexcept {}
};
} // namespace detail

template <class B>
concept backend = requires(B& b, typename B::buffer& buf, typename B::value_type* p,
                           const typename B::value_type* cp, std::size_t n, conv_shape cs,
                           tensor_shape ts, double x, bool flag,
                           typename B::forward_memory& memory) {
    typename B::value_type;
    typename B::buffer;
    { B::name } -> std::convertible_to<std::string_view>;
    // Memory: allocate (re)sizes a buffer to n values, keeping it when the size is unchanged.
    b.allocate(buf, n);
    { b.data(buf) } -> std::same_as<typename B::value_type*>;
    { buf.size() } -> std::convertible_to<std::size_t>;
    b.upload(cp, n, p);   // host -> backend
    b.download(cp, n, p); // backend -> host
    b.fill(p, n, x);
    b.copy(cp, n, p);
    b.synchronize();
    // Convolution ("same" padding, any K and stride): forward fused with bias + activation,
    // backward data (din = conv^T(dout)), backward weights (dw, db overwritten).
    b.template conv_forward<relu>(cs, cp, cp, cp, p);
    b.conv_backward_data(cs, cp, cp, p);
    b.conv_backward_weights(cs, cp, cp, p, p);
    // What conv_forward of cs holds besides its input and output, for a batch of up to cs.n
    // images, added into a forward_memory (nn/backend_memory.hpp): colorization counts it.
    b.count_conv_forward(cs, memory);
    // In-place activation, and its backward from the output: g *= f'(y).
    b.template activation_forward<relu>(p, n);
    b.template activation_backward<relu>(cp, p, n);
    // Nearest upsampling by an integer factor (ts is the input shape).
    b.upsample_forward(ts, n, cp, p);
    b.upsample_backward(ts, n, cp, p);
    // Batch normalisation over N*H*W pixels per channel.
    b.batch_norm_forward(ts, cp, p, cp, cp, p, p, p, flag, x, x);
    b.batch_norm_backward(ts, cp, cp, cp, cp, p, p, p);
    // Loss averaged over n elements; writes d(loss)/d(prediction) into the third pointer.
    { b.template loss<mse>(cp, cp, p, n) } -> std::convertible_to<double>;
    // f(i) for i in [0, n): what element-wise code is written over (optimizer.hpp).
    b.for_each_index(n, detail::index_probe{});
};

/// A backend that can sum a batch's gradients and losses independently of how the batch is split
/// among threads, calls or ranks (nn/fixed_sum.hpp; trainer_options::split_invariant): each
/// sample's weight and bias gradient added onto the fixed grid, and the per-sample loss (its
/// gradient that of the mean over `of_samples` samples, the whole batch a share belongs to).
/// The CPU backend is one.
template <class B>
concept split_invariant_backend = backend<B> &&
    requires(B& b, typename B::value_type* p, const typename B::value_type* cp, fixed_sum* f,
             std::size_t n, conv_shape cs) {
    b.conv_backward_weights_fixed(cs, cp, cp, f, f);
    { b.template loss_per_sample<mse>(cp, cp, p, n, n, n) } -> std::convertible_to<double>;
};

} // namespace keychroma::nn
