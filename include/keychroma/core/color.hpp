#pragma once
// sRGB <-> CIE L*a*b* (D65) in float, vectorised with xsimd and batched over planes.
//
// Conventions (docs/color.md): sRGB values are encoded floats in [0,1] (8-bit images are divided
// by 255), L in [0,100], a and b roughly in [-128,127]. The constants are the ones of
// core/lstar.hpp (exact CIE epsilon and kappa, Lindbloom's sRGB matrix whose luminance row is
// cie::y_from_*), so L from here equals L* from lstar.hpp to float precision. The XYZ->RGB matrix
// is the exact inverse of the forward one, computed at compile time in double, so that a round
// trip is exact up to float rounding. Lab -> sRGB clips linear RGB to [0,1] (the sRGB gamut), as
// OpenCV's float cvtColor does.
//
// Three layers: per-batch kernels (detail::), pointer kernels over planar or interleaved buffers
// (one thread, no allocation), and xtensor-facing conveniences on whole images (OpenMP over rows).

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>

#include <xsimd/xsimd.hpp>

#include <keychroma/core/error.hpp>
#include <keychroma/core/image.hpp>
#include <keychroma/core/lstar.hpp>
#include <keychroma/core/simd_math.hpp>

namespace keychroma {

namespace cie {
using matrix3 = std::array<std::array<double, 3>, 3>;

/// D65 reference white (2-degree observer) as Lindbloom, scikit-image and most tools give it.
/// It equals the row sums of xyz_from_linear_srgb, so sRGB white maps to a = b = 0 exactly.
inline constexpr std::array<double, 3> d65_white = {0.95047, 1.0, 1.08883};

/// Linear sRGB -> XYZ (D65), Lindbloom's digits; the middle row is lstar.hpp's luminance row.
inline constexpr matrix3 xyz_from_linear_srgb = {{{0.4124564, 0.3575761, 0.1804375},
                                                  {y_from_r, y_from_g, y_from_b},
                                                  {0.0193339, 0.1191920, 0.9503041}}};

/// Inverse of a 3x3 matrix (cofactors / determinant), usable at compile time.
[[nodiscard]] constexpr matrix3 inverse(const matrix3& m) noexcept {
    const double c00 = m[1][1] * m[2][2] - m[1][2] * m[2][1];
    const double c01 = m[1][2] * m[2][0] - m[1][0] * m[2][2];
    const double c02 = m[1][0] * m[2][1] - m[1][1] * m[2][0];
    const double det = m[0][0] * c00 + m[0][1] * c01 + m[0][2] * c02;
    return {{{c00 / det, (m[0][2] * m[2][1] - m[0][1] * m[2][2]) / det,
              (m[0][1] * m[1][2] - m[0][2] * m[1][1]) / det},
             {c01 / det, (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det,
              (m[0][2] * m[1][0] - m[0][0] * m[1][2]) / det},
             {c02 / det, (m[0][1] * m[2][0] - m[0][0] * m[2][1]) / det,
              (m[0][0] * m[1][1] - m[0][1] * m[1][0]) / det}}};
}

/// XYZ (D65) -> linear sRGB: the exact inverse of xyz_from_linear_srgb.
inline constexpr matrix3 linear_srgb_from_xyz = inverse(xyz_from_linear_srgb);
} // namespace cie

/// A colour in CIE L*a*b*, double precision.
struct lab_color {
    double l = 0, a = 0, b = 0;
};
/// A colour in encoded sRGB, [0,1] per channel, double precision.
struct srgb_color {
    double r = 0, g = 0, b = 0;
};

/// Reference conversion in double precision, straight from the definitions (no clipping).
[[nodiscard]] inline lab_color srgb_to_lab_exact(const srgb_color& c) noexcept {
    const double lin[3] = {srgb_to_linear(c.r), srgb_to_linear(c.g), srgb_to_linear(c.b)};
    double f[3];
    for (int i = 0; i < 3; ++i) {
        const auto& row = cie::xyz_from_linear_srgb[i];
        const double t = (row[0] * lin[0] + row[1] * lin[1] + row[2] * lin[2]) / cie::d65_white[i];
        f[i] = t > cie::epsilon ? std::cbrt(t) : (cie::kappa * t + 16.0) / 116.0;
    }
    return {116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])};
}

