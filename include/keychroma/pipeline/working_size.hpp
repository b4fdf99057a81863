#pragma once
// Where frames meet the network's working size. The paper trains and colorizes 256x256 frames;
// keychroma takes any frame size, so both training and colorizing scale a frame by the same
// factor (the network must see objects at the scale it learned them):
//   scale       (default) fit inside the working size, keep the aspect ratio, no padding: a
//               1280x720 video is trained and colorized at 256x144; the network is fully
//               convolutional, so the training frames need not be square.
//   letterbox   the same scale; training frames are padded to exactly the working size (black:
//               L = 0, a = b = 0), as a fixed-size training set would be.
//   centre_crop scale to cover the working size, train on the centred working-size crop;
//               colorize the whole frame at that (larger) scale.
// Frames are never enlarged: the working size is a maximum, so a 64x64 clip is trained at 64x64.
// Network inputs must have sides that are multiples of 8 (three stride-2 layers): inference pads
// by repeating edge pixels and crops the output back; training crops to a multiple of 8.

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "keychroma/core/color.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/core/resize.hpp"

namespace keychroma::pipeline {

enum class frame_fit { scale, letterbox, centre_crop };

[[nodiscard]] inline std::string_view fit_name(frame_fit f) noexcept {
    switch (f) {
    case frame_fit::scale:
        return "scale";
    case frame_fit::letterbox:
        return "letterbox";
    case frame_fit::centre_crop:
        return "crop";
    }
    return "?";
}
[[nodiscard]] inline frame_fit parse_fit(std::string_view s) {
    if (s == "scale") return frame_fit::scale;
    if (s == "letterbox") return frame_fit::letterbox;
    if (s == "crop" || s == "centre_crop" || s == "center_crop") return frame_fit::centre_crop;
    throw config_error("fit '" + std::string(s) + "': expected scale, letterbox or crop");
}

/// "WxH", each side 1..16384; config_error naming `what` (an option, a file) otherwise.
[[nodiscard]] inline image_size parse_size(std::string_view what, std::string_view text) {
    const auto bad = [&] {
        return config_error(std::string(what) + " '" + std::string(text) +
                            "': expected WxH with 1 <= W,H <= 16384");
    };
    const auto side = [&](std::string_view s) {
        std::size_t v = 0;
        const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || v < 1 || v > 16384)
            throw bad();
        return v;
    };
    const auto x = text.find_first_of("xX");
    if (x == std::string_view::npos) throw bad();
    return {side(text.substr(0, x)), side(text.substr(x + 1))};
}

/// The network's side multiple (paper stack: 8).
inline constexpr std::size_t network_multiple = 8;

inline void check_working_size(image_size working) {
    if (working.width < network_multiple || working.height < network_multiple ||
        working.width % network_multiple || working.height % network_multiple)
        throw config_error(
            "working size " + std::to_string(working.width) + "x" + std::to_string(working.height) +
            ": sides must be positive multiples of " + std::to_string(network_multiple));
}

/// The size a frame is brought to before the network (see the header comment).
[[nodiscard]] inline image_size scaled_size(image_size frame, image_size working, frame_fit fit) {
    if (frame.width == 0 || frame.height == 0) throw config_error("empty frame");
    const double sx = double(working.width) / double(frame.width);
    const double sy = double(working.height) / double(frame.height);
    const double s =
        std::min(1.0, fit == frame_fit::centre_crop ? std::max(sx, sy) : std::min(sx, sy));
    if (s >= 1.0) return frame;
    return {
        std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(double(frame.width) * s))),
        std::max<std::size_t>(1, static_cast<std::size_t>(std::lround(double(frame.height) * s)))};
}

[[nodiscard]] inline std::size_t round_up(std::size_t v, std::size_t m) {
    return (v + m - 1) / m * m;
}

/// Float plane resized to `to` (area when shrinking, unchanged when equal).
[[nodiscard]] inline planef resize_plane(const planef& p, image_size to) {
    if (size_of(p) == to) return p;
    if (to.width <= p.shape()[1] && to.height <= p.shape()[0]) return resize_area(p, to);
    return resize_bilinear(p, to);
}

/// The size of the pair make_training_pair() makes of a frame: the scaled frame padded
/// (letterbox) or cut (scale, crop) to multiples of the network's 8.
[[nodiscard]] inline image_size pair_size(image_size frame, image_size working, frame_fit fit) {
    const image_size scaled = scaled_size(frame, working, fit);
    if (fit == frame_fit::letterbox)
        return {std::max(working.width, round_up(scaled.width, network_multiple)),
                std::max(working.height, round_up(scaled.height, network_multiple))};
    image_size out = scaled;
    if (fit == frame_fit::centre_crop)
        out = {std::min(working.width, scaled.width), std::min(working.height, scaled.height)};
    out = {out.width / network_multiple * network_multiple,
           out.height / network_multiple * network_multiple};
    if (out.width == 0 || out.height == 0)
        throw config_error("frame of " + std::to_string(frame.width) + "x" +
                           std::to_string(frame.height) +
                           " is too small to train on (sides below 8 pixels)");
    return out;
}

/// One training pair in network scale: input {h,w} = L/50 - 1 and target {2,h,w} = a,b / 128.
struct training_pair {
    planef input;
    planar_f target;
};

/// Makes the training pair of one colour frame. L comes from the frame's 8-bit L* codes, exactly
/// as the receiver will see it in the gray transmission format; a,b from the float Lab.
[[nodiscard]] inline training_pair make_training_pair(const rgb8_image& frame, image_size working,
                                                      frame_fit fit) {
    check_working_size(working);
    const image_size full = size_of(frame);
    const image_size scaled = scaled_size(full, working, fit);
    planef l = resize_plane(lstar_codes_to_lstar(rgb8_to_lstar_codes(frame)), scaled);
    const planar_f lab = rgb8_to_lab(frame);
    const std::size_t plane = full.pixels();
    planef a({full.height, full.width}), b({full.height, full.width});
    std::copy_n(lab.data() + plane, plane, a.data());
    std::copy_n(lab.data() + 2 * plane, plane, b.data());
    a = resize_plane(a, scaled);
    b = resize_plane(b, scaled);

    // Region of the scaled frame that becomes the pair, and where it goes in the pair.
    const image_size out = pair_size(full, working, fit);
    std::size_t src_left = 0, src_top = 0, dst_left = 0, dst_top = 0;
    image_size region = scaled;
    if (fit == frame_fit::letterbox) {
        dst_left = (out.width - scaled.width) / 2;
        dst_top = (out.height - scaled.height) / 2;
    } else {
        src_left = (scaled.width - out.width) / 2;
        src_top = (scaled.height - out.height) / 2;
        region = out;
    }
    training_pair p;
    p.input = planef({out.height, out.width}, l_to_network(0.0f)); // letterbox bars: black
    p.target = planar_f({std::size_t{2}, out.height, out.width}, 0.0f);
    const std::size_t tp = out.pixels();
    for (std::size_t y = 0; y < region.height; ++y)
        for (std::size_t x = 0; x < region.width; ++x) {
            const std::size_t s = (src_top + y) * scaled.width + src_left + x;
            const std::size_t d = (dst_top + y) * out.width + dst_left + x;
            p.input.data()[d] = l_to_network(l.data()[s]);
            p.target.data()[d] = ab_to_network(a.data()[s]);
            p.target.data()[tp + d] = ab_to_network(b.data()[s]);
        }
    return p;
}

} // namespace keychroma::pipeline
