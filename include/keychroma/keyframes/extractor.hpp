#pragma once
// keyframe_extractor: the five policies composed into one type. It streams a frame source once
// into each frame's point (Binning + Reference + Distance; feature_pass), then clusters the
// points and selects keyframes. A reference that needs only the frames read so far (the paper's
// black image) turns each frame into its point at once, so the pass keeps one number per frame;
// the others keep every frame's histogram until the end. The stages are also usable one by one
// (read_histograms(), from_histograms(), from_features()), e.g. to try several clusterings on one
// decoded video.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/fit.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/keyframes/histogram.hpp"
#include "keychroma/keyframes/reference.hpp"

namespace keychroma::keyframes {

/// Everything an extraction produces.
struct keyframe_result {
    std::size_t frame_count = 0;
    frame_features features;                 ///< points clustered + per-frame distance
    clustering_result clusters;              ///< labels, centres, bandwidth used
    std::vector<std::size_t> keyframes;      ///< ascending frame indices
    std::vector<rgb8_image> keyframe_images; ///< one per keyframe when frames were kept

    [[nodiscard]] bool is_keyframe(std::size_t frame) const {
        return std::binary_search(keyframes.begin(), keyframes.end(), frame);
    }
};

/// A callable that makes the copy of a frame to keep (e.g. resize to the training size).
template <class F>
concept frame_transform = std::invocable<const F&, const rgb8_image&> &&
    std::convertible_to<std::invoke_result_t<const F&, const rgb8_image&>, rgb8_image>;

/// Keeps frames as they are.
struct keep_as_is {
    rgb8_image operator()(const rgb8_image& f) const { return f; }
};
static_assert(frame_transform<fit_to>); // a working size: core/fit.hpp

namespace detail {
template <class R, class B, class D>
struct stream_of {
    using type = std::monostate;
};
template <class R, class B, class D>
requires streaming_reference<R, B, D>
struct stream_of<R, B, D> {
    using type = decltype(std::declval<const R&>().stream(std::declval<const B&>(),
                                                          std::declval<const D&>()));
};

/// A frame count worth reserving for: what the source says, when it is plausible.
inline std::size_t reserve_hint(const std::optional<std::int64_t>& frame_count) {
    return frame_count && *frame_count > 0 && *frame_count < (std::int64_t{1} << 24)
               ? static_cast<std::size_t>(*frame_count)
               : 0;
}
} // namespace detail

namespace detail {
/// Whether `reference` makes each frame's point as the frame arrives: always for a streaming
/// reference type, as it says for one chosen at run time (any_reference::streams()).
template <class R, class B, class D>
[[nodiscard]] bool streams_frames(const R& reference) {
    if constexpr (!streaming_reference<R, B, D>)
        return false;
    else if constexpr (requires { reference.streams(); })
        return reference.streams();
    else
        return true;
}
} // namespace detail

/// The first pass over a video, a frame at a time: what the reference needs to give every frame
/// its point. A streaming reference makes the point as the frame arrives (8 bytes per frame);
/// any other keeps the frame's histogram (4 bytes per bin) until finish().
template <binning B, class R, histogram_distance D>
requires reference_for<R, B, D>
class feature_pass {
public:
    feature_pass(const B& binning, const R& reference, const D& distance)
        : binning_(binning), reference_(reference), distance_(distance),
          streams_(detail::streams_frames<R, B, D>(reference)),
          stream_(start_stream(binning, reference, distance)) {
        if (streams_)
            counts_.resize(binning.bins);
        else
            table_ = histogram_table(binning.bins);
    }

    /// Whether the pass keeps one number per frame rather than its histogram.
    [[nodiscard]] bool streams() const noexcept { return streams_; }

    void reserve(std::size_t frames) {
        if (streams_)
            points_.reserve(frames);
        else
            table_.reserve(frames);
    }

    void add(const rgb8_image& frame) {
        if constexpr (streaming_reference<R, B, D>) {
            if (streams_) {
                std::fill(counts_.begin(), counts_.end(), 0u);
                accumulate_histogram(binning_, frame, counts_.data());
                points_.push_back(stream_(std::span<const std::uint32_t>(counts_),
                                          std::uint64_t{frame.shape()[0]} * frame.shape()[1]));
                return;
            }
        }
        table_.add(binning_, frame);
    }

    /// Every frame's point, once the last frame has been added.
    [[nodiscard]] frame_features finish() && {
        if (streams_) return detail::one_dimensional(std::move(points_));
        return reference_.features(binning_, table_, distance_);
    }

private:
    /// The reference's stream (any_reference's is empty when the policy it holds does not
    /// stream), or nothing.
    static auto start_stream(const B& binning, const R& reference, const D& distance) {
        if constexpr (streaming_reference<R, B, D>)
            return reference.stream(binning, distance);
        else
            return std::monostate{};
    }

