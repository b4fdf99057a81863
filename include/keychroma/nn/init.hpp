#pragma once
// Weight initialisation with a generator whose sequence keychroma defines (SplitMix64 and a
// 24-bit mantissa), not std::uniform_real_distribution (whose output differs between standard
// libraries): the same seed gives the same weights on every platform and in every backend,
// because initial weights are drawn on the host and then uploaded.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "keychroma/nn/layer.hpp"

namespace keychroma::nn {

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and fully specified.
class splitmix64 {
public:
    explicit constexpr splitmix64(std::uint64_t seed) noexcept : state_(seed) {}
    constexpr std::uint64_t operator()() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1) with 24 random bits: exactly representable as a float.
    constexpr double uniform01() noexcept { return double((*this)() >> 40) * 0x1p-24; }
    /// Uniform integer in [0, n) (Lemire's multiply-shift, with rejection: unbiased).
    constexpr std::uint64_t below(std::uint64_t n) noexcept {
        const std::uint64_t threshold = (0 - n) % n;
        for (;;) {
            const unsigned __int128 m = (unsigned __int128)(*this)() * n;
            if (std::uint64_t(m) >= threshold) return std::uint64_t(m >> 64);
        }
    }
    [[nodiscard]] constexpr std::uint64_t state() const noexcept { return state_; }

private:
    std::uint64_t state_;
};

/// Fills one parameter tensor as its spec says. Tensor `index` (its position in the network's
/// parameter list) selects an independent stream, so adding a layer at the end does not change
/// the weights of the layers before it.
template <class T>
void initialize_parameter(const param_spec& spec, std::span<T> values, std::uint64_t seed,
                          std::size_t index) {
    switch (spec.init) {
    case init_kind::zeros:
        for (auto& v : values) v = T(0);
        return;
    case init_kind::ones:
        for (auto& v : values) v = T(1);
        return;
    case init_kind::glorot_uniform: {
        splitmix64 stream_seed(seed ^ (0xD1B54A32D192ED03ull * (index + 1)));
        splitmix64 rng(stream_seed());
        const double limit = std::sqrt(6.0 / double(spec.fan_in + spec.fan_out));
        for (auto& v : values) v = T((2.0 * rng.uniform01() - 1.0) * limit);
        return;
    }
    }
}

} // namespace keychroma::nn
