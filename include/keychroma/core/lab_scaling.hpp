#pragma once
// The paper's network scaling of L*a*b* and the conversions around it:
//   network input  L/50 - 1       (L in [0,100] -> [-1,1])
//   network target a/128, b/128   (a,b in about [-128,127] -> about [-1,1], the tanh range)
// plus the 8-bit L* transmission plane (design.md §4: code = round(L*255/100), reusing
// core/lstar.hpp so sender and receiver agree bit for bit) and the colorizer's last step,
// merging a full-resolution L with full-resolution a,b into an 8-bit sRGB frame.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <keychroma/core/color.hpp>
#include <keychroma/core/error.hpp>
#include <keychroma/core/image.hpp>
#include <keychroma/core/lstar.hpp>

namespace keychroma {

/// The scaling constants of the paper, in one place.
struct network_scaling {
    static constexpr float l_half_range = 50.0f; ///< L/50 - 1 maps [0,100] onto [-1,1]
    static constexpr float ab_range = 128.0f;    ///< a/128, b/128
};

[[nodiscard]] constexpr float l_to_network(float l) noexcept {
    return l / network_scaling::l_half_range - 1.0f;
}
[[nodiscard]] constexpr float network_to_l(float x) noexcept {
    return (x + 1.0f) * network_scaling::l_half_range;
}
[[nodiscard]] constexpr float ab_to_network(float v) noexcept {
    return v / network_scaling::ab_range;
}
[[nodiscard]] constexpr float network_to_ab(float x) noexcept {
    return x * network_scaling::ab_range;
}

namespace detail {
inline void require_same_plane_size(std::size_t h0, std::size_t w0, std::size_t h1, std::size_t w1,
                                    const char* what) {
    if (h0 != h1 || w0 != w1)
        throw config_error(std::string(what) + ": plane sizes differ (" + std::to_string(w0) + "x" +
                           std::to_string(h0) + " vs " + std::to_string(w1) + "x" +
                           std::to_string(h1) + ")");
}
/// L* of each transmission code, exactly code * 100 / 255 rounded once to float.
[[nodiscard]] inline const std::array<float, 256>& code_lstar_table() {
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int c = 0; c < 256; ++c)
            t[c] = static_cast<float>(code_to_lstar(static_cast<std::uint8_t>(c)));
        return t;
    }();
    return table;
}
} // namespace detail

// --- planar Lab in network scale -------------------------------------------------------------

/// Scales planar Lab {3,H,W} in place to network scale: [L/50-1, a/128, b/128].
inline void scale_lab_to_network(planar_f& lab) {
    detail::require_planes(lab, 3, "scale_lab_to_network");
    const std::size_t plane = lab.shape()[1] * lab.shape()[2];
    float* p = lab.data();
    for (std::size_t i = 0; i < plane; ++i) p[i] = l_to_network(p[i]);
    for (std::size_t i = plane; i < 3 * plane; ++i) p[i] = ab_to_network(p[i]);
}
/// Undoes scale_lab_to_network in place.
inline void scale_network_to_lab(planar_f& lab) {
    detail::require_planes(lab, 3, "scale_network_to_lab");
    const std::size_t plane = lab.shape()[1] * lab.shape()[2];
    float* p = lab.data();
    for (std::size_t i = 0; i < plane; ++i) p[i] = network_to_l(p[i]);
    for (std::size_t i = plane; i < 3 * plane; ++i) p[i] = network_to_ab(p[i]);
}

/// 8-bit sRGB {H,W,3} -> planar Lab {3,H,W} in network scale (training pairs: channel 0 is the
/// input, channels 1..2 the targets).
inline void rgb8_to_network_lab(const rgb8_image& img, planar_f& out) {
    rgb8_to_lab(img, out);
    scale_lab_to_network(out);
}
[[nodiscard]] inline planar_f rgb8_to_network_lab(const rgb8_image& img) {
    planar_f out;
    rgb8_to_network_lab(img, out);
    return out;
}

/// Planar Lab {3,H,W} in network scale -> 8-bit sRGB {H,W,3}.
inline void network_lab_to_rgb8(const planar_f& net, rgb8_image& out) {
    planar_f lab = net; // one frame-sized copy; the conversion itself does not allocate
    scale_network_to_lab(lab);
    lab_to_rgb8(lab, out);
}
[[nodiscard]] inline rgb8_image network_lab_to_rgb8(const planar_f& net) {
    rgb8_image out;
    network_lab_to_rgb8(net, out);
    return out;
}

// --- the 8-bit L* transmission plane ----------------------------------------------------------

/// 8-bit sRGB {H,W,3} -> L* codes {H,W}, round(L*255/100), through lstar.hpp in double so the
/// codes are exactly those of the sender's reference path.
inline void rgb8_to_lstar_codes(const rgb8_image& img, plane8& codes) {
    detail::require_rgb8(img, "rgb8_to_lstar_codes");
    const std::size_t h = img.shape()[0], w = img.shape()[1];
    if (codes.shape() != plane8::shape_type{h, w}) codes.resize({h, w});
    static const srgb8_lightness lightness;
    const std::uint8_t* src = img.data();
    std::uint8_t* dst = codes.data();
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        const std::uint8_t* s = src + 3 * w * y;
        std::uint8_t* d = dst + w * y;
        for (std::size_t x = 0; x < w; ++x)
            d[x] = lightness.code(s[3 * x], s[3 * x + 1], s[3 * x + 2]);
    });
}
[[nodiscard]] inline plane8 rgb8_to_lstar_codes(const rgb8_image& img) {
    plane8 codes;
    rgb8_to_lstar_codes(img, codes);
    return codes;
}

