#pragma once
// Reference policies: what each frame's histogram is compared with. The paper compares every
// frame with a black image (black_reference), so the 1-D point of a frame is
// d(frame, black) = sqrt(1 - sqrt(p0)) for Hellinger, p0 = share of near-black pixels: it
// measures darkness, not content (docs/keyframes.md). The other models are there to compare.
// A reference whose point for a frame needs no later frame also offers stream(binning,
// distance): a callable taking one histogram after another (counts, pixels) and returning its
// point. The extractor then keeps one number per frame instead of every histogram, which is
// what lets a video of millions of frames be read in a few bytes per frame. Its history() says
// how many earlier frames a frame's point needs, so that ranks sharing a video know where their
// streams may start.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/memory.hpp"
#include "keychroma/keyframes/concepts.hpp"
#include "keychroma/keyframes/histogram.hpp"

namespace keychroma::keyframes {

namespace detail {
inline frame_features one_dimensional(std::vector<double> distance) {
    frame_features f;
    f.points = point_matrix::from_shape({distance.size(), std::size_t{1}});
    std::copy(distance.begin(), distance.end(), f.points.data());
    f.distance = std::move(distance);
    return f;
}

/// The 1-D features of a stored table, each row given in turn to a reference's stream.
template <class Stream>
frame_features streamed(Stream&& stream, const histogram_table& t) {
    std::vector<double> out(t.frames());
    for (std::size_t i = 0; i < t.frames(); ++i) out[i] = stream(t[i], t.pixels(i));
    return one_dimensional(std::move(out));
}

inline std::vector<double> mean_histogram(const histogram_table& t) {
    std::vector<double> mean(t.bins(), 0.0);
    for (std::size_t i = 0; i < t.frames(); ++i) {
        const auto c = t[i];
        for (std::size_t b = 0; b < t.bins(); ++b) mean[b] += c[b];
    }
    for (auto& m : mean) m /= static_cast<double>(t.frames());
    return mean;
}
} // namespace detail

/// Compare every frame with a solid image of one colour and the frame's own size. A frame's
/// point needs only its own histogram, so the extractor computes it as the frame arrives.
struct solid_reference {
    std::array<std::uint8_t, 3> colour{0, 0, 0}; ///< sRGB

    static std::string name() { return "solid"; }
    /// A frame's point is its own histogram's alone.
    static constexpr std::size_t history() { return 0; }
    /// "solid(255,255,255)".
    [[nodiscard]] std::string description() const {
        return "solid(" + std::to_string(colour[0]) + "," + std::to_string(colour[1]) + "," +
               std::to_string(colour[2]) + ")";
    }
    /// The distance of each histogram given, one frame after another, from the solid image.
    template <binning Bn, histogram_distance D>
    [[nodiscard]] auto stream(const Bn& binning, const D& distance) const {
        const std::size_t bins = binning.bins;
        return [distance, bin = binning.bin_of(colour[0], colour[1], colour[2]),
                frame = std::vector<double>(bins), ref = std::vector<double>(bins, 0.0)](
                   std::span<const std::uint32_t> counts, std::uint64_t pixels) mutable {
            std::copy(counts.begin(), counts.end(), frame.begin());
            ref[bin] = static_cast<double>(pixels);
            return distance(std::span<const double>(frame), std::span<const double>(ref));
        };
    }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] frame_features features(const Bn& binning, const histogram_table& t,
                                          const D& distance) const {
        return detail::streamed(stream(binning, distance), t);
    }
};

/// The paper's reference: an all-black image (the solid reference with no colour to change).
struct black_reference {
    static std::string name() { return "black"; }
    static constexpr std::size_t history() { return 0; }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] auto stream(const Bn& binning, const D& distance) const {
        return solid_reference{}.stream(binning, distance);
    }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] frame_features features(const Bn& binning, const histogram_table& t,
                                          const D& distance) const {
        return solid_reference{}.features(binning, t, distance);
    }
};

/// Compare every frame with the mean histogram of the whole video (two passes over the stored
/// histograms, none over the video).
struct mean_reference {
    static std::string name() { return "mean"; }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] frame_features features(const Bn&, const histogram_table& t,
                                          const D& distance) const {
        const auto mean = detail::mean_histogram(t);
        std::vector<double> frame(t.bins()), out(t.frames());
        for (std::size_t i = 0; i < t.frames(); ++i) {
            t.to_double(i, frame);
            out[i] = distance(std::span<const double>(frame), std::span<const double>(mean));
        }
        return detail::one_dimensional(std::move(out));
    }
};

/// Compare every frame with the frame before it (frame 0 with itself): a cut shows as a spike.
/// Computed as the frames arrive, keeping the previous frame's histogram.
struct previous_frame {
    static std::string name() { return "previous"; }
    /// Frame i's point needs frame i - 1's histogram (and a fresh stream given frame 0 alone
    /// compares it with itself).
    static constexpr std::size_t history() { return 1; }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] auto stream(const Bn& binning, const D& distance) const {
        return [distance, first = true, prev = std::vector<double>(binning.bins),
                cur = std::vector<double>(binning.bins)](std::span<const std::uint32_t> counts,
                                                         std::uint64_t) mutable {
            std::copy(counts.begin(), counts.end(), cur.begin());
            if (first) prev = cur;
            first = false;
            const double d = distance(std::span<const double>(prev), std::span<const double>(cur));
            std::swap(prev, cur);
            return d;
        };
    }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] frame_features features(const Bn& binning, const histogram_table& t,
                                          const D& distance) const {
        return detail::streamed(stream(binning, distance), t);
    }
};

/// No reference: cluster the normalised histograms themselves (points of `bins` dimensions,
/// each frame's bin shares). The distance column is each frame's distance from the mean
/// histogram, for display only.
struct no_reference {
    static std::string name() { return "none"; }
    template <binning Bn, histogram_distance D>
    [[nodiscard]] frame_features features(const Bn& binning, const histogram_table& t,
                                          const D& distance) const {
        frame_features f = mean_reference{}.features(binning, t, distance);
        require_memory(std::uint64_t(t.frames()) * t.bins() * sizeof(double),
                       "the points of " + std::to_string(t.frames()) + " frames (" +
                           std::to_string(t.bins()) + " bins each, reference none)",
                       "to cluster them", histogram_table::streaming_advice);
        f.points = point_matrix::from_shape({t.frames(), t.bins()});
        double* p = f.points.data();
        for (std::size_t i = 0; i < t.frames(); ++i) {
            const auto c = t[i];
            const double n = t.pixels(i) > 0 ? static_cast<double>(t.pixels(i)) : 1.0;
            for (std::size_t b = 0; b < t.bins(); ++b) *p++ = c[b] / n;
        }
        return f;
    }
};

} // namespace keychroma::keyframes
