#pragma once
// How much colour a frame's gray copy loses: the mean squared difference, over its pixels and
// their three 8-bit channels, between the frame and the gray picture of its L* codes -- what a
// receiver of the gray video sees without the network (eval's gray baseline, up to the L* code's
// rounding). A frame that loses more is one the network must colour more, and a keyframe
// selection may spend its budget there (colour_budget, selection.hpp). The first pass measures
// it on every frame when the selection reads it (extractor.hpp), so it is a sample: at most
// gray_error_samples (4,096) pixels on an even grid, about 0.07 ms a frame -- twice the paper's
// whole extraction of frames in memory (bench_keyframes paper_extraction, 300 frames at 256x256:
// 31 against 11 ms), a tenth of `keychroma keyframes` on a 256x256 Y4M file, under 1% on a
// 1280x720 H.264 one (perf; 2026-12-04). With 2^14 pixels it was four times that.

#include <cstddef>
#include <cstdint>

#include "keychroma/core/image.hpp"
#include "keychroma/core/lstar.hpp"

namespace keychroma::keyframes {

/// The most pixels gray_error() reads of a frame.
inline constexpr std::size_t gray_error_samples = std::size_t(1) << 12;

/// The grid step gray_error() reads a height x width frame with: the smallest that leaves at
/// most gray_error_samples pixels.
[[nodiscard]] inline std::size_t gray_error_step(std::size_t height, std::size_t width) noexcept {
    std::size_t step = 1;
    while (((height + step - 1) / step) * ((width + step - 1) / step) > gray_error_samples) ++step;
    return step;
}

/// Mean squared 8-bit difference between `frame` and its gray picture (a = b = 0), over the
/// pixels of rows and columns 0, step, 2 step, ... (gray_error_step) and the three channels.
[[nodiscard]] inline double gray_error(const rgb8_image& frame) {
    const std::size_t height = frame.shape()[0], width = frame.shape()[1];
    if (height == 0 || width == 0) return 0.0;
    static const srgb8_lightness lightness;
    const auto& gray_of_code = code_to_srgb8_gray();
    const std::size_t step = gray_error_step(height, width);
    double sum = 0;
    std::size_t pixels = 0;
    for (std::size_t y = 0; y < height; y += step) {
        const std::uint8_t* row = frame.data() + y * width * 3;
        for (std::size_t x = 0; x < width; x += step, ++pixels) {
            const std::uint8_t* p = row + 3 * x;
            const int gray = gray_of_code[lightness.code(p[0], p[1], p[2])];
            for (int c = 0; c < 3; ++c) {
                const double d = double(int(p[c]) - gray);
                sum += d * d;
            }
        }
    }
    return sum / (3.0 * double(pixels));
}

} // namespace keychroma::keyframes
