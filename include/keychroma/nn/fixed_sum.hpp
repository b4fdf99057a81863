#pragma once
// Sums that do not depend on how a batch is split. A float sum depends on its order: a batch's
// gradient summed by 2 threads, or by the 3 ranks of an MPI job, differs in the last bits from
// one thread's, and a whole training carries that difference into another model (0.1-0.2 dB
// apart on cockatoo, docs/distributed.md). Each sample's gradient rounded onto a grid of
// multiples of 2^-40 and summed as 64-bit integers is the same sum in every order, so the
// training that sums this way (trainer_options::split_invariant) gives the same model bit for
// bit on any thread count and any rank count.
//
// The grid: 2^-40 (9.1e-13) absolute, finer than a float's rounding of any per-sample gradient
// above 2^-17 (7.6e-6); smaller ones are far below Adam's epsilon, where they hardly move a
// weight. A per-sample value is clamped to +-2^10, which leaves room for 2^12 samples in a sum
// (a gradient of the mean loss that large is a diverged training; the clamp keeps even that
// reproducible). Losses use the same idea on a coarser grid (fixed_loss).

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace keychroma::nn {

/// One gradient value (or a sum of them) on the grid: value * 2^fixed_fraction_bits.
using fixed_sum = std::int64_t;
inline constexpr int fixed_fraction_bits = 40;
/// The most samples one sum may hold without overflow (every value clamped to +-2^10).
inline constexpr std::size_t fixed_sum_max_samples = std::size_t(1) << 12;

namespace detail {
inline constexpr double fixed_scale = double(fixed_sum(1) << fixed_fraction_bits);
inline constexpr double fixed_limit = 0x1p10 * fixed_scale;
/// Adding 1.5 * 2^52 rounds a double of magnitude below 2^51 to an integer (to nearest, ties to
/// even), which then lies in the low bits of the sum's representation: vectorises, unlike
/// llrint.
inline constexpr double round_magic = 0x1.8p52;
} // namespace detail

/// x rounded onto the grid (clamped to +-2^10).
[[nodiscard]] inline fixed_sum to_fixed(double x) noexcept {
    const double y = std::clamp(x * detail::fixed_scale, -detail::fixed_limit, detail::fixed_limit);
    return std::bit_cast<fixed_sum>(y + detail::round_magic) -
           std::bit_cast<fixed_sum>(detail::round_magic);
}

/// A sum on the grid as a value.
[[nodiscard]] inline double from_fixed(fixed_sum v) noexcept {
    return double(v) / detail::fixed_scale;
}

/// A per-sample loss rounded to a multiple of 2^-32 (clamped to +-2^8): sums of up to 2^12 such
/// values are exact doubles, so a loss summed over samples comes out the same in any order (the
/// held-out losses decide which weights a training keeps).
[[nodiscard]] inline double fixed_loss(double x) noexcept {
    return std::nearbyint(std::clamp(x * 0x1p32, -0x1p40, 0x1p40)) / 0x1p32;
}

} // namespace keychroma::nn
