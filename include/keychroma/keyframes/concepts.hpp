#pragma once
// The five policies a keyframe extractor is made of (design.md §3), as C++20 concepts, and the
// small plain types that pass between them. An experiment is a type:
//   keyframe_extractor<rgb_uniform<8>, black_reference, scaled<hellinger>,
//                      mean_shift<flat_kernel>, every_nth>
// Every policy is a small value type: the type picks the algorithm, its members the numbers (a
// bandwidth, a step, a scale), as Boost.Histogram's axes do. A template argument stays a number
// only where it sizes a hot loop (rgb_uniform<8>: 512 bins, shifts known to the compiler).
// Every policy has a name() -- the one the registry and the command line know it by -- and one
// with numbers also a description() that spells the values it uses ("kmeans(k=7)").
// any_policy.hpp wraps each stage behind the same concept, for choices made at run time.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace keychroma::keyframes {

class histogram_table;

/// Frames as points in feature space, one row per frame, shape {frames, dims}.
using point_matrix = xt::xtensor<double, 2>;

/// What a reference policy makes of the stored histograms: the points the clustering sees and,
/// for plots and frames.csv, one scalar per frame; and what the first pass measured of each
/// frame besides (gray_error.hpp), for the selections that weigh frames by it.
struct frame_features {
    point_matrix points;          ///< {frames, dims}; dims == 1 for every 1-D reference
    std::vector<double> distance; ///< per frame: distance from the reference (for display)
    /// Per frame: the colour its gray copy loses (gray_error()), measured only for a selection
    /// that reads it (reads_gray_error()); empty otherwise, and when the points were made from
    /// stored histograms alone (keyframe_extractor::from_histograms).
    std::vector<double> gray_error;
};

/// What a clustering policy returns.
struct clustering_result {
    std::vector<std::size_t> labels; ///< per point, in [0, centres.shape()[0])
    point_matrix centres;            ///< {clusters, dims}
    /// The bandwidth (mean shift) or threshold (shot_threshold) used; NaN where meaningless.
    double bandwidth = std::numeric_limits<double>::quiet_NaN();
    std::size_t iterations = 0; ///< the most iterations any seed / restart needed

    [[nodiscard]] std::size_t cluster_count() const noexcept { return centres.shape()[0]; }
    [[nodiscard]] std::vector<std::size_t> sizes() const {
        std::vector<std::size_t> s(cluster_count(), 0);
        for (auto l : labels) ++s[l];
        return s;
    }
};

/// The name of a policy with the values it uses: its description() where it has one, else its
/// name().
template <class P>
[[nodiscard]] std::string describe(const P& policy) {
    if constexpr (requires { policy.description(); })
        return policy.description();
    else
        return policy.name();
}

/// Binning: maps 8-bit sRGB pixels to one of `bins` histogram bins. `accumulate` adds `pixels`
/// interleaved RGB pixels to `counts` (which holds `bins` entries). Bin indices come from
/// tables or integer arithmetic, never from per-pixel floating point. `bins` is a static
/// constant for a binning type, a member for a binning chosen at run time (any_binning).
template <class B>
concept binning = std::default_initializable<B> &&
    requires(const B& b, const std::uint8_t* rgb, std::size_t pixels, std::uint32_t* counts,
             std::uint8_t c) {
    { b.bins } -> std::convertible_to<std::size_t>;
    { b.name() } -> std::convertible_to<std::string>;
    { b.bin_of(c, c, c) } -> std::convertible_to<std::size_t>;
    { b.accumulate(rgb, pixels, counts) } -> std::same_as<void>;
};

/// Distance between two histograms of equal length (raw counts or shares, as the policy says).
template <class D>
concept histogram_distance = std::default_initializable<D> &&
    requires(const D& d, std::span<const double> a, std::span<const double> b) {
    { d(a, b) } -> std::convertible_to<double>;
    { d.name() } -> std::convertible_to<std::string>;
};

/// Reference: turns the per-frame histograms into the points that are clustered (for the
/// paper: the 1-D distance of each frame from a black image).
template <class R, class B, class D>
concept reference_for = binning<B> && histogram_distance<D> && std::default_initializable<R> &&
    requires(const R& r, const B& b, const histogram_table& t, const D& d) {
    { r.name() } -> std::convertible_to<std::string>;
    { r.features(b, t, d) } -> std::same_as<frame_features>;
};

/// A reference that also makes each frame's point as the frame arrives (reference.hpp): its
/// stream(binning, distance) takes a frame's histogram counts and pixel count and returns the
/// frame's 1-D point, so a pass over the video keeps one number per frame, not its histogram. A
/// reference chosen at run time (any_reference) says with streams() whether it does.
/// history() is how many frames before a frame its point depends on (0 for a fixed image, 1 for
/// the previous frame): a fresh stream given frames i - history() .. i returns frame i's point
/// as a stream from the first frame does. That is what lets ranks that share a video start
/// their streams in its middle (extractor.hpp, frame_shares).
template <class R, class B, class D>
concept streaming_reference = reference_for<R, B, D> &&
    requires(const R& r, const B& b, const D& d, std::span<const std::uint32_t> counts,
             std::uint64_t pixels) {
    { r.stream(b, d)(counts, pixels) } -> std::convertible_to<double>;
    { r.history() } -> std::convertible_to<std::size_t>;
};

/// Clustering of points {n, dims} into labelled clusters.
template <class C>
concept clustering = std::default_initializable<C> && requires(const C& c, const point_matrix& p) {
    { c.name() } -> std::convertible_to<std::string>;
    { c.cluster(p) } -> std::same_as<clustering_result>;
};

/// Selection: picks keyframe indices (ascending frame numbers) from the clusters of the frames'
/// features (their points, and what else the pass measured of each frame).
template <class S>
concept selection = std::default_initializable<S> &&
    requires(const S& s, const clustering_result& c, const frame_features& f) {
    { s.name() } -> std::convertible_to<std::string>;
    { s.select(c, f) } -> std::same_as<std::vector<std::size_t>>;
};

/// Whether a selection reads frame_features::gray_error, which the first pass then measures (a
/// cost the others do not pay): a selection type says so with a static constexpr bool
/// reads_gray_error, one chosen at run time (any_selection) with a reads_gray_error() member.
template <selection S>
[[nodiscard]] constexpr bool reads_gray_error(const S& s) {
    if constexpr (requires { s.reads_gray_error(); })
        return s.reads_gray_error();
    else if constexpr (requires { S::reads_gray_error; })
        return S::reads_gray_error;
    else
        return false;
}

} // namespace keychroma::keyframes
