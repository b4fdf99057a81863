#pragma once
// keyframe_extractor: the five policies composed into one type. It streams a frame source once
// into each frame's point (Binning + Reference + Distance; feature_pass), then clusters the
// points and selects keyframes. A reference that needs only the frames read so far (the paper's
// black image) turns each frame into its point at once, so the pass keeps one number per frame
// (and, for a selection that weighs frames by it, the colour its gray copy loses); the others
// keep every frame's histogram until the end. The stages are also usable one by one
// (read_histograms(), from_histograms(), from_features()), e.g. to try several clusterings on one
// decoded video.
// Several ranks (a process_group, e.g. an MPI job) share the pass: each makes the points of its
// own frames (frame_shares) and passes over the others without decoding them where the source
// can, a sum over the ranks completes the points, and every rank clusters the same points into
// the same keyframes as one process.

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
#include "keychroma/core/process_group.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/keyframes/gray_error.hpp"
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

/// Which frames a rank makes the points of when the ranks of a process group share a pass over
/// a video: blocks of `block` consecutive frames dealt to the ranks in turn. When the frame count
/// is known beforehand (dealt()), a block is a rank's whole share: each rank takes one contiguous
/// range. Every frame has exactly one owner whatever the true count, so a count that was only an
/// estimate costs balance, never a point.
struct frame_shares {
    std::size_t rank = 0, ranks = 1;
    std::size_t block = 1; ///< consecutive frames per share, >= 1

    /// Shares for `group`: ranges of ceil(frames / ranks) frames when `frame_count` is known,
    /// else blocks of `unknown_count_block` frames.
    [[nodiscard]] static frame_shares dealt(const process_group& group,
                                            const std::optional<std::int64_t>& frame_count,
                                            std::size_t unknown_count_block = 256) {
        frame_shares s{group.rank(), group.size(), unknown_count_block};
        if (frame_count && *frame_count > 0)
            s.block = std::max<std::size_t>(
                1, (static_cast<std::size_t>(*frame_count) + s.ranks - 1) / s.ranks);
        return s;
    }

    [[nodiscard]] bool owns(std::size_t frame) const noexcept {
        return ranks == 1 || (frame / block) % ranks == rank;
    }
    /// The most frames any one rank owns of a video of `frames` (the last block may be short).
    [[nodiscard]] std::size_t most_owned(std::size_t frames) const noexcept {
        if (ranks == 1 || frames == 0) return frames;
        const std::size_t blocks = (frames + block - 1) / block;
        const std::size_t short_by = blocks * block - frames; // the last block's missing frames
        std::size_t most = 0;
        for (std::size_t r = 0; r < ranks && r < blocks; ++r) {
            const std::size_t own = (blocks - r + ranks - 1) / ranks; // blocks r, r + ranks, ...
            most = std::max(most, own * block - ((blocks - 1) % ranks == r ? short_by : 0));
        }
        return most;
    }
    /// Whether `frame` is one of the `history` frames just before one of this rank's own that a
    /// streaming reference needs to make that frame's point.
    [[nodiscard]] bool is_history(std::size_t frame, std::size_t history) const noexcept {
        if (owns(frame)) return false;
        for (std::size_t d = 1; d <= history; ++d)
            if (owns(frame + d)) return true;
        return false;
    }
};

/// The first pass over a video, a frame at a time: what the reference needs to give every frame
/// its point, and when asked (gray_errors) the colour its gray copy loses (gray_error.hpp, 8 bytes
/// per frame). A streaming reference makes the point as the frame arrives (8 bytes per frame);
/// any other keeps the frame's histogram (4 bytes per bin) until finish(). With shares of
/// several ranks, the pass makes the points of this rank's frames only: wants_next() says which
/// frames it needs the pixels of (its own, and the history() frames before each of its ranges);
/// finish(group) completes the points with the other ranks'.
template <binning B, class R, histogram_distance D>
requires reference_for<R, B, D>
class feature_pass {
public:
    feature_pass(const B& binning, const R& reference, const D& distance,
                 const frame_shares& shares = {}, bool gray_errors = false)
        : binning_(binning), reference_(reference), distance_(distance), shares_(shares),
          streams_(detail::streams_frames<R, B, D>(reference)), gray_errors_(gray_errors) {
        if (shares.block == 0 || shares.ranks == 0 || shares.rank >= shares.ranks)
            throw config_error("feature_pass: rank " + std::to_string(shares.rank) + " of " +
                               std::to_string(shares.ranks) + " with blocks of " +
                               std::to_string(shares.block) + " frames");
        if constexpr (streaming_reference<R, B, D>)
            if (streams_) history_ = reference.history();
        if (streams_)
            counts_.resize(binning.bins);
        else
            table_ = histogram_table(binning.bins);
    }

    /// Whether the pass keeps one number per frame rather than its histogram.
    [[nodiscard]] bool streams() const noexcept { return streams_; }

