#pragma once
// CIE L* (lightness) alone, and the 8-bit L* plane keychroma transmits as its grayscale video
// (design.md §4: code = round(L* * 255 / 100)). Kept apart from the full Lab conversion because
// gray I/O needs only this and it must be exact and cheap.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace keychroma {

namespace cie {
/// CIE constants as exact rationals (CIE 15:2004), not the rounded 0.008856 / 903.3.
inline constexpr double epsilon = 216.0 / 24389.0;
inline constexpr double kappa = 24389.0 / 27.0;
/// Luminance row of the sRGB (D65) RGB->XYZ matrix, as Lindbloom, OpenCV and scikit-image use
/// it (white 0.95047, 1, 1.08883): matching them to 1e-3 in L* needs these digits, not the
/// slightly different ones derived from the primaries' chromaticities.
inline constexpr double y_from_r = 0.2126729;
inline constexpr double y_from_g = 0.7151522;
inline constexpr double y_from_b = 0.0721750;
} // namespace cie

/// sRGB transfer function: encoded [0,1] -> linear [0,1] (IEC 61966-2-1).
[[nodiscard]] inline double srgb_to_linear(double v) noexcept {
    return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
}
/// Inverse sRGB transfer function: linear [0,1] -> encoded [0,1].
[[nodiscard]] inline double linear_to_srgb(double v) noexcept {
    return v <= 0.0031308 ? v * 12.92 : 1.055 * std::pow(v, 1.0 / 2.4) - 0.055;
}

/// Relative luminance Y in [0,1] -> L* in [0,100].
[[nodiscard]] inline double luminance_to_lstar(double y) noexcept {
    return y > cie::epsilon ? 116.0 * std::cbrt(y) - 16.0 : cie::kappa * y;
}
/// L* in [0,100] -> relative luminance Y in [0,1].
[[nodiscard]] inline double lstar_to_luminance(double l) noexcept {
    if (l > cie::kappa * cie::epsilon) {
        const double f = (l + 16.0) / 116.0;
        return f * f * f;
    }
    return l / cie::kappa;
}

/// 8-bit transmission code of an L* value: round(L * 255 / 100), clamped.
[[nodiscard]] inline std::uint8_t lstar_to_code(double l) noexcept {
    const double c = std::nearbyint(l * 255.0 / 100.0);
    return static_cast<std::uint8_t>(c < 0 ? 0 : (c > 255 ? 255 : c));
}
/// L* a transmission code stands for: code * 100 / 255. lstar_to_code(code_to_lstar(c)) == c.
[[nodiscard]] constexpr double code_to_lstar(std::uint8_t code) noexcept {
    return static_cast<double>(code) * 100.0 / 255.0;
}

/// L* of an 8-bit sRGB colour, through a 256-entry linearisation table, and its transmission
/// code.
class srgb8_lightness {
public:
    srgb8_lightness() noexcept {
        for (int i = 0; i < 256; ++i) linear_[i] = srgb_to_linear(i / 255.0);
        for (int i = 0; i < 256; ++i) {
            const auto v = static_cast<std::uint8_t>(i);
            gray_code_[i] = lstar_to_code((*this)(v, v, v));
        }
    }
    [[nodiscard]] double operator()(std::uint8_t r, std::uint8_t g, std::uint8_t b) const noexcept {
        return luminance_to_lstar(cie::y_from_r * linear_[r] + cie::y_from_g * linear_[g] +
                                  cie::y_from_b * linear_[b]);
    }
    /// lstar_to_code of the L*. A gray (R = G = B) is looked up: a gray video decoded to RGB,
    /// colorization's usual input, is nothing but grays, and the cube root of the L* formula
    /// was a fifth of colorizing a 720p clip.
    [[nodiscard]] std::uint8_t code(std::uint8_t r, std::uint8_t g, std::uint8_t b) const noexcept {
        return r == g && g == b ? gray_code_[r] : lstar_to_code((*this)(r, g, b));
    }

private:
    std::array<double, 256> linear_{};
    std::array<std::uint8_t, 256> gray_code_{};
};

/// The 8-bit sRGB gray level (R=G=B) whose L* is closest to the given transmission code: how an
/// L* plane is shown as an ordinary gray picture (a = b = 0).
[[nodiscard]] inline const std::array<std::uint8_t, 256>& code_to_srgb8_gray() {
    static const std::array<std::uint8_t, 256> table = [] {
        std::array<std::uint8_t, 256> t{};
        for (int c = 0; c < 256; ++c) {
            const double v =
                linear_to_srgb(lstar_to_luminance(code_to_lstar(static_cast<std::uint8_t>(c))));
            t[c] = static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
        }
        return t;
    }();
    return table;
}

} // namespace keychroma
