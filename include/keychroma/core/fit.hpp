#pragma once
// Bringing a frame to an exact output size when the aspect ratios differ: centre-crop (as the
// paper's 256x256 frames were made: scale to cover, crop the middle), letterbox (scale to fit,
// pad black), or stretch.

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

/// `img` brought to exactly `to` by the chosen fit, into `out`.
inline void fit_rgb8(const rgb8_image& img, image_size to, fit_mode mode, rgb8_image& out) {
    const image_size from = size_of(img);
    switch (mode) {
    case fit_mode::stretch:
        out = resize_auto(img, to);
        return;
    case fit_mode::letterbox:
        out = letterbox(img, to);
        return;
    case fit_mode::crop: {
        // Scale to cover: the smaller scale factor would leave bars, so take the larger.
        const double s = std::max(double(to.width) / double(from.width),
                                  double(to.height) / double(from.height));
        const image_size cover{
            std::max(to.width, static_cast<std::size_t>(std::lround(double(from.width) * s))),
            std::max(to.height, static_cast<std::size_t>(std::lround(double(from.height) * s)))};
        const rgb8_image scaled = resize_auto(img, cover);
        out = centre_crop(scaled, to);
        return;
    }
    }
}

} // namespace keychroma
