#pragma once
// Y'CbCr <-> sRGB for 8-bit planar video (Y4M, raw planes), the way video decoders define it:
// BT.601 (default, what FFmpeg assumes for untagged SD and Y4M) or BT.709, limited (16..235 /
// 16..240) or full range, and chroma planes subsampled 4:2:2 or 4:2:0 with their siting
// (where each chroma sample sits relative to the luma grid) honoured when resampling.
//
// The arithmetic is a policy: `fixed_point_arithmetic` (int32, 16 fraction bits; the default,
// exact to +-1 of the double formula) or `floating_point_arithmetic` (float). Both run the same
// row loops on raw contiguous buffers, which the compiler vectorises.

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "keychroma/core/image.hpp"

namespace keychroma::io {

/// Which luma weights (Kr, Kb) the Y'CbCr signal was built with.
enum class yuv_matrix { bt601, bt709 };
/// Limited ("TV", Y 16..235, C 16..240) or full ("PC"/JPEG, 0..255) quantisation.
enum class yuv_range { limited, full };

/// Matrix and range together: everything needed to convert one pixel.
struct yuv_encoding {
    yuv_matrix matrix = yuv_matrix::bt601;
    yuv_range range = yuv_range::limited;
};

/// Kr and Kb of a matrix (Kg = 1 - Kr - Kb).
struct luma_weights {
    double kr;
    double kb;
    [[nodiscard]] constexpr double kg() const noexcept { return 1.0 - kr - kb; }
};
[[nodiscard]] constexpr luma_weights weights_of(yuv_matrix m) noexcept {
    return m == yuv_matrix::bt709 ? luma_weights{0.2126, 0.0722} : luma_weights{0.299, 0.114};
}

// --- arithmetic policies ----------------------------------------------------------------------

/// How the per-pixel multiply-adds are carried out. `coefficient` turns a real constant into the
/// policy's scalar, `half` is the rounding bias, `to_u8` rounds-by-truncation and clamps.
template <class A>
concept yuv_arithmetic = requires(double c, typename A::scalar s) {
    typename A::scalar;
    { A::coefficient(c) } -> std::same_as<typename A::scalar>;
    { A::half } -> std::convertible_to<typename A::scalar>;
    { A::to_u8(s) } -> std::same_as<std::uint8_t>;
};

/// int32 with 16 fraction bits: sums stay below 2^26, so there is ample headroom.
struct fixed_point_arithmetic {
    using scalar = std::int32_t;
    static constexpr int fraction_bits = 16;
    static constexpr scalar half = scalar{1} << (fraction_bits - 1);
    [[nodiscard]] static scalar coefficient(double c) noexcept {
        const double v = c * static_cast<double>(scalar{1} << fraction_bits);
        return static_cast<scalar>(v < 0 ? v - 0.5 : v + 0.5);
    }
    [[nodiscard]] static std::uint8_t to_u8(scalar v) noexcept {
        v >>= fraction_bits; // arithmetic shift: floor, the bias already added makes it round
        return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
    }
};

/// Single-precision float; the reference the fixed-point path is tested against.
struct floating_point_arithmetic {
    using scalar = float;
    static constexpr scalar half = 0.5f;
    [[nodiscard]] static scalar coefficient(double c) noexcept { return static_cast<float>(c); }
    [[nodiscard]] static std::uint8_t to_u8(scalar v) noexcept {
        v = v < 0.f ? 0.f : (v > 255.f ? 255.f : v);
        return static_cast<std::uint8_t>(v); // truncation of a biased, non-negative value
    }
};

static_assert(yuv_arithmetic<fixed_point_arithmetic>);
static_assert(yuv_arithmetic<floating_point_arithmetic>);

// --- pixel conversion ---------------------------------------------------------------------------

/// Y'CbCr (full-resolution planes) -> interleaved RGB, one row at a time.
template <yuv_arithmetic A = fixed_point_arithmetic>
class yuv_to_rgb {
public:
    using scalar = typename A::scalar;