    B binning_;
    R reference_;
    D distance_;
    bool streams_;
    typename detail::stream_of<R, B, D>::type stream_;
    std::vector<std::uint32_t> counts_;
    std::vector<double> points_;
    histogram_table table_;
};

/// Stages 1 + 2 alone: every frame of `source` as a point (streamed where the reference allows),
/// calling per_frame(frame) on each frame as it passes.
template <binning B, class R, histogram_distance D, io::frame_source S,
          class PerFrame = void (*)(const rgb8_image&)>
requires reference_for<R, B, D>
[[nodiscard]] frame_features read_features(
    S& source, const B& binning, const R& reference, const D& distance,
    PerFrame&& per_frame = [](const rgb8_image&) {}) {
    feature_pass<B, R, D> pass(binning, reference, distance);
    pass.reserve(detail::reserve_hint(source.info().frame_count));
    rgb8_image frame;
    while (source.next(frame)) {
        pass.add(frame);
        per_frame(std::as_const(frame));
    }
    return std::move(pass).finish();
}

/// Reads every frame of `source`, adding its histogram to a table.
template <binning B, io::frame_source S>
[[nodiscard]] histogram_table read_histograms(S& source, const B& binning = {}) {
    histogram_table table(binning.bins);
    table.reserve(detail::reserve_hint(source.info().frame_count));
    rgb8_image frame;
    while (source.next(frame)) table.add(binning, frame);
    return table;
}

/// Second pass: visit(position, frame) for each frame whose index is in `indices` (ascending;
/// position is its place there), reading no further than the last one.
template <io::frame_source S, class Visit>
void visit_frames(S& source, const std::vector<std::size_t>& indices, Visit&& visit) {
    rgb8_image frame;
    std::size_t i = 0, next = 0;
    while (next < indices.size() && source.next(frame)) {
        if (i == indices[next]) {
            visit(next, std::as_const(frame));
            ++next;
        }
        ++i;
    }
    if (next < indices.size())
        throw format_error("keyframes: the video ended at frame " + std::to_string(i) +
                           " before keyframe " + std::to_string(indices[next]));
}

/// Second pass: the frames with the given (ascending) indices, transformed (e.g. resized).
/// Memory holds only those frames.
template <io::frame_source S, frame_transform F = keep_as_is>
[[nodiscard]] std::vector<rgb8_image>
gather_frames(S& source, const std::vector<std::size_t>& indices, const F& transform = {}) {
    std::vector<rgb8_image> out;
    out.reserve(indices.size());
    visit_frames(source, indices,
                 [&](std::size_t, const rgb8_image& frame) { out.push_back(transform(frame)); });
    return out;
}

template <binning Binning, class Reference, histogram_distance Distance, clustering Clustering,
          selection Selection>
requires reference_for<Reference, Binning, Distance>
struct keyframe_extractor {
    using binning_type = Binning;
    using reference_type = Reference;
    using distance_type = Distance;
    using clustering_type = Clustering;
    using selection_type = Selection;
    Binning binning{};
    Reference reference{};
    Distance distance{};
    Clustering clustering{};
    Selection selection{};

    /// Every stage with the values it uses, the paper's:
    /// "rgb8/black/hellingerx10000/mean-shift(q=0.3)/every(30)".
    [[nodiscard]] std::string description() const {
        return describe(binning) + "/" + describe(reference) + "/" + describe(distance) + "/" +
               describe(clustering) + "/" + describe(selection);
    }

    /// Clusters and selects from points already made (one row per frame).
    [[nodiscard]] keyframe_result from_features(frame_features features) const {
        if (features.points.shape()[0] == 0)
            throw format_error("keyframe extraction: the video has no frames");
        keyframe_result r;
        r.frame_count = features.points.shape()[0];
        r.features = std::move(features);
        r.clusters = clustering.cluster(r.features.points);
        r.keyframes = selection.select(r.clusters, r.features.points);
        return r;
    }

    /// Clusters and selects from histograms already read.
    [[nodiscard]] keyframe_result from_histograms(const histogram_table& table) const {
        if (table.empty()) throw format_error("keyframe extraction: the video has no frames");
        if (table.bins() != binning.bins)
            throw config_error("keyframe extraction: histograms have " +
                               std::to_string(table.bins()) + " bins, " + binning.name() +
                               " needs " + std::to_string(binning.bins));
        return from_features(reference.features(binning, table, distance));
    }

    /// Streams the source once, calling per_frame(frame) on every frame as it passes (e.g. to
    /// write the gray video in the same pass), and extracts the keyframes.
    template <io::frame_source S, class PerFrame>
    [[nodiscard]] keyframe_result scan(S& source, PerFrame&& per_frame) const {
        return from_features(read_features(source, binning, reference, distance, per_frame));
    }

    /// Streams the source once.
    template <io::frame_source S>
    [[nodiscard]] keyframe_result operator()(S& source) const {
        return scan(source, [](const rgb8_image&) {});
    }

    /// Streams the source once and also returns the keyframes' pixels, as `keep` makes them
    /// (e.g. resized to a working size). Until the keyframes are known every frame's kept copy
    /// is held in memory, so choose a small working size for long videos, or use
    /// operator()(source) and gather_frames() on a second pass instead.
    template <io::frame_source S, frame_transform F>
    [[nodiscard]] keyframe_result operator()(S& source, const F& keep) const {
        std::vector<rgb8_image> kept;
        keyframe_result r =
            scan(source, [&](const rgb8_image& frame) { kept.push_back(keep(frame)); });
        for (auto k : r.keyframes) r.keyframe_images.push_back(std::move(kept[k]));
        return r;
    }
};

} // namespace keychroma::keyframes

namespace keychroma {
using keyframes::keyframe_extractor;
} // namespace keychroma