/// Reference inverse in double precision; linear RGB is clipped to [0,1] before encoding.
[[nodiscard]] inline srgb_color lab_to_srgb_exact(const lab_color& c) noexcept {
    const double fy = (c.l + 16.0) / 116.0;
    const double f[3] = {fy + c.a / 500.0, fy, fy - c.b / 200.0};
    double xyz[3];
    for (int i = 0; i < 3; ++i) {
        const double f3 = f[i] * f[i] * f[i];
        const double t = f3 > cie::epsilon ? f3 : (116.0 * f[i] - 16.0) / cie::kappa;
        xyz[i] = t * cie::d65_white[i];
    }
    xyz[1] = lstar_to_luminance(c.l);
    double out[3];
    for (int i = 0; i < 3; ++i) {
        const auto& row = cie::linear_srgb_from_xyz[i];
        const double v = row[0] * xyz[0] + row[1] * xyz[1] + row[2] * xyz[2];
        out[i] = linear_to_srgb(std::clamp(v, 0.0, 1.0));
    }
    return {out[0], out[1], out[2]};
}

namespace detail {

/// Linearisation table of the 256 8-bit sRGB codes (exact, computed in double).
[[nodiscard]] inline const std::array<float, 256>& srgb8_linear_table() {
    static const std::array<float, 256> table = [] {
        std::array<float, 256> t{};
        for (int i = 0; i < 256; ++i) t[i] = static_cast<float>(srgb_to_linear(i / 255.0));
        return t;
    }();
    return table;
}

template <class B>
[[nodiscard]] inline B srgb_decode(const B& v) noexcept {
    // The power branch is evaluated on every lane, so keep its argument positive and normal.
    const B x = xsimd::max(xsimd::fma(v, B(float(1.0 / 1.055)), B(float(0.055 / 1.055))), B(0.04f));
    return xsimd::select(v <= B(0.04045f), v * B(float(1.0 / 12.92)), simd::pow_positive(x, 2.4f));
}

template <class B>
[[nodiscard]] inline B srgb_encode(const B& lin) noexcept {
    const B v = xsimd::min(xsimd::max(lin, B(0.0f)), B(1.0f)); // clip to the sRGB gamut
    const B p = simd::pow_positive(xsimd::max(v, B(0.003f)), float(1.0 / 2.4));
    // 1.055 * 1^(1/2.4) - 0.055 may round to 1 + ulp: clip the result as well.
    return xsimd::min(
        xsimd::select(v <= B(0.0031308f), v * B(12.92f), xsimd::fms(p, B(1.055f), B(0.055f))),
        B(1.0f));
}

/// CIE f(t): cube root above epsilon, the linear segment below.
template <class B>
[[nodiscard]] inline B lab_f(const B& t) noexcept {
    const B root = simd::cbrt_positive(xsimd::max(t, B(float(cie::epsilon))));
    return xsimd::select(t > B(float(cie::epsilon)), root,
                         xsimd::fma(t, B(float(cie::kappa / 116.0)), B(float(16.0 / 116.0))));
}

/// Inverse of lab_f.
template <class B>
[[nodiscard]] inline B lab_f_inverse(const B& f) noexcept {
    const B f3 = f * f * f;
    return xsimd::select(f3 > B(float(cie::epsilon)), f3,
                         xsimd::fms(f, B(float(116.0 / cie::kappa)), B(float(16.0 / cie::kappa))));
}

template <int Row, int Col>
inline constexpr float xyz_coef = float(cie::xyz_from_linear_srgb[Row][Col] /
                                        cie::d65_white[Row]); // white folded in
template <int Row, int Col>
inline constexpr float rgb_coef = float(cie::linear_srgb_from_xyz[Row][Col] *
                                        cie::d65_white[Col]); // white folded in

/// Linear sRGB -> Lab for one batch of pixels.
template <class B>
inline void lab_from_linear(const B& r, const B& g, const B& b, B& l, B& a, B& bb) noexcept {
    const B x =
        xsimd::fma(r, B(xyz_coef<0, 0>), xsimd::fma(g, B(xyz_coef<0, 1>), b * B(xyz_coef<0, 2>)));
    const B y =
        xsimd::fma(r, B(xyz_coef<1, 0>), xsimd::fma(g, B(xyz_coef<1, 1>), b * B(xyz_coef<1, 2>)));
    const B z =
        xsimd::fma(r, B(xyz_coef<2, 0>), xsimd::fma(g, B(xyz_coef<2, 1>), b * B(xyz_coef<2, 2>)));
    const B fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
    l = xsimd::fms(fy, B(116.0f), B(16.0f));
    a = (fx - fy) * B(500.0f);
    bb = (fy - fz) * B(200.0f);
}

/// Encoded sRGB -> Lab for one batch of pixels.
template <class B>
inline void lab_from_srgb(const B& r, const B& g, const B& b, B& l, B& a, B& bb) noexcept {
    lab_from_linear(srgb_decode(r), srgb_decode(g), srgb_decode(b), l, a, bb);
}

/// Lab -> encoded sRGB (clipped to [0,1]) for one batch of pixels.
template <class B>
inline void srgb_from_lab(const B& l, const B& a, const B& bb, B& r, B& g, B& b) noexcept {
    const B fy = xsimd::fma(l, B(float(1.0 / 116.0)), B(float(16.0 / 116.0)));
    const B x = lab_f_inverse(xsimd::fma(a, B(float(1.0 / 500.0)), fy));
    const B z = lab_f_inverse(xsimd::fnma(bb, B(float(1.0 / 200.0)), fy));
    // Y through L directly, as lstar.hpp does: L <= kappa*epsilon (= 8) is the linear segment.
    const B fy3 = fy * fy * fy;
    const B y =
        xsimd::select(l > B(float(cie::kappa * cie::epsilon)), fy3, l * B(float(1.0 / cie::kappa)));
    r = srgb_encode(
        xsimd::fma(x, B(rgb_coef<0, 0>), xsimd::fma(y, B(rgb_coef<0, 1>), z * B(rgb_coef<0, 2>))));
    g = srgb_encode(
        xsimd::fma(x, B(rgb_coef<1, 0>), xsimd::fma(y, B(rgb_coef<1, 1>), z * B(rgb_coef<1, 2>))));
    b = srgb_encode(
        xsimd::fma(x, B(rgb_coef<2, 0>), xsimd::fma(y, B(rgb_coef<2, 1>), z * B(rgb_coef<2, 2>))));
}

/// Runs a 3-in/3-out batch kernel over planar float buffers; the tail goes through a padded
/// stack block, so there is one code path and no scalar duplicate.
template <class Kernel>
inline void planar_3to3(const float* i0, const float* i1, const float* i2, float* o0, float* o1,
                        float* o2, std::size_t n, Kernel kernel) noexcept {
    using B = simd::float_batch;
    constexpr std::size_t w = B::size;
    std::size_t i = 0;
    for (; i + w <= n; i += w) {
        B x, y, z;
        kernel(B::load_unaligned(i0 + i), B::load_unaligned(i1 + i), B::load_unaligned(i2 + i), x,
               y, z);
        x.store_unaligned(o0 + i);
        y.store_unaligned(o1 + i);
        z.store_unaligned(o2 + i);
    }
    if (i < n) {
        alignas(64) float in[3][w] = {};
        alignas(64) float out[3][w];
        const std::size_t rest = n - i;
        std::copy_n(i0 + i, rest, in[0]);
        std::copy_n(i1 + i, rest, in[1]);
        std::copy_n(i2 + i, rest, in[2]);
        B x, y, z;
        kernel(B::load_aligned(in[0]), B::load_aligned(in[1]), B::load_aligned(in[2]), x, y, z);
        x.store_aligned(out[0]);
        y.store_aligned(out[1]);
        z.store_aligned(out[2]);
        std::copy_n(out[0], rest, o0 + i);
        std::copy_n(out[1], rest, o1 + i);
        std::copy_n(out[2], rest, o2 + i);
    }
}

/// Runs a 3-in/3-out batch kernel over interleaved buffers (pixel-major, 3 values per pixel):
/// each block of pixels is split into planes on the stack, converted, and re-interleaved.
/// `Load(src, pixel, channel)` reads one value, so the same loop serves float and 8-bit inputs.
template <class In, class Out, class Load, class Store, class Kernel>
inline void interleaved_3to3(const In* src, Out* dst, std::size_t n, Load load, Store store,
                             Kernel kernel) noexcept {
    using B = simd::float_batch;
    constexpr std::size_t w = B::size;
    alignas(64) float in[3][w];
    alignas(64) float out[3][w];
    for (std::size_t i = 0; i < n; i += w) {
        const std::size_t count = std::min(w, n - i);
        const In* s = src + 3 * i;
        for (std::size_t k = 0; k < count; ++k) {
            in[0][k] = load(s[3 * k]);
            in[1][k] = load(s[3 * k + 1]);
            in[2][k] = load(s[3 * k + 2]);
        }
        for (std::size_t k = count; k < w; ++k) in[0][k] = in[1][k] = in[2][k] = 0.0f;
        B x, y, z;
        kernel(B::load_aligned(in[0]), B::load_aligned(in[1]), B::load_aligned(in[2]), x, y, z);
        x.store_aligned(out[0]);
        y.store_aligned(out[1]);
        z.store_aligned(out[2]);
        Out* d = dst + 3 * i;
        for (std::size_t k = 0; k < count; ++k) {
            d[3 * k] = store(out[0][k]);
            d[3 * k + 1] = store(out[1][k]);
            d[3 * k + 2] = store(out[2][k]);
        }
    }
}

inline constexpr auto lab_from_srgb_kernel = [](const auto& r, const auto& g, const auto& b,
                                                auto& l, auto& a, auto& bb) noexcept {
    lab_from_srgb(r, g, b, l, a, bb);
};
inline constexpr auto lab_from_linear_kernel = [](const auto& r, const auto& g, const auto& b,
                                                  auto& l, auto& a, auto& bb) noexcept {
    lab_from_linear(r, g, b, l, a, bb);
};
inline constexpr auto srgb_from_lab_kernel = [](const auto& l, const auto& a, const auto& bb,
                                                auto& r, auto& g, auto& b) noexcept {
    srgb_from_lab(l, a, bb, r, g, b);
};
inline constexpr auto identity = [](float v) noexcept { return v; };
/// Encoded [0,1] float -> nearest 8-bit code (the input is already clipped to [0,1]).
inline constexpr auto to_code8 = [](float v) noexcept {
    return static_cast<std::uint8_t>(v * 255.0f + 0.5f);
};

/// Rows per OpenMP work item: below ~64k pixels a parallel region costs more than it saves.
inline constexpr std::size_t parallel_min_pixels = std::size_t{1} << 16;

} // namespace detail

