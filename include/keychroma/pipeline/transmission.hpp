#pragma once
// The paper's Table III arithmetic: what sending a grayscale video plus a model saves against
// sending the raw 24-bit colour video. Sizes are bytes; "saved" is signed because for a short
// clip the model (15.6 MB in float32) outweighs the colour it replaces, and a report must say so
// rather than clamp to zero. Plain 4:2:0 chroma subsampling (12 bits per pixel) is given next to
// it, because that is what any video codec already does for free.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "keychroma/core/error.hpp"

namespace keychroma::pipeline {

/// What the bandwidth report is computed from.
struct bandwidth_input {
    std::uint64_t width = 0;
    std::uint64_t height = 0;
    std::uint64_t frames = 0;
    double fps = 25.0;
    std::uint64_t gray_bytes = 0;  ///< the transmitted gray video as sent (file size)
    std::uint64_t model_bytes = 0; ///< the transmitted model file
};

/// One row of Table III, measured.
struct bandwidth_report {
    std::uint64_t width = 0, height = 0, frames = 0;
    double fps = 0, duration_s = 0;
    std::uint64_t raw_color_bytes = 0; ///< W x H x 3 x frames (24-bit RGB, uncompressed)
    std::uint64_t raw_gray_bytes = 0;  ///< W x H x frames: the gray payload without container
    std::uint64_t gray_bytes = 0;      ///< the gray video actually sent
    std::uint64_t model_bytes = 0;
    std::uint64_t sent_bytes = 0;   ///< gray + model
    std::int64_t saved_bytes = 0;   ///< raw colour - sent (negative: the package is larger)
    double saved_percent = 0;       ///< saved / raw colour x 100
    std::uint64_t yuv420_bytes = 0; ///< W x H x 3/2 x frames: what 4:2:0 subsampling sends
    double yuv420_saved_percent = 0;
    /// Frames of this size from which the package is smaller than the raw colour video
    /// (each frame saves 2 W H bytes minus its share of the gray container overhead).
    std::uint64_t break_even_frames = 0;
};

/// The report as JSON (nlohmann-json finds it by argument-dependent lookup: `json j = report;`),
/// for manifest.json and the paper report alike.
template <class Json>
void to_json(Json& j, const bandwidth_report& b) {
    j = Json{{"width", b.width},
             {"height", b.height},
             {"frames", b.frames},
             {"duration_s", b.duration_s},
             {"raw_color_bytes", b.raw_color_bytes},
             {"raw_gray_bytes", b.raw_gray_bytes},
             {"gray_bytes", b.gray_bytes},
             {"model_bytes", b.model_bytes},
             {"sent_bytes", b.sent_bytes},
             {"saved_bytes", b.saved_bytes},
             {"saved_percent", b.saved_percent},
             {"yuv420_bytes", b.yuv420_bytes},
             {"yuv420_saved_percent", b.yuv420_saved_percent},
             {"break_even_frames", b.break_even_frames}};
}

/// The clip length from which sending `once_bytes` once plus `sent_per_frame` bytes a frame costs
/// less than `replaced_per_frame` bytes a frame: the first n with
/// once + n x sent < n x replaced; nullopt when no length does (sent >= replaced a frame).
[[nodiscard]] inline std::optional<std::uint64_t>
break_even_frames(std::uint64_t once_bytes, double sent_per_frame, double replaced_per_frame) {
    const double saved_per_frame = replaced_per_frame - sent_per_frame;
    if (!(saved_per_frame > 0)) return std::nullopt;
    const double n = static_cast<double>(once_bytes) / saved_per_frame;
    if (n >= static_cast<double>(std::numeric_limits<std::uint64_t>::max())) return std::nullopt;
    return static_cast<std::uint64_t>(n) + 1;
}

/// Fills Table III's row. config_error for an empty video.
[[nodiscard]] inline bandwidth_report compute_bandwidth(const bandwidth_input& in) {
    if (in.width == 0 || in.height == 0 || in.frames == 0)
        throw config_error("bandwidth report: the video is empty (" + std::to_string(in.width) +
                           "x" + std::to_string(in.height) + ", " + std::to_string(in.frames) +
                           " frames)");
    bandwidth_report r;
    r.width = in.width;
    r.height = in.height;
    r.frames = in.frames;
    r.fps = in.fps;
    r.duration_s = in.fps > 0 ? static_cast<double>(in.frames) / in.fps : 0.0;
    const std::uint64_t pixels = in.width * in.height;
    r.raw_color_bytes = pixels * 3 * in.frames;
    r.raw_gray_bytes = pixels * in.frames;
    r.gray_bytes = in.gray_bytes;
    r.model_bytes = in.model_bytes;
    r.sent_bytes = in.gray_bytes + in.model_bytes;
    r.saved_bytes =
        static_cast<std::int64_t>(r.raw_color_bytes) - static_cast<std::int64_t>(r.sent_bytes);
    r.saved_percent =
        100.0 * static_cast<double>(r.saved_bytes) / static_cast<double>(r.raw_color_bytes);
    r.yuv420_bytes =
        pixels * in.frames + 2 * (((in.width + 1) / 2) * ((in.height + 1) / 2)) * in.frames;
    r.yuv420_saved_percent = 100.0 * (1.0 - static_cast<double>(r.yuv420_bytes) /
                                                static_cast<double>(r.raw_color_bytes));
    // Per frame the colour video costs 3 W H; the gray video costs what was measured per frame.
    r.break_even_frames =
        break_even_frames(in.model_bytes,
                          static_cast<double>(in.gray_bytes) / static_cast<double>(in.frames),
                          3.0 * static_cast<double>(pixels))
            .value_or(std::numeric_limits<std::uint64_t>::max());
    return r;
}

} // namespace keychroma::pipeline