/// L* codes {H,W} -> L* {H,W}: code * 100 / 255, the exact inverse of the code mapping
/// (lstar_to_code(L) gives the code back for every code).
inline void lstar_codes_to_lstar(const plane8& codes, planef& l) {
    if (l.shape() != codes.shape()) l.resize(codes.shape());
    const auto& table = detail::code_lstar_table();
    const std::uint8_t* s = codes.data();
    float* d = l.data();
    for (std::size_t i = 0, n = codes.size(); i < n; ++i) d[i] = table[s[i]];
}
[[nodiscard]] inline planef lstar_codes_to_lstar(const plane8& codes) {
    planef l;
    lstar_codes_to_lstar(codes, l);
    return l;
}

/// L* codes {H,W} -> the network input {1,H,W}, L/50 - 1.
inline void lstar_codes_to_network_input(const plane8& codes, planar_f& input) {
    const std::size_t h = codes.shape()[0], w = codes.shape()[1];
    if (input.shape() != planar_f::shape_type{1, h, w}) input.resize({std::size_t{1}, h, w});
    std::array<float, 256> table{};
    for (int c = 0; c < 256; ++c) table[c] = l_to_network(detail::code_lstar_table()[c]);
    const std::uint8_t* s = codes.data();
    float* d = input.data();
    for (std::size_t i = 0, n = h * w; i < n; ++i) d[i] = table[s[i]];
}
[[nodiscard]] inline planar_f lstar_codes_to_network_input(const plane8& codes) {
    planar_f input;
    lstar_codes_to_network_input(codes, input);
    return input;
}

/// L* codes {H,W} -> the grey sRGB picture with that lightness (a = b = 0), for viewing the
/// transmitted plane as an ordinary grey video.
[[nodiscard]] inline rgb8_image lstar_codes_to_gray_rgb8(const plane8& codes) {
    const std::size_t h = codes.shape()[0], w = codes.shape()[1];
    rgb8_image out({h, w, std::size_t{3}});
    const auto& table = code_to_srgb8_gray();
    const std::uint8_t* s = codes.data();
    std::uint8_t* d = out.data();
    for (std::size_t i = 0, n = h * w; i < n; ++i)
        d[3 * i] = d[3 * i + 1] = d[3 * i + 2] = table[s[i]];
    return out;
}

// --- merging: the colorizer's last step ------------------------------------------------------

/// Full-resolution L {H,W} and a, b {H,W} -> 8-bit sRGB {H,W,3} (out reused when its shape fits).
inline void merge_lab(const planef& l, const planef& a, const planef& b, rgb8_image& out) {
    const std::size_t h = l.shape()[0], w = l.shape()[1];
    detail::require_same_plane_size(h, w, a.shape()[0], a.shape()[1], "merge_lab (L vs a)");
    detail::require_same_plane_size(h, w, b.shape()[0], b.shape()[1], "merge_lab (L vs b)");
    resize_frame(out, {w, h});
    const float *pl = l.data(), *pa = a.data(), *pb = b.data();
    std::uint8_t* d = out.data();
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        const std::size_t o = w * y;
        lab_to_srgb8(pl + o, pa + o, pb + o, d + 3 * o, w);
    });
}

/// Full-resolution L* codes {H,W} and the network's a,b output {2,H,W} in network scale
/// (tanh range, already brought to full resolution) -> 8-bit sRGB {H,W,3}.
inline void merge_codes_with_network_ab(const plane8& codes, const planar_f& ab_network,
                                        rgb8_image& out) {
    detail::require_planes(ab_network, 2, "merge_codes_with_network_ab");
    const std::size_t h = codes.shape()[0], w = codes.shape()[1];
    detail::require_same_plane_size(h, w, ab_network.shape()[1], ab_network.shape()[2],
                                    "merge_codes_with_network_ab (L codes vs a,b)");
    resize_frame(out, {w, h});
    const auto& lstar = detail::code_lstar_table();
    const std::uint8_t* pc = codes.data();
    const float* pab = ab_network.data();
    std::uint8_t* d = out.data();
    const std::size_t plane = h * w;
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        // One row of L, a, b on the stack in chunks: no allocation in the per-pixel loop.
        constexpr std::size_t chunk = 256;
        float l[chunk], a[chunk], b[chunk];
        for (std::size_t x0 = 0; x0 < w; x0 += chunk) {
            const std::size_t n = std::min(chunk, w - x0), o = w * y + x0;
            for (std::size_t k = 0; k < n; ++k) {
                l[k] = lstar[pc[o + k]];
                a[k] = network_to_ab(pab[o + k]);
                b[k] = network_to_ab(pab[plane + o + k]);
            }
            lab_to_srgb8(l, a, b, d + 3 * o, n);
        }
    });
}
[[nodiscard]] inline rgb8_image merge_codes_with_network_ab(const plane8& codes,
                                                            const planar_f& ab_network) {
    rgb8_image out;
    merge_codes_with_network_ab(codes, ab_network, out);
    return out;
}

} // namespace keychroma
