#pragma once
// Losses as policies. A loss is an element-wise function of the difference d = prediction -
// target; the backend averages it over every element (Keras' mean over channels then over
// pixels and batch is the same mean) and writes its gradient, already divided by the count.

#include <cmath>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

template <class L>
concept loss_function = requires(float d) {
    {L::template value<float>(d)};
    {L::template derivative<float>(d)};
    L::name;
};

/// Mean squared error: the paper's loss.
struct mse {
    static constexpr fixed_string name{"mse"};
    template <class T>
    KEYCHROMA_HD static T value(T d) noexcept {
        return d * d;
    }
    template <class T>
    KEYCHROMA_HD static T derivative(T d) noexcept {
        return T(2) * d;
    }
};

/// Mean absolute error (subgradient 0 at d = 0).
struct l1 {
    static constexpr fixed_string name{"l1"};
    template <class T>
    KEYCHROMA_HD static T value(T d) noexcept {
        return d < T(0) ? -d : d;
    }
    template <class T>
    KEYCHROMA_HD static T derivative(T d) noexcept {
        return d > T(0) ? T(1) : (d < T(0) ? T(-1) : T(0));
    }
};

/// Huber loss with threshold 1 (Keras' default delta): quadratic near 0, linear beyond.
struct huber {
    static constexpr fixed_string name{"huber"};
    template <class T>
    KEYCHROMA_HD static T value(T d) noexcept {
        const T a = d < T(0) ? -d : d;
        return a <= T(1) ? T(0.5) * d * d : a - T(0.5);
    }
    template <class T>
    KEYCHROMA_HD static T derivative(T d) noexcept {
        return d > T(1) ? T(1) : (d < T(-1) ? T(-1) : d);
    }
};

} // namespace keychroma::nn
