#pragma once
// Learning-rate schedules as policies of the trainer. A schedule maps training progress p in
// (0, 1] (the fraction of the planned steps, or of the time budget when that runs out first) to a
// factor of the optimizer's base rate. Progress rather than a step number, so that one schedule
// fits a run planned in steps and a run cut by a wall-clock budget alike: the cosine reaches its
// floor when the budget does. The type picks the shape, its values the proportions.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <numbers>

#include "keychroma/nn/fixed_string.hpp"

namespace keychroma::nn {

template <class S>
concept rate_schedule = requires(const S s, double progress) {
    { s.factor(progress) } -> std::convertible_to<double>;
    S::name;
};

/// The base rate throughout (the paper).
struct constant_rate {
    static constexpr fixed_string name{"constant"};
    [[nodiscard]] static constexpr double factor(double /*progress*/) noexcept { return 1.0; }
};

/// Linear warm-up over the first `warmup` of training, then half a cosine from 1 down to
/// `floor`. The warm-up keeps Adam's first, noisy second-moment estimates from taking full-size
/// steps at a raised rate; the cosine ends training with small steps, so the last weights are not
/// one noisy step away from a minimum.
struct warmup_cosine {
    double warmup = 0.05;
    double floor = 0.0;
    static constexpr fixed_string name{"warmup-cosine"};

    [[nodiscard]] double factor(double progress) const noexcept {
        if (progress < warmup) return std::max(progress, 0.0) / warmup;
        if (progress >= 1.0) return floor;
        const double p = (progress - warmup) / (1.0 - warmup);
        return floor + (1.0 - floor) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
    }
};

} // namespace keychroma::nn