    explicit yuv_to_rgb(yuv_encoding enc = {}) : encoding_(enc) {
        const auto w = weights_of(enc.matrix);
        const bool limited = enc.range == yuv_range::limited;
        const double ys = limited ? 255.0 / 219.0 : 1.0;
        const double cs = limited ? 255.0 / 224.0 : 1.0;
        const double yoff = limited ? 16.0 : 0.0;
        const double rv = 2.0 * (1.0 - w.kr) * cs;
        const double gu = -2.0 * (1.0 - w.kb) * w.kb / w.kg() * cs;
        const double gv = -2.0 * (1.0 - w.kr) * w.kr / w.kg() * cs;
        const double bu = 2.0 * (1.0 - w.kb) * cs;
        y_ = A::coefficient(ys);
        rv_ = A::coefficient(rv);
        gu_ = A::coefficient(gu);
        gv_ = A::coefficient(gv);
        bu_ = A::coefficient(bu);
        // Constant terms folded once: c*(s - offset) = c*s - c*offset.
        const double y0 = -ys * yoff;
        r0_ = A::coefficient(y0 - rv * 128.0) + A::half;
        g0_ = A::coefficient(y0 - (gu + gv) * 128.0) + A::half;
        b0_ = A::coefficient(y0 - bu * 128.0) + A::half;
        gray0_ = A::coefficient(y0) + A::half;
    }

    [[nodiscard]] yuv_encoding encoding() const noexcept { return encoding_; }

    /// Converts n pixels from three full-resolution rows.
    void row(const std::uint8_t* __restrict y, const std::uint8_t* __restrict u,
             const std::uint8_t* __restrict v, std::uint8_t* __restrict rgb,
             std::size_t n) const noexcept {
        const scalar cy = y_, rv = rv_, gu = gu_, gv = gv_, bu = bu_;
        const scalar r0 = r0_, g0 = g0_, b0 = b0_;
        for (std::size_t i = 0; i < n; ++i) {
            const scalar yy = cy * static_cast<scalar>(y[i]);
            const scalar uu = static_cast<scalar>(u[i]);
            const scalar vv = static_cast<scalar>(v[i]);
            rgb[3 * i + 0] = A::to_u8(yy + rv * vv + r0);
            rgb[3 * i + 1] = A::to_u8(yy + gu * uu + gv * vv + g0);
            rgb[3 * i + 2] = A::to_u8(yy + bu * uu + b0);
        }
    }

    /// Luma alone -> gray RGB (neutral chroma).
    [[nodiscard]] std::uint8_t gray(std::uint8_t y) const noexcept {
        return A::to_u8(y_ * static_cast<scalar>(y) + gray0_);
    }

private:
    yuv_encoding encoding_;
    scalar y_{}, rv_{}, gu_{}, gv_{}, bu_{};
    scalar r0_{}, g0_{}, b0_{}, gray0_{};
};

/// Interleaved RGB -> Y'CbCr full-resolution planes, one row at a time.
template <yuv_arithmetic A = fixed_point_arithmetic>
class rgb_to_yuv {
public:
    using scalar = typename A::scalar;

    explicit rgb_to_yuv(yuv_encoding enc = {}) : encoding_(enc) {
        const auto w = weights_of(enc.matrix);
        const bool limited = enc.range == yuv_range::limited;
        const double ys = limited ? 219.0 / 255.0 : 1.0;
        const double cs = limited ? 224.0 / 255.0 : 1.0;
        const double yoff = limited ? 16.0 : 0.0;
        yr_ = A::coefficient(ys * w.kr);
        yg_ = A::coefficient(ys * w.kg());
        yb_ = A::coefficient(ys * w.kb);
        const double du = 2.0 * (1.0 - w.kb), dv = 2.0 * (1.0 - w.kr);
        ur_ = A::coefficient(-cs * w.kr / du);
        ug_ = A::coefficient(-cs * w.kg() / du);
        ub_ = A::coefficient(cs * 0.5);
        vr_ = A::coefficient(cs * 0.5);
        vg_ = A::coefficient(-cs * w.kg() / dv);
        vb_ = A::coefficient(-cs * w.kb / dv);
        y0_ = A::coefficient(yoff) + A::half;
        c0_ = A::coefficient(128.0) + A::half;
    }

