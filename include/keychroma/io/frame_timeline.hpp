#pragma once
// When each frame of a video is shown, as its container says: times counted from the first frame
// in ticks of the container's time base. A constant frame rate needs none of it (frame i is shown
// at i / fps); a variable one (a phone's video, a screen recording, a stream that dropped frames)
// does, or a video made from it shows its frames at other times than the source and drifts from
// its sound. io/ffmpeg_timeline.hpp reads it from a file without decoding; ffmpeg_writer stamps
// the frames it writes with it (ffmpeg_write_options::timeline).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "keychroma/io/video_info.hpp"

namespace keychroma::io {

struct frame_timeline {
    rational tick{1, 1};             ///< seconds per unit of `times`
    std::vector<std::int64_t> times; ///< one per frame, ascending, the first 0

    /// Whether the frames are unevenly spaced: a step between two frames differs from the
    /// first step by more than one tick (a constant rate's times are multiples of a step, up to
    /// the rounding of each to a tick).
    [[nodiscard]] bool varies() const noexcept {
        if (times.size() < 3) return false;
        const std::int64_t first = times[1] - times[0];
        for (std::size_t i = 2; i < times.size(); ++i) {
            const std::int64_t step = times[i] - times[i - 1];
            if (step - first > 1 || first - step > 1) return true;
        }
        return false;
    }

    /// The time of frame i: its own, or past the last frame the last time plus a mean step per
    /// frame (a decoder can give a frame more than the packets promised).
    [[nodiscard]] std::int64_t at(std::size_t i) const noexcept {
        if (i < times.size()) return times[i];
        if (times.empty()) return static_cast<std::int64_t>(i);
        const std::int64_t span = times.back() - times.front();
        const std::int64_t step =
            times.size() > 1
                ? std::max<std::int64_t>(1, span / static_cast<std::int64_t>(times.size() - 1))
                : 1;
        const auto past = static_cast<std::int64_t>(i - times.size() + 1);
        constexpr std::int64_t latest = std::numeric_limits<std::int64_t>::max();
        if (past > (latest - times.back()) / step) return latest; // no overflow, whatever i
        return times.back() + past * step;
    }
};

} // namespace keychroma::io
