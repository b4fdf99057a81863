#pragma once
// keyframe_extractor: the five policies composed into one type. It streams a frame source once,
// keeping only each frame's histogram (bins counts), then turns the histograms into points
// (Reference + Distance), clusters them and selects keyframes. The stages are also usable one by
// one (histograms(), from_histograms()), e.g. to try several clusterings on one decoded video.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/keyframes/histogram.hpp"

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

/// Reads every frame of `source`, adding its histogram to a table.
template <binning B, io::frame_source S>
[[nodiscard]] histogram_table read_histograms(S& source, const B& binning = {}) {
    histogram_table table(B::bins);
    if (auto n = source.info().frame_count; n && *n > 0 && *n < (std::int64_t{1} << 24))
        table.reserve(static_cast<std::size_t>(*n));
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
    static constexpr std::size_t bins = Binning::bins;

    Binning binning{};
    Reference reference{};
    Distance distance{};
    Clustering clustering{};
    Selection selection{};

    /// "rgb8/black/hellingerx10000/mean_shift(flat)/every30".
    static std::string description() {
        return Binning::name() + "/" + Reference::name() + "/" + Distance::name() + "/" +
               Clustering::name() + "/" + Selection::name();
    }

    /// Clusters and selects from histograms already read.
    [[nodiscard]] keyframe_result from_histograms(const histogram_table& table) const {
        if (table.empty()) throw format_error("keyframe extraction: the video has no frames");
        if (table.bins() != bins)
            throw config_error("keyframe extraction: histograms have " +
                               std::to_string(table.bins()) + " bins, " + Binning::name() +
                               " needs " + std::to_string(bins));
        keyframe_result r;
        r.frame_count = table.frames();
        r.features = reference.features(binning, table, distance);
        r.clusters = clustering.cluster(r.features.points);
        r.keyframes = selection.select(r.clusters, r.features.points);
        return r;
    }

    /// Streams the source once; keeps only histograms.
    template <io::frame_source S>
    [[nodiscard]] keyframe_result operator()(S& source) const {
        return from_histograms(read_histograms(source, binning));
    }

    /// Streams the source once and also returns the keyframes' pixels, as `keep` makes them
    /// (e.g. resized to a working size). Until the keyframes are known every frame's kept copy
    /// is held in memory, so choose a small working size for long videos, or use
    /// operator()(source) and gather_frames() on a second pass instead.
    template <io::frame_source S, frame_transform F>
    [[nodiscard]] keyframe_result operator()(S& source, const F& keep) const {
        histogram_table table(bins);
        std::vector<rgb8_image> kept;
        rgb8_image frame;
        while (source.next(frame)) {
            table.add(binning, frame);
            kept.push_back(keep(frame));
        }
        keyframe_result r = from_histograms(table);
        for (auto k : r.keyframes) r.keyframe_images.push_back(std::move(kept[k]));
        return r;
    }
};

} // namespace keychroma::keyframes

namespace keychroma {
using keyframes::keyframe_extractor;
} // namespace keychroma
