#pragma once
// Losses as policies. A loss is an element-wise function of the difference d = prediction -
// target, and may also look at the target itself (a weight per element); the backend averages
// it over every element (Keras' mean over channels then over pixels and batch is the same mean)
// and writes its gradient, already divided by the count.

#include <cmath>

#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/tensor.hpp"

namespace keychroma::nn {

/// A loss of the difference alone: value(d), derivative(d), and a name (recorded in reports).
template <class L>
concept loss_of_difference = requires(float d) {
    L::name;
    {L::template value<float>(d)};
    {L::template derivative<float>(d)};
};
/// A loss of the difference and the target (a weight per element): value(d, target),
/// derivative(d, target), and a name.
template <class L>
concept loss_of_difference_and_target = requires(float d, float target) {
    L::name;
    {L::template value<float>(d, target)};
    {L::template derivative<float>(d, target)};
};
/// Either form; the backends call it through loss_at / slope_at.
template <class L>
concept loss_function = loss_of_difference<L> || loss_of_difference_and_target<L>;

/// The loss of one element whose prediction is `target + d`, whichever form L has.
template <loss_function L, class T>
KEYCHROMA_HD T loss_at(T d, T target) noexcept {
    if constexpr (loss_of_difference_and_target<L>)
        return L::template value<T>(d, target);
    else
        return L::template value<T>(d);
}
/// d(loss)/d(prediction) of one element, whichever form L has.
template <loss_function L, class T>
KEYCHROMA_HD T slope_at(T d, T target) noexcept {
    if constexpr (loss_of_difference_and_target<L>)
        return L::template derivative<T>(d, target);
    else
        return L::template derivative<T>(d);
}

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

/// Squared error that counts an error toward gray `toward_gray` times one away from it: an
/// expectile regression about the network's gray point 0 (a,b = 0). Where a pixel's colour is
/// uncertain (colourful in some keyframes, gray in others) the mean that MSE learns is paler than
/// either, which is the paper's 'low saturated' result; this loss learns an expectile on the
/// colour's side instead. An error is toward gray when the prediction falls short of the target
/// on the target's side of 0, or crosses 0 (d and target of opposite signs). A gray target
/// (within `gray_band` of 0: one unit of a* or b* at the network's a/128 scale) has no colour
/// side, and its error counts as in MSE: else a gray or black frame would come out tinted. The
/// weights 2k/(1+k) and 2/(1+k) average 1, so a rate that suits MSE suits this loss (k = 1 is
/// MSE). docs/quality.md measures k.
struct expectile_mse {
    static constexpr fixed_string name{"expectile-mse"};
    static constexpr double toward_gray = 2.0;
    static constexpr double gray_band = 1.0 / 128;
    template <class T>
    KEYCHROMA_HD static T weight(T d, T target) noexcept {
        constexpr T k = T(toward_gray), band = T(gray_band);
        if (target <= band && target >= -band) return T(1);
        return d * target < T(0) ? T(2) * k / (T(1) + k) : T(2) / (T(1) + k);
    }
    template <class T>
    KEYCHROMA_HD static T value(T d, T target) noexcept {
        return weight(d, target) * d * d;
    }
    template <class T>
    KEYCHROMA_HD static T derivative(T d, T target) noexcept {
        return T(2) * weight(d, target) * d;
    }
};

} // namespace keychroma::nn
