#pragma once
// What a frame source knows about its video before decoding it.

#include <cstdint>
#include <numeric>
#include <optional>
#include <string>

#include "keychroma/core/image.hpp"

namespace keychroma::io {

/// A frame rate as an exact rational (Y4M and FFmpeg both store rationals: 30000/1001 stays
/// exact).
struct rational {
    std::int64_t num = 25;
    std::int64_t den = 1;
    [[nodiscard]] double value() const noexcept {
        return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
    }
    [[nodiscard]] rational reduced() const noexcept {
        const auto g = std::gcd(num, den);
        return g == 0 ? *this : rational{num / g, den / g};
    }
    friend bool operator==(const rational& a, const rational& b) noexcept {
        return a.num * b.den == b.num * a.den;
    }
};

/// The most frames keychroma believes a video can have, and the largest frame number it
/// accepts from a user or a file: 10^12 frames is over a thousand years at 30 frames/s, and
/// leaves room for A + 1 and for a frame rate divided by a step.
inline constexpr std::int64_t largest_frame_number = 1'000'000'000'000;

/// Stream parameters common to every source and sink.
struct video_info {
    std::size_t width = 0;
    std::size_t height = 0;
    rational fps{25, 1};
    std::optional<std::int64_t> frame_count; ///< empty when the container does not say
    std::string format;                      ///< "y4m", "images", "mp4", ...
    std::string pixel_format;                ///< "yuv444p", "yuv420p", "gray", "rgb24", ...
    /// Degrees a player turns the picture counter-clockwise for display (0, 90, 180, 270): a
    /// phone's portrait video is stored landscape with 90 or 270. Frames are read and written
    /// as stored; containers that can say so (mp4, mov) carry the rotation from reader to writer.
    int rotation = 0;

    [[nodiscard]] image_size size() const noexcept { return {width, height}; }
};

} // namespace keychroma::io