// --- pointer kernels (one thread, no allocation; outputs may alias the inputs) ----------------

/// Planar encoded sRGB ([0,1]) -> planar Lab, n pixels.
inline void srgb_to_lab(const float* r, const float* g, const float* b, float* l, float* a,
                        float* bb, std::size_t n) noexcept {
    detail::planar_3to3(r, g, b, l, a, bb, n, detail::lab_from_srgb_kernel);
}
/// Planar Lab -> planar encoded sRGB in [0,1] (clipped to the gamut), n pixels.
inline void lab_to_srgb(const float* l, const float* a, const float* bb, float* r, float* g,
                        float* b, std::size_t n) noexcept {
    detail::planar_3to3(l, a, bb, r, g, b, n, detail::srgb_from_lab_kernel);
}
/// Interleaved RGBRGB... floats in [0,1] -> interleaved LabLab... (OpenCV's float layout).
inline void srgb_to_lab_interleaved(const float* rgb, float* lab, std::size_t n) noexcept {
    detail::interleaved_3to3(rgb, lab, n, detail::identity, detail::identity,
                             detail::lab_from_srgb_kernel);
}
/// Interleaved LabLab... -> interleaved RGBRGB... floats in [0,1].
inline void lab_to_srgb_interleaved(const float* lab, float* rgb, std::size_t n) noexcept {
    detail::interleaved_3to3(lab, rgb, n, detail::identity, detail::identity,
                             detail::srgb_from_lab_kernel);
}
/// Interleaved 8-bit sRGB -> planar Lab. Linearisation goes through an exact 256-entry table, so
/// only the cube roots are computed.
inline void srgb8_to_lab(const std::uint8_t* rgb, float* l, float* a, float* bb,
                         std::size_t n) noexcept {
    using B = simd::float_batch;
    constexpr std::size_t w = B::size;
    const float* lut = detail::srgb8_linear_table().data();
    alignas(64) float lin[3][w];
    alignas(64) float out[3][w];
    for (std::size_t i = 0; i < n; i += w) {
        const std::size_t count = std::min(w, n - i);
        const std::uint8_t* s = rgb + 3 * i;
        for (std::size_t k = 0; k < count; ++k) {
            lin[0][k] = lut[s[3 * k]];
            lin[1][k] = lut[s[3 * k + 1]];
            lin[2][k] = lut[s[3 * k + 2]];
        }
        for (std::size_t k = count; k < w; ++k) lin[0][k] = lin[1][k] = lin[2][k] = 0.0f;
        B x, y, z;
        detail::lab_from_linear(B::load_aligned(lin[0]), B::load_aligned(lin[1]),
                                B::load_aligned(lin[2]), x, y, z);
        if (count == w) {
            x.store_unaligned(l + i);
            y.store_unaligned(a + i);
            z.store_unaligned(bb + i);
        } else {
            x.store_aligned(out[0]);
            y.store_aligned(out[1]);
            z.store_aligned(out[2]);
            std::copy_n(out[0], count, l + i);
            std::copy_n(out[1], count, a + i);
            std::copy_n(out[2], count, bb + i);
        }
    }
}
/// Planar Lab -> interleaved 8-bit sRGB (clipped to the gamut, rounded to nearest).
inline void lab_to_srgb8(const float* l, const float* a, const float* bb, std::uint8_t* rgb,
                         std::size_t n) noexcept {
    using B = simd::float_batch;
    constexpr std::size_t w = B::size;
    alignas(64) float in[3][w] = {};
    alignas(64) float out[3][w];
    for (std::size_t i = 0; i < n; i += w) {
        const std::size_t count = std::min(w, n - i);
        B x, y, z;
        if (count == w) {
            detail::srgb_from_lab(B::load_unaligned(l + i), B::load_unaligned(a + i),
                                  B::load_unaligned(bb + i), x, y, z);
        } else {
            std::copy_n(l + i, count, in[0]);
            std::copy_n(a + i, count, in[1]);
            std::copy_n(bb + i, count, in[2]);
            detail::srgb_from_lab(B::load_aligned(in[0]), B::load_aligned(in[1]),
                                  B::load_aligned(in[2]), x, y, z);
        }
        x.store_aligned(out[0]);
        y.store_aligned(out[1]);
        z.store_aligned(out[2]);
        std::uint8_t* d = rgb + 3 * i;
        for (std::size_t k = 0; k < count; ++k) {
            d[3 * k] = detail::to_code8(out[0][k]);
            d[3 * k + 1] = detail::to_code8(out[1][k]);
            d[3 * k + 2] = detail::to_code8(out[2][k]);
        }
    }
}