    /// Whether add() needs the next frame's pixels; else pass_over() will do.
    [[nodiscard]] bool wants_next() const noexcept {
        return shares_.owns(next_) || (streams_ && shares_.is_history(next_, history_));
    }

    void reserve(std::size_t frames) {
        if (gray_errors_) gray_error_.reserve(frames);
        if (streams_)
            points_.reserve(frames);
        else
            table_.reserve(shares_.most_owned(frames));
    }

    /// The next frame of the video.
    void add(const rgb8_image& frame) {
        const std::size_t i = next_++;
        const bool own = shares_.owns(i);
        if (own && gray_errors_) {
            gray_error_.resize(i, 0.0); // another rank's frames before it: zeros in the sum
            gray_error_.push_back(gray_error(frame));
        }
        if constexpr (streaming_reference<R, B, D>) {
            if (streams_) {
                if (!own && !shares_.is_history(i, history_)) {
                    streamed_last_ = false;
                    return;
                }
                // A stream carries state from frame to frame; after a gap it starts afresh on
                // the history() frames before this rank's next range (concepts.hpp).
                if (!stream_ || !streamed_last_) stream_.emplace(start_stream());
                streamed_last_ = true;
                std::fill(counts_.begin(), counts_.end(), 0u);
                accumulate_histogram(binning_, frame, counts_.data());
                const double point = (*stream_)(std::span<const std::uint32_t>(counts_),
                                                std::uint64_t{frame.shape()[0]} * frame.shape()[1]);
                if (own) {
                    points_.resize(i, 0.0); // another rank's frames before it: zeros in the sum
                    points_.push_back(point);
                }
                return;
            }
        }
        if (own) table_.add(binning_, frame);
    }

    /// The next frame of the video, not decoded: one that wants_next() did not want.
    void pass_over() {
        streamed_last_ = false;
        ++next_;
    }

    /// Every frame's point, once the last frame has been added or passed over; with several
    /// ranks, a collective call of `group` (the ranks of the shares).
    [[nodiscard]] frame_features finish(process_group& group = this_process_only()) && {
        if (group.rank() != shares_.rank || group.size() != shares_.ranks)
            throw config_error("feature_pass: shares of rank " + std::to_string(shares_.rank) +
                               " of " + std::to_string(shares_.ranks) + " finished by rank " +
                               std::to_string(group.rank()) + " of " +
                               std::to_string(group.size()));
        // One owner per frame: the other ranks add zeros.
        if (gray_errors_) {
            gray_error_.resize(next_, 0.0);
            group.sum(std::span<double>(gray_error_));
        }
        frame_features f;
        if (streams_) {
            points_.resize(next_, 0.0);
            group.sum(std::span<double>(points_));
            f = detail::one_dimensional(std::move(points_));
        } else {
            if (shares_.ranks > 1) table_ = whole_table(group);
            f = reference_.features(binning_, table_, distance_);
        }
        f.gray_error = std::move(gray_error_);
        return f;
    }

private:
    /// The reference's stream (any_reference's is empty when the policy it holds does not
    /// stream), or nothing.
    auto start_stream() const {
        if constexpr (streaming_reference<R, B, D>)
            return reference_.stream(binning_, distance_);
        else
            return std::monostate{};
    }

    /// The whole video's histograms from this rank's rows (its own frames', in order) and the
    /// other ranks': a sum over the ranks, a chunk of frames at a time (16 MiB of doubles), to
    /// which each rank adds its own rows and zeros elsewhere. Exact: counts are below 2^53.
    [[nodiscard]] histogram_table whole_table(process_group& group) const {
        const std::size_t bins = binning_.bins, width = bins + 1; // the counts, then the pixels
        const std::size_t chunk = std::max<std::size_t>(1, (std::size_t(1) << 21) / width);
        histogram_table whole(bins);
        whole.reserve(next_);
        std::vector<double> rows;
        std::size_t own_row = 0;
        for (std::size_t first = 0; first < next_; first += chunk) {
            const std::size_t count = std::min(chunk, next_ - first);
            rows.assign(count * width, 0.0);
            for (std::size_t i = first; i < first + count; ++i) {
                if (!shares_.owns(i)) continue;
                double* row = rows.data() + (i - first) * width;
                table_.to_double(own_row, std::span<double>(row, bins));
                row[bins] = static_cast<double>(table_.pixels(own_row));
                ++own_row;
            }
            group.sum(std::span<double>(rows));
            for (std::size_t k = 0; k < count; ++k) {
                const double* row = rows.data() + k * width;
                std::uint32_t* counts = whole.add_frame(static_cast<std::uint64_t>(row[bins]));
                for (std::size_t b = 0; b < bins; ++b)
                    counts[b] = static_cast<std::uint32_t>(row[b]);
            }
        }
        return whole;
    }

