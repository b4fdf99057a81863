#pragma once
// Resizing between frame size and the network's working size.
//  - bilinear: OpenCV's INTER_LINEAR geometry (pixel centres at +0.5, edge pixels repeated), up
//    or down, used for the network's a,b output back to full frame size (upscale_chroma);
//  - area: OpenCV's INTER_AREA for downscaling (each output pixel is the mean of the input area
//    it covers, fractional pixels weighted), the anti-aliased way to bring frames to 256x256;
//  - centre crop and letterbox (fit inside a canvas keeping the aspect ratio, pad the rest).
// Both resamplers are separable: per-axis (index, weight) tables built once per call, then
// plain loops over contiguous rows. Float results agree with cv2.resize to float rounding; 8-bit
// results are computed in float and rounded, so they may differ by one step from OpenCV's
// 11-bit fixed-point arithmetic.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <keychroma/core/error.hpp>
#include <keychroma/core/image.hpp>

namespace keychroma {

namespace detail {

/// For each output coordinate, the input taps and their weights along one axis.
struct axis_taps {
    std::vector<std::size_t> start; ///< first tap's input index, per output coordinate
    std::vector<std::size_t> count; ///< number of taps (consecutive inputs)
    std::vector<float> weight;      ///< count[i] weights per output, concatenated
    std::vector<std::size_t> offset;
};

[[nodiscard]] inline axis_taps bilinear_taps(std::size_t in, std::size_t out) {
    axis_taps t;
    const double scale = double(in) / double(out);
    for (std::size_t o = 0; o < out; ++o) {
        const double s = (double(o) + 0.5) * scale - 0.5;
        auto i0 = static_cast<std::ptrdiff_t>(std::floor(s));
        double f = s - double(i0);
        if (i0 < 0) i0 = 0, f = 0; // left edge: repeat the first pixel
        if (i0 >= static_cast<std::ptrdiff_t>(in) - 1)
            i0 = static_cast<std::ptrdiff_t>(in) - 1, f = 0; // right edge: repeat the last
        t.offset.push_back(t.weight.size());
        t.start.push_back(static_cast<std::size_t>(i0));
        if (f == 0) {
            t.count.push_back(1);
            t.weight.push_back(1.0f);
        } else {
            t.count.push_back(2);
            t.weight.push_back(float(1.0 - f));
            t.weight.push_back(float(f));
        }
    }
    return t;
}

[[nodiscard]] inline axis_taps area_taps(std::size_t in, std::size_t out) {
    axis_taps t;
    const double scale = double(in) / double(out);
    for (std::size_t o = 0; o < out; ++o) {
        const double lo = double(o) * scale, hi = std::min(lo + scale, double(in));
        const auto first = static_cast<std::size_t>(std::floor(lo));
        const auto last = std::min(static_cast<std::size_t>(std::ceil(hi)), in); // exclusive
        t.offset.push_back(t.weight.size());
        t.start.push_back(first);
        std::size_t n = 0;
        for (std::size_t i = first; i < last; ++i) {
            const double cover = std::min(hi, double(i + 1)) - std::max(lo, double(i));
            if (cover <= 1e-9 && n == 0) { // a sliver at the start: skip it
                ++t.start.back();
                continue;
            }
            if (cover <= 1e-9) break;
            t.weight.push_back(float(cover / (hi - lo)));
            ++n;
        }
        t.count.push_back(n);
    }
    return t;
}

/// Separable resampling of `channels` interleaved float channels (a plane: channels = 1).
inline void resample(const float* src, std::size_t sw, std::size_t sh, float* dst, std::size_t dw,
                     std::size_t dh, std::size_t channels, const axis_taps& tx,
                     const axis_taps& ty) {
    std::vector<float> rows(sh * dw * channels); // horizontal pass, all input rows
    for (std::size_t y = 0; y < sh; ++y) {
        const float* s = src + y * sw * channels;
        float* d = rows.data() + y * dw * channels;
        for (std::size_t x = 0; x < dw; ++x) {
            const float* w = tx.weight.data() + tx.offset[x];
            for (std::size_t c = 0; c < channels; ++c) {
                float acc = 0;
                for (std::size_t k = 0; k < tx.count[x]; ++k)
                    acc += w[k] * s[(tx.start[x] + k) * channels + c];
                d[x * channels + c] = acc;
            }
        }
    }
    const std::size_t row = dw * channels;
    for (std::size_t y = 0; y < dh; ++y) {
        float* d = dst + y * row;
        std::fill_n(d, row, 0.0f);
        const float* w = ty.weight.data() + ty.offset[y];
        for (std::size_t k = 0; k < ty.count[y]; ++k) {
            const float* s = rows.data() + (ty.start[y] + k) * row;
            const float wk = w[k];
            for (std::size_t i = 0; i < row; ++i) d[i] += wk * s[i]; // vectorises
        }
    }
}

inline void require_nonempty(image_size from, image_size to, const char* what) {
    if (from.width == 0 || from.height == 0 || to.width == 0 || to.height == 0)
        throw config_error(std::string(what) + ": cannot resize " + std::to_string(from.width) +
                           "x" + std::to_string(from.height) + " to " + std::to_string(to.width) +
                           "x" + std::to_string(to.height));
}

inline void require_downscale(image_size from, image_size to) {
    if (to.width > from.width || to.height > from.height)
        throw config_error("resize_area: area averaging only shrinks (" +
                           std::to_string(from.width) + "x" + std::to_string(from.height) + " to " +
                           std::to_string(to.width) + "x" + std::to_string(to.height) +
                           "); use resize_bilinear to enlarge");
}

template <class Taps>
[[nodiscard]] planar_f resize_planes(const planar_f& src, image_size to, Taps taps) {
    const std::size_t c = src.shape()[0], sh = src.shape()[1], sw = src.shape()[2];
    const auto tx = taps(sw, to.width), ty = taps(sh, to.height);
    planar_f out({c, to.height, to.width});
    for (std::size_t k = 0; k < c; ++k)
        resample(src.data() + k * sh * sw, sw, sh, out.data() + k * to.height * to.width, to.width,
                 to.height, 1, tx, ty);
    return out;
}

template <class Taps>
[[nodiscard]] rgb8_image resize_rgb8(const rgb8_image& src, image_size to, Taps taps) {
    const std::size_t sh = src.shape()[0], sw = src.shape()[1];
    std::vector<float> in(src.begin(), src.end()), out(to.width * to.height * 3);
    resample(in.data(), sw, sh, out.data(), to.width, to.height, 3, taps(sw, to.width),
             taps(sh, to.height));
    rgb8_image dst({to.height, to.width, std::size_t{3}});
    std::uint8_t* d = dst.data();
    for (std::size_t i = 0; i < out.size(); ++i)
        d[i] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(out[i]), 0.0f, 255.0f));
    return dst;
}

} // namespace detail

