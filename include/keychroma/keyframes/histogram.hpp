#pragma once
// Per-frame histograms, stored compactly (one row of counts per frame) so that the video is read
// once and every later stage (references that need the whole video, clustering, re-runs with
// other policies) works from this table alone: 512 counts = 2 KiB per frame for the paper.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/keyframes/concepts.hpp"

namespace keychroma::keyframes {

/// Histogram of one interleaved RGB image, added into `counts` (bins entries, not cleared).
template <binning B>
inline void accumulate_histogram(const B& binning, const rgb8_image& frame, std::uint32_t* counts) {
    if (frame.dimension() != 3 || frame.shape()[2] != 3)
        throw format_error("histogram: frame is not interleaved RGB");
    binning.accumulate(frame.data(), frame.shape()[0] * frame.shape()[1], counts);
}

/// The histograms of every frame of a video, `bins` counts per frame, plus each frame's pixel
/// count (so a reference image can be scaled to the frame it is compared with).
class histogram_table {
public:
    explicit histogram_table(std::size_t bins = 0) : bins_(bins) {}

    [[nodiscard]] std::size_t bins() const noexcept { return bins_; }
    [[nodiscard]] std::size_t frames() const noexcept { return pixels_.size(); }
    [[nodiscard]] bool empty() const noexcept { return pixels_.empty(); }

    /// Counts of frame i.
    [[nodiscard]] std::span<const std::uint32_t> operator[](std::size_t i) const noexcept {
        return {counts_.data() + i * bins_, bins_};
    }
    /// Counts of frame i as doubles (what the distances take), written into `out`.
    void to_double(std::size_t i, std::span<double> out) const noexcept {
        const std::uint32_t* c = counts_.data() + i * bins_;
        for (std::size_t b = 0; b < bins_; ++b) out[b] = static_cast<double>(c[b]);
    }
    [[nodiscard]] std::uint64_t pixels(std::size_t i) const noexcept { return pixels_[i]; }

    /// Appends a zeroed row and returns it for filling.
    std::uint32_t* add_frame(std::uint64_t pixels) {
        counts_.resize(counts_.size() + bins_, 0);
        pixels_.push_back(pixels);
        return counts_.data() + (pixels_.size() - 1) * bins_;
    }
    /// Appends the histogram of a frame.
    template <binning B>
    void add(const B& binning, const rgb8_image& frame) {
        if (binning.bins != bins_)
            throw config_error("histogram table holds " + std::to_string(bins_) +
                               " bins, binning " + binning.name() + " makes " +
                               std::to_string(binning.bins));
        const std::uint64_t px = frame.shape()[0] * frame.shape()[1];
        accumulate_histogram(binning, frame, add_frame(px));
    }
    void reserve(std::size_t frames) {
        counts_.reserve(frames * bins_);
        pixels_.reserve(frames);
    }

private:
    std::size_t bins_;
    std::vector<std::uint32_t> counts_;
    std::vector<std::uint64_t> pixels_;
};

/// Histogram of one image as a vector of counts.
template <binning B>
[[nodiscard]] inline std::vector<std::uint32_t> histogram_of(const rgb8_image& frame,
                                                             const B& binning = {}) {
    std::vector<std::uint32_t> counts(binning.bins, 0);
    accumulate_histogram(binning, frame, counts.data());
    return counts;
}

} // namespace keychroma::keyframes
