#pragma once
// input<C>: the first layer of every sequential, stating how many channels the network reads
// (1 for the paper: the L channel). expects<C>: a zero-cost assertion placed anywhere in a stack
// to document — and have the compiler check — the channel count at that point.

#include <cstddef>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

namespace detail {
template <std::size_t C>
struct pass_through_layer : layer_base<C> {
    static constexpr bool in_place = true;
    template <class Act, class Backend, class T>
    static void forward(Backend&, const layer_io<T>&) {}
    template <class Backend, class T>
    static void backward(Backend&, const layer_io<T>&) {} // gradient passes through in place
};
} // namespace detail

template <std::size_t C>
struct input {
    static_assert(C > 0, "keychroma::nn: input<C> needs at least one channel");
    static constexpr std::size_t channels = C;
    /// A sequential binds its first layer with 0 channels ("nothing before me").
    template <std::size_t InC>
    struct bind : detail::pass_through_layer<C> {
        static_assert(InC == 0,
                      "keychroma::nn: input<C> must be the first layer of a sequential, and only "
                      "the first");
        static constexpr bool is_input = true;
        static constexpr auto signature =
            fixed_string{"input<"} + number_string<C>() + fixed_string{">"};
    };
};

template <std::size_t C>
struct expects {
    template <std::size_t InC>
    struct bind : detail::pass_through_layer<InC> {
        static_assert(InC == C, "keychroma::nn: channel mismatch: expects<C> follows a layer that "
                                "produces a different number of channels (see bind<InC>)");
        // Not part of the signature: it changes nothing about the weights.
        static constexpr fixed_string signature{""};
    };
};

} // namespace keychroma::nn