/// Bilinear resize (OpenCV INTER_LINEAR geometry) of every plane of a {C,H,W} image.
[[nodiscard]] inline planar_f resize_bilinear(const planar_f& src, image_size to) {
    detail::require_nonempty(size_of(src), to, "resize_bilinear");
    return detail::resize_planes(src, to, detail::bilinear_taps);
}
/// Bilinear resize of one float plane.
[[nodiscard]] inline planef resize_bilinear(const planef& src, image_size to) {
    detail::require_nonempty(size_of(src), to, "resize_bilinear");
    planef out({to.height, to.width});
    detail::resample(src.data(), src.shape()[1], src.shape()[0], out.data(), to.width, to.height, 1,
                     detail::bilinear_taps(src.shape()[1], to.width),
                     detail::bilinear_taps(src.shape()[0], to.height));
    return out;
}
/// Bilinear resize of an 8-bit RGB image (computed in float, rounded to nearest).
[[nodiscard]] inline rgb8_image resize_bilinear(const rgb8_image& src, image_size to) {
    detail::require_nonempty(size_of(src), to, "resize_bilinear");
    return detail::resize_rgb8(src, to, detail::bilinear_taps);
}

/// Area-average downscale (OpenCV INTER_AREA when shrinking) of every plane of a {C,H,W} image.
[[nodiscard]] inline planar_f resize_area(const planar_f& src, image_size to) {
    detail::require_nonempty(size_of(src), to, "resize_area");
    detail::require_downscale(size_of(src), to);
    return detail::resize_planes(src, to, detail::area_taps);
}
/// Area-average downscale of one float plane.
[[nodiscard]] inline planef resize_area(const planef& src, image_size to) {
    detail::require_nonempty(size_of(src), to, "resize_area");
    detail::require_downscale(size_of(src), to);
    planef out({to.height, to.width});
    detail::resample(src.data(), src.shape()[1], src.shape()[0], out.data(), to.width, to.height, 1,
                     detail::area_taps(src.shape()[1], to.width),
                     detail::area_taps(src.shape()[0], to.height));
    return out;
}
/// Area-average downscale of an 8-bit RGB image.
[[nodiscard]] inline rgb8_image resize_area(const rgb8_image& src, image_size to) {
    detail::require_nonempty(size_of(src), to, "resize_area");
    detail::require_downscale(size_of(src), to);
    return detail::resize_rgb8(src, to, detail::area_taps);
}

/// The network's a,b output {2,h,w} at working size -> {2,H,W} at full frame size (bilinear;
/// chroma is smooth, and bilinear is what the paper's Keras/OpenCV pipeline would use).
[[nodiscard]] inline planar_f upscale_chroma(const planar_f& ab, image_size full) {
    if (ab.dimension() != 3 || ab.shape()[0] != 2)
        throw config_error("upscale_chroma: expected a {2,H,W} a,b tensor, got " +
                           std::to_string(ab.shape()[0]) + " channels");
    if (size_of(ab) == full) return ab;
    return resize_bilinear(ab, full);
}

// --- crop and letterbox ----------------------------------------------------------------------

/// Where a picture sits inside a canvas: the content's size and its top-left corner.
struct placement {
    image_size canvas;
    image_size content;
    std::size_t left = 0, top = 0;
    friend bool operator==(const placement&, const placement&) = default;
};

