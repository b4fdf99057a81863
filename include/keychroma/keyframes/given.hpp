#pragma once
// given_keyframes: a keyframe "extractor" that returns a list chosen elsewhere -- by
// `keychroma keyframes` with other policies (its keyframes.json), by hand, or by another tool --
// so that training (pipeline::train_on_video, pipeline::send) can use any keyframes without
// instantiating the whole pipeline once per policy combination. It has the extractor's scan()
// and description(), and only counts the frames of the pass the pipeline makes anyway.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xbuilder.hpp>

#include "keychroma/core/error.hpp"
#include "keychroma/core/process_group.hpp"
#include "keychroma/keyframes/extractor.hpp"

namespace keychroma::keyframes {

struct given_keyframes {
    std::vector<std::size_t> frames; ///< the keyframes' indices, any order, no duplicates

    given_keyframes() = default;
    explicit given_keyframes(std::vector<std::size_t> indices) : frames(std::move(indices)) {}

    static std::string description() { return "given"; }

    /// The given frames, sorted, as one cluster of all frames; format_error when a frame is
    /// past the video's end or listed twice, or when the list is empty.
    [[nodiscard]] keyframe_result from_count(std::size_t frame_count) const {
        if (frame_count == 0) throw format_error("keyframes: the video has no frames");
        keyframe_result r;
        r.frame_count = frame_count;
        r.keyframes = frames;
        std::sort(r.keyframes.begin(), r.keyframes.end());
        if (r.keyframes.empty()) throw format_error("keyframes: the given list is empty");
        if (const auto twice = std::adjacent_find(r.keyframes.begin(), r.keyframes.end());
            twice != r.keyframes.end())
            throw format_error("keyframes: frame " + std::to_string(*twice) + " is given twice");
        if (r.keyframes.back() >= r.frame_count)
            throw format_error("keyframes: frame " + std::to_string(r.keyframes.back()) +
                               " is given, but the video has " + std::to_string(r.frame_count) +
                               " frames");
        r.features.points = xt::zeros<double>({r.frame_count, std::size_t{1}});
        r.features.distance.assign(r.frame_count, 0.0);
        r.clusters.labels.assign(r.frame_count, 0);
        r.clusters.centres = xt::zeros<double>({std::size_t{1}, std::size_t{1}});
        return r;
    }

    /// Counts the frames of the pass, calling per_frame(frame) on each.
    template <io::frame_source S, class PerFrame>
    requires std::invocable<PerFrame&, const rgb8_image&>
    [[nodiscard]] keyframe_result scan(S& source, PerFrame&& per_frame) const {
        return scan(source, this_process_only(), std::forward<PerFrame>(per_frame));
    }

    /// The same on each rank of a group (the extractor's collective scan): with nothing to
    /// share, each rank counts the frames itself, passing over them without decoding where the
    /// source can when no per_frame is given.
    template <io::frame_source S, class PerFrame = ignore_frames>
    [[nodiscard]] keyframe_result scan(S& source, process_group& /*group*/,
                                       PerFrame&& per_frame = {}) const {
        std::size_t count = 0;
        rgb8_image frame;
        while (sees_every_frame<PerFrame> ? source.next(frame) : io::skip_frame(source, frame)) {
            if constexpr (sees_every_frame<PerFrame>) per_frame(std::as_const(frame));
            ++count;
        }
        return from_count(count);
    }
};

} // namespace keychroma::keyframes
