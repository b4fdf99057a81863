#pragma once
// Bringing a frame to an exact size, the one home for it: stretch (area average when shrinking,
// bilinear otherwise), centre-crop (as the paper's 256x256 frames were made: scale to cover,
// crop the middle) or letterbox (scale to fit, pad black). fit_to is the frame transform
// (`keychroma convert --size`, the keyframe PNGs at a working size, keyframe_extractor's kept
// copies). How frames meet the network's working size, where a frame keeps its aspect ratio
// and so has no exact size, is pipeline/working_size.hpp's frame_fit.

#include <algorithm>
#include <cmath>

#include "keychroma/core/image.hpp"
#include "keychroma/core/resize.hpp"

namespace keychroma {

enum class fit_mode { crop, letterbox, stretch };

/// Resizes with the filter that suits the direction: area average when shrinking both sides,
/// bilinear otherwise.
[[nodiscard]] inline rgb8_image resize_auto(const rgb8_image& img, image_size to) {
    const image_size from = size_of(img);
    if (from == to) return img;
    if (to.width <= from.width && to.height <= from.height) return resize_area(img, to);
    return resize_bilinear(img, to);
}

/// A frame brought to exactly `size` by `mode` (stretch: the aspect ratio is not kept).
struct fit_to {
    image_size size;
    fit_mode mode = fit_mode::stretch;

    [[nodiscard]] rgb8_image operator()(const rgb8_image& img) const {
        const image_size from = size_of(img);
        switch (mode) {
        case fit_mode::letterbox:
            return letterbox(img, size);
        case fit_mode::crop: {
            // Scale to cover: the smaller scale factor would leave bars, so take the larger.
            const double s = std::max(double(size.width) / double(from.width),
                                      double(size.height) / double(from.height));
            const image_size cover{
                std::max(size.width, static_cast<std::size_t>(std::lround(double(from.width) * s))),
                std::max(size.height,
                         static_cast<std::size_t>(std::lround(double(from.height) * s)))};
            return centre_crop(resize_auto(img, cover), size);
        }
        case fit_mode::stretch:
            break;
        }
        return resize_auto(img, size);
    }
};

} // namespace keychroma