/// The largest size with the source's aspect ratio that fits the canvas, centred (letterbox).
[[nodiscard]] inline placement fit_letterbox(image_size source, image_size canvas) {
    detail::require_nonempty(source, canvas, "fit_letterbox");
    placement p{canvas, canvas, 0, 0};
    // Compare w_s/h_s with w_c/h_c without rounding: w_s*h_c vs w_c*h_s.
    if (source.width * canvas.height >= canvas.width * source.height) { // wider: bars top/bottom
        p.content.height = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::llround(double(canvas.width) * double(source.height) /
                                                     double(source.width))));
        p.top = (canvas.height - p.content.height) / 2;
    } else { // taller: bars left/right
        p.content.width = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::llround(double(canvas.height) * double(source.width) /
                                                     double(source.height))));
        p.left = (canvas.width - p.content.width) / 2;
    }
    return p;
}

/// The centred region of the given size (must fit inside the image).
[[nodiscard]] inline placement centre_crop_region(image_size image, image_size crop) {
    if (crop.width > image.width || crop.height > image.height || crop.width == 0 ||
        crop.height == 0)
        throw config_error("centre_crop: " + std::to_string(crop.width) + "x" +
                           std::to_string(crop.height) + " does not fit in " +
                           std::to_string(image.width) + "x" + std::to_string(image.height));
    return {image, crop, (image.width - crop.width) / 2, (image.height - crop.height) / 2};
}

/// Copies the centred crop of an RGB image.
[[nodiscard]] inline rgb8_image centre_crop(const rgb8_image& img, image_size crop) {
    const auto r = centre_crop_region(size_of(img), crop);
    rgb8_image out({crop.height, crop.width, std::size_t{3}});
    const std::size_t sw = img.shape()[1];
    for (std::size_t y = 0; y < crop.height; ++y)
        std::copy_n(img.data() + ((r.top + y) * sw + r.left) * 3, crop.width * 3,
                    out.data() + y * crop.width * 3);
    return out;
}

/// Copies a region (e.g. the content of a letterbox) out of every plane of a {C,H,W} image.
[[nodiscard]] inline planar_f crop(const planar_f& img, const placement& region) {
    const std::size_t c = img.shape()[0], h = img.shape()[1], w = img.shape()[2];
    if (region.left + region.content.width > w || region.top + region.content.height > h)
        throw config_error("crop: region outside the " + std::to_string(w) + "x" +
                           std::to_string(h) + " image");
    planar_f out({c, region.content.height, region.content.width});
    for (std::size_t k = 0; k < c; ++k)
        for (std::size_t y = 0; y < region.content.height; ++y)
            std::copy_n(img.data() + (k * h + region.top + y) * w + region.left,
                        region.content.width,
                        out.data() + (k * region.content.height + y) * region.content.width);
    return out;
}
/// Centre crop of every plane of a {C,H,W} image.
[[nodiscard]] inline planar_f centre_crop(const planar_f& img, image_size size) {
    return crop(img, centre_crop_region(size_of(img), size));
}

/// Pastes an RGB image into a canvas of `fill` at (left, top) (the letterbox's padding step).
[[nodiscard]] inline rgb8_image pad(const rgb8_image& img, image_size canvas, std::size_t left,
                                    std::size_t top, std::array<std::uint8_t, 3> fill = {0, 0, 0}) {
    const std::size_t h = img.shape()[0], w = img.shape()[1];
    if (left + w > canvas.width || top + h > canvas.height)
        throw config_error("pad: a " + std::to_string(w) + "x" + std::to_string(h) + " image at (" +
                           std::to_string(left) + "," + std::to_string(top) + ") does not fit in " +
                           std::to_string(canvas.width) + "x" + std::to_string(canvas.height));
    rgb8_image out({canvas.height, canvas.width, std::size_t{3}});
    std::uint8_t* d = out.data();
    for (std::size_t i = 0; i < canvas.pixels(); ++i) std::copy_n(fill.data(), 3, d + 3 * i);
    for (std::size_t y = 0; y < h; ++y)
        std::copy_n(img.data() + y * w * 3, w * 3, d + ((top + y) * canvas.width + left) * 3);
    return out;
}

/// Fits an RGB frame into a canvas keeping its aspect ratio (area-shrunk, or bilinear-enlarged)
/// and pads the rest with `fill`; returns where the content went, for crop() after inference.
[[nodiscard]] inline rgb8_image letterbox(const rgb8_image& img, image_size canvas,
                                          placement* where = nullptr,
                                          std::array<std::uint8_t, 3> fill = {0, 0, 0}) {
    const placement p = fit_letterbox(size_of(img), canvas);
    const image_size from = size_of(img);
    rgb8_image scaled = (p.content == from) ? img
                        : (p.content.width <= from.width && p.content.height <= from.height)
                            ? resize_area(img, p.content)
                            : resize_bilinear(img, p.content);
    if (where) *where = p;
    return pad(scaled, canvas, p.left, p.top, fill);
}

} // namespace keychroma