// --- xtensor-facing conveniences (OpenMP over rows; outputs reused when the shape fits) -------

namespace detail {
inline void require_planes(const planar_f& img, std::size_t channels, const char* what) {
    if (img.dimension() != 3 || img.shape()[0] != channels)
        throw config_error(std::string(what) + ": expected a planar {" + std::to_string(channels) +
                           ",H,W} float image, got " + std::to_string(img.shape()[0]) +
                           " channels");
}
inline void require_rgb8(const rgb8_image& img, const char* what) {
    if (img.shape()[2] != 3)
        throw config_error(std::string(what) + ": expected an {H,W,3} RGB image, got " +
                           std::to_string(img.shape()[2]) + " channels");
}
template <class Rows>
inline void for_row_blocks(std::size_t height, std::size_t width, Rows rows) {
    const auto h = static_cast<std::ptrdiff_t>(height);
#pragma omp parallel for schedule(static) if (height * width >= parallel_min_pixels)
    for (std::ptrdiff_t y = 0; y < h; ++y) rows(static_cast<std::size_t>(y));
}
} // namespace detail

/// 8-bit sRGB image {H,W,3} -> planar Lab {3,H,W}, written into `lab` (reallocated if needed).
inline void rgb8_to_lab(const rgb8_image& img, planar_f& lab) {
    detail::require_rgb8(img, "rgb8_to_lab");
    const std::size_t h = img.shape()[0], w = img.shape()[1], plane = h * w;
    if (lab.shape() != planar_f::shape_type{3, h, w}) lab.resize({std::size_t{3}, h, w});
    const std::uint8_t* src = img.data();
    float* dst = lab.data();
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        srgb8_to_lab(src + 3 * w * y, dst + w * y, dst + plane + w * y, dst + 2 * plane + w * y, w);
    });
}
/// 8-bit sRGB image {H,W,3} -> planar Lab {3,H,W}.
[[nodiscard]] inline planar_f rgb8_to_lab(const rgb8_image& img) {
    planar_f lab;
    rgb8_to_lab(img, lab);
    return lab;
}

