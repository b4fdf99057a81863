#pragma once
// Augmentation from the keyframes: many distinct training samples from few frames. Each keyframe
// is brought once to a few "views" (the working size times a scale, from the full-resolution
// frame: enlarging a view never upsamples a smaller one), and every sample of a batch is a
// random patch of a random view of a random keyframe, mirrored with probability 1/2. The network
// is convolutional, so it trains on patches and colorizes whole frames; views larger than the
// working size show it objects a little larger than at colorization, smaller patches make a step
// cheaper. Sample i of step s depends only on (seed, s, i): runs are reproducible and a sampler
// needs no state between steps. Without augmentation (one scale, whole views, no flips) a view
// has one sample only, so a batch holds distinct views, at most as many as there are: a repeated
// sample would cost a forward and backward pass and change nothing in the mean gradient.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/nn/init.hpp"
#include "keychroma/nn/tensor.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::pipeline {

/// What samples are drawn from the keyframes (values: the recipe picks them).
struct augmentation {
    /// View sizes relative to the working size (1 = the frame as colorization sees it).
    std::vector<double> scales{1.0};
    /// Patch side relative to the scale-1 view (rounded down to the network's multiple of 8).
    double patch = 1.0;
};

/// Draws training batches of random patches of the keyframes' views (see the header comment),
/// each sample mirrored with probability 1/2 when `flip` (trainer_options::horizontal_flip).
class crop_sampler {
public:
    crop_sampler(const std::vector<rgb8_image>& keyframes, image_size working, frame_fit fit,
                 const augmentation& aug, std::size_t batch, std::uint64_t seed, bool flip = false)
        : batch_(batch), flip_(flip), seed_(seed) {
        if (keyframes.empty()) throw config_error("training: no keyframes to train on");
        if (batch == 0) throw config_error("training: batch size must be positive");
        whole_views_ =
            aug.scales.size() == 1 && aug.scales.front() == 1.0 && aug.patch == 1.0 && !flip;
        if (aug.scales.empty() || !(aug.patch > 0.0) || aug.patch > 1.0)
            throw config_error("augmentation: needs at least one scale and a patch in (0, 1]");
        for (const rgb8_image& frame : keyframes)
            for (double scale : aug.scales) {
                if (!(scale > 0.0) || scale > 8.0)
                    throw config_error("augmentation: scales must lie in (0, 8]");
                const image_size view{scaled_side(working.width, scale),
                                      scaled_side(working.height, scale)};
                views_.push_back(make_training_pair(frame, view, fit));
            }
        // The patch: a fraction of the smallest scale-1 view. A video's keyframes all have one
        // size; frames of other shapes (references, tests/pipeline/test_references.cpp) give
        // random crops of the common part.
        image_size base = pair_size(size_of(keyframes.front()), working, fit);
        for (const rgb8_image& frame : keyframes) {
            const image_size s = pair_size(size_of(frame), working, fit);
            base = {std::min(base.width, s.width), std::min(base.height, s.height)};
        }
        patch_ = {round_down(double(base.width) * aug.patch),
                  round_down(double(base.height) * aug.patch)};
        if (patch_.width == 0 || patch_.height == 0)
            throw config_error("augmentation: the patch is smaller than 8 pixels");
        for (const training_pair& v : views_)
            if (v.input.shape()[1] < patch_.width || v.input.shape()[0] < patch_.height)
                throw config_error("augmentation: a view (" + std::to_string(v.input.shape()[1]) +
                                   "x" + std::to_string(v.input.shape()[0]) +
                                   ") is smaller than the patch (" + std::to_string(patch_.width) +
                                   "x" + std::to_string(patch_.height) +
                                   "): use scales of at least the patch fraction");
        if (whole_views_) batch_ = std::min(batch_, views_.size());
    }

    /// The network's input size during training (views larger than the scale-1 view, as at
    /// scales above 1, are cropped to it).
    [[nodiscard]] image_size patch_size() const noexcept { return patch_; }
    [[nodiscard]] std::size_t batch() const noexcept { return batch_; }

    /// Fills x {batch, h, w, 1} (L) and y {batch, h, w, 2} (a,b) with the samples of `step`.
    void fill(std::uint64_t step, nn::host_tensor& x, nn::host_tensor& y) const {
        const std::size_t h = patch_.height, w = patch_.width;
        if (x.shape()[0] != batch_ || x.shape()[1] != h || x.shape()[2] != w)
            x.resize({batch_, h, w, std::size_t{1}});
        if (y.shape()[0] != batch_ || y.shape()[1] != h || y.shape()[2] != w)
            y.resize({batch_, h, w, std::size_t{2}});
        if (whole_views_) { // distinct views: a partial Fisher-Yates shuffle of this step
            nn::splitmix64 rng(seed_ ^ (0x9FB21C651E98DF25ull * (step + 1)));
            order_.resize(views_.size());
            for (std::size_t k = 0; k < order_.size(); ++k) order_[k] = k;
            for (std::size_t k = 0; k < batch_; ++k)
                std::swap(order_[k], order_[k + rng.below(order_.size() - k)]);
        }
        for (std::size_t i = 0; i < batch_; ++i) {
            nn::splitmix64 rng(seed_ ^ (0x9FB21C651E98DF25ull * (step + 1)) ^
                               (0xC2B2AE3D27D4EB4Full * (i + 1)));
            const training_pair& v =
                views_[whole_views_ ? order_[i] : std::size_t(rng.below(views_.size()))];
            const std::size_t vh = v.input.shape()[0], vw = v.input.shape()[1];
            const std::size_t top = rng.below(vh - h + 1), left = rng.below(vw - w + 1);
            const bool mirror = flip_ && (rng() >> 63) != 0;
            const std::size_t plane = vh * vw;
            float* xi = x.data() + i * h * w;
            float* yi = y.data() + i * h * w * 2;
            for (std::size_t r = 0; r < h; ++r)
                for (std::size_t c = 0; c < w; ++c) {
                    const std::size_t s = (top + r) * vw + left + (mirror ? w - 1 - c : c);
                    const std::size_t d = r * w + c;
                    xi[d] = v.input.data()[s];
                    yi[2 * d] = v.target.data()[s];
                    yi[2 * d + 1] = v.target.data()[plane + s];
                }
        }
    }

private:
    static std::size_t scaled_side(std::size_t side, double scale) {
        return std::max<std::size_t>(network_multiple,
                                     static_cast<std::size_t>(double(side) * scale + 0.5));
    }
    static std::size_t round_down(double side) {
        return static_cast<std::size_t>(side) / network_multiple * network_multiple;
    }

    std::vector<training_pair> views_;
    bool whole_views_ = false;
    mutable std::vector<std::size_t> order_; ///< fill()'s scratch: the views of a step
    image_size patch_;
    std::size_t batch_;
    bool flip_;
    std::uint64_t seed_;
};

} // namespace keychroma::pipeline