    [[nodiscard]] yuv_encoding encoding() const noexcept { return encoding_; }

    /// Converts n pixels into three full-resolution rows (u, v may be null for luma only).
    void row(const std::uint8_t* __restrict rgb, std::uint8_t* __restrict y,
             std::uint8_t* __restrict u, std::uint8_t* __restrict v, std::size_t n) const noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            const scalar r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            y[i] = A::to_u8(yr_ * r + yg_ * g + yb_ * b + y0_);
        }
        if (u == nullptr || v == nullptr) return;
        for (std::size_t i = 0; i < n; ++i) {
            const scalar r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
            u[i] = A::to_u8(ur_ * r + ug_ * g + ub_ * b + c0_);
            v[i] = A::to_u8(vr_ * r + vg_ * g + vb_ * b + c0_);
        }
    }

private:
    yuv_encoding encoding_;
    scalar yr_{}, yg_{}, yb_{}, ur_{}, ug_{}, ub_{}, vr_{}, vg_{}, vb_{};
    scalar y0_{}, c0_{};
};

// --- chroma layout and resampling --------------------------------------------------------------

/// Where a subsampled chroma sample sits along one axis: between its two luma samples (centred,
/// JPEG/MPEG-1) or on the first of them (cosited, MPEG-2 horizontally, PAL DV, BT.601 4:2:2).
enum class chroma_siting { centred, cosited };

/// Subsampling factors (1 or 2) and siting of the chroma planes.
struct chroma_layout {
    std::size_t sub_x = 1;
    std::size_t sub_y = 1;
    chroma_siting horizontal = chroma_siting::cosited;
    chroma_siting vertical = chroma_siting::cosited;

    [[nodiscard]] constexpr std::size_t chroma_width(std::size_t w) const noexcept {
        return (w + sub_x - 1) / sub_x;
    }
    [[nodiscard]] constexpr std::size_t chroma_height(std::size_t h) const noexcept {
        return (h + sub_y - 1) / sub_y;
    }
    [[nodiscard]] constexpr bool subsampled() const noexcept { return sub_x > 1 || sub_y > 1; }
};

inline constexpr chroma_layout layout_444{1, 1, chroma_siting::cosited, chroma_siting::cosited};
/// BT.601 4:2:2: chroma cosited with the even luma samples.
inline constexpr chroma_layout layout_422{2, 1, chroma_siting::cosited, chroma_siting::cosited};
inline constexpr chroma_layout layout_420jpeg{2, 2, chroma_siting::centred, chroma_siting::centred};
inline constexpr chroma_layout layout_420mpeg2{2, 2, chroma_siting::cosited,
                                               chroma_siting::centred};
inline constexpr chroma_layout layout_420paldv{2, 2, chroma_siting::cosited,
                                               chroma_siting::cosited};

namespace detail {

/// Linear-interpolation taps for output sample `i` of a 2x upsampling of `n` source samples:
/// indices a, b (clamped) and integer weights wa + wb = 4.
struct taps {
    std::size_t a, b;
    std::uint32_t wa, wb;
};
[[nodiscard]] inline taps upsample_taps(std::size_t i, std::size_t n, chroma_siting s) noexcept {
    const std::size_t k = i / 2, last = n - 1;
    if (s == chroma_siting::centred) {
        // Output i sits at source coordinate (i - 0.5) / 2: k - 0.25 (even) or k + 0.25 (odd).
        if (i % 2 == 0) return {k == 0 ? 0 : k - 1, std::min(k, last), 1, 3};
        return {std::min(k, last), std::min(k + 1, last), 3, 1};
    }
    // Cosited: output i sits at i / 2.
    if (i % 2 == 0) return {std::min(k, last), std::min(k, last), 4, 0};
    return {std::min(k, last), std::min(k + 1, last), 2, 2};
}

/// Horizontal 2x upsampling of a row pre-scaled by 4 (vertical pass), with one sample of padding
/// at each end (`p[0] == p[1]`, `p[n+1] == p[n]`), into `out` (2n samples written).
template <chroma_siting S>
void upsample_row_x2(const std::uint16_t* __restrict p, std::size_t n,
                     std::uint8_t* __restrict out) noexcept {
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t prev = p[i], mid = p[i + 1], next = p[i + 2];
        if constexpr (S == chroma_siting::centred) {
            out[2 * i] = static_cast<std::uint8_t>((prev + 3 * mid + 8) >> 4);
            out[2 * i + 1] = static_cast<std::uint8_t>((3 * mid + next + 8) >> 4);
        } else {
            out[2 * i] = static_cast<std::uint8_t>((4 * mid + 8) >> 4);
            out[2 * i + 1] = static_cast<std::uint8_t>((2 * mid + 2 * next + 8) >> 4);
        }
    }
}

} // namespace detail