/// Planar Lab {3,H,W} -> 8-bit sRGB {H,W,3}, written into `out` (reallocated if needed).
inline void lab_to_rgb8(const planar_f& lab, rgb8_image& out) {
    detail::require_planes(lab, 3, "lab_to_rgb8");
    const std::size_t h = lab.shape()[1], w = lab.shape()[2], plane = h * w;
    resize_frame(out, {w, h});
    const float* src = lab.data();
    std::uint8_t* dst = out.data();
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        lab_to_srgb8(src + w * y, src + plane + w * y, src + 2 * plane + w * y, dst + 3 * w * y, w);
    });
}
/// Planar Lab {3,H,W} -> 8-bit sRGB {H,W,3}.
[[nodiscard]] inline rgb8_image lab_to_rgb8(const planar_f& lab) {
    rgb8_image out;
    lab_to_rgb8(lab, out);
    return out;
}

/// Planar float sRGB {3,H,W} in [0,1] -> planar Lab {3,H,W}.
inline void srgb_to_lab(const planar_f& rgb, planar_f& lab) {
    detail::require_planes(rgb, 3, "srgb_to_lab");
    const std::size_t h = rgb.shape()[1], w = rgb.shape()[2], plane = h * w;
    if (lab.shape() != rgb.shape()) lab.resize(rgb.shape());
    const float* s = rgb.data();
    float* d = lab.data();
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        const std::size_t o = w * y;
        srgb_to_lab(s + o, s + plane + o, s + 2 * plane + o, d + o, d + plane + o,
                    d + 2 * plane + o, w);
    });
}
/// Planar Lab {3,H,W} -> planar float sRGB {3,H,W} in [0,1].
inline void lab_to_srgb(const planar_f& lab, planar_f& rgb) {
    detail::require_planes(lab, 3, "lab_to_srgb");
    const std::size_t h = lab.shape()[1], w = lab.shape()[2], plane = h * w;
    if (rgb.shape() != lab.shape()) rgb.resize(lab.shape());
    const float* s = lab.data();
    float* d = rgb.data();
    detail::for_row_blocks(h, w, [&](std::size_t y) {
        const std::size_t o = w * y;
        lab_to_srgb(s + o, s + plane + o, s + 2 * plane + o, d + o, d + plane + o,
                    d + 2 * plane + o, w);
    });
}

} // namespace keychroma