    B binning_;
    R reference_;
    D distance_;
    frame_shares shares_;
    bool streams_;
    bool gray_errors_; ///< measure each frame's gray error
    std::size_t history_ = 0;
    std::size_t next_ = 0;       ///< index of the next frame
    bool streamed_last_ = false; ///< the frame before next_ went through the stream
    std::optional<typename detail::stream_of<R, B, D>::type> stream_;
    std::vector<std::uint32_t> counts_;
    std::vector<double> points_;
    std::vector<double> gray_error_; ///< per frame up to this rank's last; zeros for others'
    histogram_table table_;
};

/// What a pass given no per-frame callable does with the frames: nothing, so a rank that shares
/// the pass may skip the frames that are not its own.
struct ignore_frames {
    void operator()(const rgb8_image&) const noexcept {}
};

/// Whether a pass given `PerFrame` must decode every frame to call it (all but ignore_frames).
template <class PerFrame>
inline constexpr bool sees_every_frame =
    !std::same_as<std::remove_cvref_t<PerFrame>, ignore_frames>;

/// Gives `pass` every frame of `source` to its end: decoded where the pass wants it or
/// per_frame must see it, passed over (io::skip_frame) otherwise.
template <io::frame_source S, binning B, class R, histogram_distance D,
          class PerFrame = ignore_frames>
void feed(S& source, feature_pass<B, R, D>& pass, PerFrame&& per_frame = {}) {
    rgb8_image frame;
    for (;;) {
        if (sees_every_frame<PerFrame> || pass.wants_next()) {
            if (!source.next(frame)) return;
            pass.add(frame);
            per_frame(std::as_const(frame));
        } else {
            if (!io::skip_frame(source, frame)) return;
            pass.pass_over();
        }
    }
}

/// Stages 1 + 2 alone: every frame of `source` as a point (streamed where the reference allows),
/// shared by the ranks of `group` (frame_shares::dealt): a collective call, every rank with its
/// own source of the same video. `per_frame(frame)` sees every frame of the video, which this
/// rank then decodes in full; without it (ignore_frames) the frames another rank makes the
/// points of are passed over (io::skip_frame). `gray_errors`: measure each frame's gray error too
/// (for a selection that reads it: reads_gray_error()).
template <binning B, class R, histogram_distance D, io::frame_source S,
          class PerFrame = ignore_frames>
requires reference_for<R, B, D>
[[nodiscard]] frame_features read_features(S& source, const B& binning, const R& reference,
                                           const D& distance, process_group& group,
                                           PerFrame&& per_frame = {}, bool gray_errors = false) {
    const auto count = source.info().frame_count;
    feature_pass<B, R, D> pass(binning, reference, distance, frame_shares::dealt(group, count),
                               gray_errors);
    pass.reserve(detail::reserve_hint(count));
    feed(source, pass, std::forward<PerFrame>(per_frame));
    return std::move(pass).finish(group);
}

/// Stages 1 + 2 in one process, calling per_frame(frame) on each frame as it passes.
template <binning B, class R, histogram_distance D, io::frame_source S,
          class PerFrame = ignore_frames>
requires reference_for<R, B, D> && std::invocable<PerFrame&, const rgb8_image&>
[[nodiscard]] frame_features read_features(S& source, const B& binning, const R& reference,
                                           const D& distance, PerFrame&& per_frame = {}) {
    return read_features(source, binning, reference, distance, this_process_only(),
                         std::forward<PerFrame>(per_frame));
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
/// position is its place there), passing over the others without decoding them where the source
/// can (io::skip_frame) and reading no further than the last one.
template <io::frame_source S, class Visit>
void visit_frames(S& source, const std::vector<std::size_t>& indices, Visit&& visit) {
    rgb8_image frame;
    std::size_t i = 0, next = 0;
    while (next < indices.size()) {
        if (i == indices[next]) {
            if (!source.next(frame)) break;
            visit(next, std::as_const(frame));
            ++next;
        } else if (!io::skip_frame(source, frame)) {
            break;
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
        r.keyframes = selection.select(r.clusters, r.features);
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
    requires std::invocable<PerFrame&, const rgb8_image&>
    [[nodiscard]] keyframe_result scan(S& source, PerFrame&& per_frame) const {
        return scan(source, this_process_only(), std::forward<PerFrame>(per_frame));
    }

    /// The pass shared by the ranks of `group`, each with its own source of the same video (a
    /// collective call): every rank returns the keyframes one process finds. per_frame, when
    /// given, sees every frame on this rank (read_features).
    template <io::frame_source S, class PerFrame = ignore_frames>
    [[nodiscard]] keyframe_result scan(S& source, process_group& group,
                                       PerFrame&& per_frame = {}) const {
        return from_features(read_features(source, binning, reference, distance, group,
                                           std::forward<PerFrame>(per_frame),
                                           reads_gray_error(selection)));
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