/// Reusable buffers for chroma resampling, so frames after the first allocate nothing.
struct chroma_scratch {
    std::vector<std::uint16_t> padded; ///< one vertically filtered chroma row, padded
    std::vector<std::uint8_t> u_row, v_row;
    std::vector<std::uint8_t> u_full, v_full; ///< full-resolution chroma planes (writer)
};

/// Upsamples chroma row `y` (in luma rows) of a subsampled plane to `width` samples.
inline void upsample_chroma_row(const std::uint8_t* plane, std::size_t width, std::size_t height,
                                std::size_t y, chroma_layout layout, std::uint8_t* out,
                                chroma_scratch& s) {
    const std::size_t cw = layout.chroma_width(width), ch = layout.chroma_height(height);
    s.padded.resize(cw + 2);
    std::uint16_t* p = s.padded.data() + 1;
    if (layout.sub_y == 2) {
        const auto t = detail::upsample_taps(y, ch, layout.vertical);
        const std::uint8_t* ra = plane + t.a * cw;
        const std::uint8_t* rb = plane + t.b * cw;
        for (std::size_t i = 0; i < cw; ++i)
            p[i] = static_cast<std::uint16_t>(t.wa * ra[i] + t.wb * rb[i]);
    } else {
        const std::uint8_t* r = plane + y * cw;
        for (std::size_t i = 0; i < cw; ++i) p[i] = static_cast<std::uint16_t>(4u * r[i]);
    }
    if (layout.sub_x == 1) { // only vertical subsampling: divide the x4 back out
        for (std::size_t i = 0; i < cw; ++i) out[i] = static_cast<std::uint8_t>((p[i] + 2) >> 2);
        return;
    }
    p[-1] = p[0];
    p[cw] = p[cw - 1];
    // `out` must hold 2*cw samples (one more than width when width is odd).
    if (layout.horizontal == chroma_siting::centred)
        detail::upsample_row_x2<chroma_siting::centred>(p - 1, cw, out);
    else
        detail::upsample_row_x2<chroma_siting::cosited>(p - 1, cw, out);
}

/// Planar Y'CbCr frame (chroma planes laid out by `layout`) -> interleaved RGB.
template <yuv_arithmetic A>
void yuv_planes_to_rgb(const yuv_to_rgb<A>& conv, const std::uint8_t* y, const std::uint8_t* u,
                       const std::uint8_t* v, image_size size, chroma_layout layout,
                       std::uint8_t* rgb, chroma_scratch& scratch) {
    const std::size_t w = size.width, h = size.height;
    if (!layout.subsampled()) {
        for (std::size_t r = 0; r < h; ++r)
            conv.row(y + r * w, u + r * w, v + r * w, rgb + r * w * 3, w);
        return;
    }
    const std::size_t padded_width = layout.chroma_width(w) * layout.sub_x;
    scratch.u_row.resize(padded_width);
    scratch.v_row.resize(padded_width);
    for (std::size_t r = 0; r < h; ++r) {
        upsample_chroma_row(u, w, h, r, layout, scratch.u_row.data(), scratch);
        upsample_chroma_row(v, w, h, r, layout, scratch.v_row.data(), scratch);
        conv.row(y + r * w, scratch.u_row.data(), scratch.v_row.data(), rgb + r * w * 3, w);
    }
}

