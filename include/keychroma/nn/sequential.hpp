#pragma once
// sequential<Layers...>: a network architecture as one type, read top-down like the paper's
// table. Each layer is bound to the channel count of the layer before it, so shapes chain at
// compile time and a misfit is a static_assert inside the offending layer's bind<>.

#include <array>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

namespace detail {
template <std::size_t InC, class... Layers>
struct chain {
    using type = std::tuple<>;
    static constexpr std::size_t out_channels = InC;
};
template <std::size_t InC, class L, class... Rest>
struct chain<InC, L, Rest...> {
    using bound = typename L::template bind<InC>;
    using next = chain<bound::out_channels, Rest...>;
    using type = decltype(std::tuple_cat(std::declval<std::tuple<bound>>(),
                                         std::declval<typename next::type>()));
    static constexpr std::size_t out_channels = next::out_channels;
};

/// A layer's signature followed by ';' (layers with an empty signature add nothing).
template <class B>
constexpr auto signature_part() noexcept {
    if constexpr (B::signature.size() == 0)
        return fixed_string<0>{};
    else
        return B::signature + fixed_string{";"};
}
template <class Tuple, std::size_t... I>
constexpr auto join_signatures(std::index_sequence<I...>) noexcept {
    return (fixed_string<0>{} + ... + signature_part<std::tuple_element_t<I, Tuple>>());
}

template <class B>
concept input_layer = requires {
    B::is_input;
};
} // namespace detail

template <class... Layers>
struct sequential {
    static_assert(sizeof...(Layers) > 0, "keychroma::nn: a sequential needs at least input<C>");
    using bound_layers = typename detail::chain<0, Layers...>::type;
    static constexpr std::size_t depth = sizeof...(Layers);
    template <std::size_t I>
    using layer = std::tuple_element_t<I, bound_layers>;
    static_assert(detail::input_layer<layer<0>>,
                  "keychroma::nn: the first layer of a sequential must be input<C>");

    static constexpr std::size_t in_channels = layer<0>::out_channels;
    static constexpr std::size_t out_channels = detail::chain<0, Layers...>::out_channels;

private:
    template <std::size_t... I>
    static constexpr std::size_t count_tensors(std::index_sequence<I...>) {
        return (std::size_t{0} + ... + layer<I>::params.size());
    }
    template <std::size_t... I>
    static constexpr std::size_t product_of_strides(std::index_sequence<I...>) {
        return (std::size_t{1} * ... * layer<I>::stride);
    }
    template <std::size_t... I>
    static constexpr std::size_t product_of_upscales(std::index_sequence<I...>) {
        return (std::size_t{1} * ... * layer<I>::upscale);
    }
    using indices = std::make_index_sequence<depth>;

public:
    /// Number of parameter tensors (weights, biases, batch-norm state), in layer order.
    static constexpr std::size_t parameter_tensor_count = count_tensors(indices{});
    /// Shapes and initialisation of every parameter tensor, in layer order.
    static constexpr auto parameter_specs() {
        std::array<param_spec, parameter_tensor_count> specs{};
        std::size_t k = 0;
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (([&] {
                 for (const auto& p : layer<I>::params) specs[k++] = p;
             }()),
             ...);
        }
        (indices{});
        return specs;
    }
    /// First parameter tensor of each layer (index into parameter_specs()).
    static constexpr auto first_tensor_of_layer() {
        std::array<std::size_t, depth + 1> first{};
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((first[I + 1] = first[I] + layer<I>::params.size()), ...);
        }
        (indices{});
        return first;
    }
    /// All parameters, trainable or not.
    static constexpr std::size_t parameter_count = [] {
        std::size_t n = 0;
        for (const auto& p : parameter_specs()) n += p.count();
        return n;
    }();
    static constexpr std::size_t trainable_parameter_count = [] {
        std::size_t n = 0;
        for (const auto& p : parameter_specs())
            if (p.trainable) n += p.count();
        return n;
    }();
    /// Input height and width must be multiples of this (the product of the strides).
    static constexpr std::size_t input_multiple = product_of_strides(indices{});
    /// Output size = input size * upscale / input_multiple.
    static constexpr std::size_t upscale = product_of_upscales(indices{});
    /// The architecture as text, e.g. "input<1>;conv<64,3,1>;relu;...": stored in model files
    /// so that a model cannot be loaded into a different stack.
    static constexpr auto signature = detail::join_signatures<bound_layers>(indices{});

    /// Shape after every layer for an input shape (index 0 = the input itself).
    static constexpr std::array<tensor_shape, depth> shapes(tensor_shape in) {
        std::array<tensor_shape, depth> s{};
        s[0] = layer<0>::output_shape(in);
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            ((s[I + 1] = layer<I + 1>::output_shape(s[I])), ...);
        }
        (std::make_index_sequence<depth - 1>{});
        return s;
    }
    static constexpr tensor_shape output_shape(tensor_shape in) { return shapes(in)[depth - 1]; }
};

} // namespace keychroma::nn
