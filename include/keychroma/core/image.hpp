#pragma once
// Image containers. xtensor is the public face; hot loops use .data() on these contiguous
// row-major buffers.

#include <cstddef>
#include <cstdint>

#include <xtensor/xtensor.hpp>

namespace keychroma {

/// Interleaved 8-bit sRGB, shape {height, width, 3}.
using rgb8_image = xt::xtensor<std::uint8_t, 3>;
/// One 8-bit plane (gray, L* transmission plane, a chroma plane), shape {height, width}.
using plane8 = xt::xtensor<std::uint8_t, 2>;
/// One float plane, shape {height, width}.
using planef = xt::xtensor<float, 2>;
/// Planar float image, shape {channels, height, width} (Lab, linear RGB, network tensors).
using planar_f = xt::xtensor<float, 3>;

/// Width and height of an image, in pixels.
struct image_size {
    std::size_t width = 0;
    std::size_t height = 0;
    friend bool operator==(const image_size&, const image_size&) = default;
    [[nodiscard]] std::size_t pixels() const noexcept { return width * height; }
};

[[nodiscard]] inline image_size size_of(const rgb8_image& img) noexcept {
    return {img.shape()[1], img.shape()[0]};
}
[[nodiscard]] inline image_size size_of(const planef& img) noexcept {
    return {img.shape()[1], img.shape()[0]};
}
[[nodiscard]] inline image_size size_of(const planar_f& img) noexcept {
    return {img.shape()[2], img.shape()[1]};
}

/// Allocates (or reuses, when the shape already matches) an RGB frame of the given size.
inline void resize_frame(rgb8_image& img, image_size size) {
    if (img.shape()[0] != size.height || img.shape()[1] != size.width || img.shape()[2] != 3)
        img.resize({size.height, size.width, std::size_t{3}});
}

} // namespace keychroma