namespace detail {

/// Downsampling taps along one axis for chroma sample k of n full-resolution samples: weights
/// summing to 4 over (k0, k1, k2). Centred: the mean of the pair; cosited: [1 2 1] around 2k.
struct down_taps {
    std::size_t i0, i1, i2;
    std::uint32_t w0, w1, w2;
};
[[nodiscard]] inline down_taps downsample_taps(std::size_t k, std::size_t n,
                                               chroma_siting s) noexcept {
    const std::size_t c = 2 * k, last = n - 1;
    if (s == chroma_siting::centred) return {c, std::min(c + 1, last), c, 2, 2, 0};
    return {c == 0 ? 0 : c - 1, c, std::min(c + 1, last), 1, 2, 1};
}

} // namespace detail

/// Full-resolution chroma plane -> subsampled plane laid out by `layout` (a no-op copy for 4:4:4).
inline void downsample_chroma_plane(const std::uint8_t* full, image_size size, chroma_layout layout,
                                    std::uint8_t* out, chroma_scratch& s) {
    const std::size_t w = size.width, h = size.height;
    const std::size_t cw = layout.chroma_width(w), ch = layout.chroma_height(h);
    if (!layout.subsampled()) {
        std::copy(full, full + w * h, out);
        return;
    }
    s.padded.resize(w);
    std::uint16_t* t = s.padded.data();
    for (std::size_t j = 0; j < ch; ++j) {
        if (layout.sub_y == 2) {
            const auto d = detail::downsample_taps(j, h, layout.vertical);
            const std::uint8_t *r0 = full + d.i0 * w, *r1 = full + d.i1 * w, *r2 = full + d.i2 * w;
            for (std::size_t i = 0; i < w; ++i)
                t[i] = static_cast<std::uint16_t>(d.w0 * r0[i] + d.w1 * r1[i] + d.w2 * r2[i]);
        } else {
            const std::uint8_t* r = full + j * w;
            for (std::size_t i = 0; i < w; ++i) t[i] = static_cast<std::uint16_t>(4u * r[i]);
        }
        std::uint8_t* o = out + j * cw;
        if (layout.sub_x == 2) {
            for (std::size_t k = 0; k < cw; ++k) {
                const auto d = detail::downsample_taps(k, w, layout.horizontal);
                o[k] = static_cast<std::uint8_t>(
                    (d.w0 * t[d.i0] + d.w1 * t[d.i1] + d.w2 * t[d.i2] + 8) >> 4);
            }
        } else {
            for (std::size_t k = 0; k < cw; ++k) o[k] = static_cast<std::uint8_t>((t[k] + 2) >> 2);
        }
    }
}

/// Interleaved RGB -> planar Y'CbCr with chroma laid out by `layout`. `y` holds w*h samples,
/// `u` and `v` chroma_width*chroma_height each.
template <yuv_arithmetic A>
void rgb_to_yuv_planes(const rgb_to_yuv<A>& conv, const std::uint8_t* rgb, image_size size,
                       chroma_layout layout, std::uint8_t* y, std::uint8_t* u, std::uint8_t* v,
                       chroma_scratch& scratch) {
    const std::size_t w = size.width, h = size.height;
    if (!layout.subsampled()) {
        for (std::size_t r = 0; r < h; ++r)
            conv.row(rgb + r * w * 3, y + r * w, u + r * w, v + r * w, w);
        return;
    }
    scratch.u_full.resize(w * h);
    scratch.v_full.resize(w * h);
    for (std::size_t r = 0; r < h; ++r)
        conv.row(rgb + r * w * 3, y + r * w, scratch.u_full.data() + r * w,
                 scratch.v_full.data() + r * w, w);
    downsample_chroma_plane(scratch.u_full.data(), size, layout, u, scratch);
    downsample_chroma_plane(scratch.v_full.data(), size, layout, v, scratch);
}

} // namespace keychroma::io
