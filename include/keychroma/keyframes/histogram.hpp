#pragma once
// Per-frame histograms, stored compactly (one row of counts per frame) so that the video is read
// once and every later stage (references that need the whole video, clustering, re-runs with
// other policies) works from this table alone: 512 counts = 2 KiB per frame for the paper.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/memory.hpp"
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

    /// Appends a zeroed row and returns it for filling. The table grows by doubling, through
    /// reserve(), so that each growth is checked against the memory available first.
    std::uint32_t* add_frame(std::uint64_t pixels) {
        if (pixels_.size() == pixels_.capacity())
            reserve(std::max<std::size_t>(2 * pixels_.size(), 256));
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
    /// Room for `frames` rows. A row holds a frame's counts (2 KiB at 512 bins) whatever the
    /// frame's size, so a small file of many tiny frames could ask for far more memory than it
    /// holds: resource_error when the rows need more than is available (core/memory.hpp).
    void reserve(std::size_t frames) {
        if (frames <= pixels_.capacity()) return;
        require_memory(std::uint64_t(frames) *
                           (bins_ * sizeof(std::uint32_t) + sizeof(std::uint64_t)),
                       "the histograms of " + std::to_string(frames) + " frames (" +
                           std::to_string(bins_) + " bins each)",
                       "to choose keyframes", streaming_advice);
        counts_.reserve(frames * bins_);
        pixels_.reserve(frames);
    }

    /// What a message about the table's memory suggests instead.
    static constexpr std::string_view streaming_advice =
        "a reference that streams (--reference black or previous) keeps 8 bytes a frame";

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
