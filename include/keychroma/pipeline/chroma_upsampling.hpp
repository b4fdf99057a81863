#pragma once
// How the network's a,b (predicted at the working size) reach the full frame size: a policy of
// the recipe, recorded in the model file (model_settings.hpp) so that every colorization of a
// model upsamples as its recipe says.
//  - bilinear_chroma: bilinear interpolation (the paper's pipeline). Colour bleeds across edges
//    by as many full-size pixels as the upsampling factor.
//  - guided_chroma: joint upsampling guided by the full-resolution L* that the receiver has
//    anyway (the fast guided filter, He & Sun 2015, arXiv:1505.00996): in every window of the
//    working-size picture, a,b are fitted as an affine function of L*; the fitted coefficients,
//    smoothed and upsampled bilinearly, are applied to the full-resolution L*, so a chroma edge
//    follows the luminance edge instead of a bilinear ramp.
// A policy is called with the working-size L* (the network's input), the working-size a,b in
// network scale {2,h,w} and the full-size L*; it returns a,b in network scale {2,H,W}. It
// writes its name and numbers into a model's settings (save) and reads them back (load).

#include <algorithm>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/named_types.hpp"
#include "keychroma/core/resize.hpp"
#include "keychroma/nn/fixed_string.hpp"
#include "keychroma/nn/serialize.hpp"

namespace keychroma::pipeline {

template <class U>
concept chroma_upsampler = requires(const U u, const planef& l_working, const planar_f& ab_working,
                                    const planef& l_full, nn::model_settings& settings) {
    U::name;
    { u(l_working, ab_working, l_full) } -> std::same_as<planar_f>;
    u.save(settings);
    { U::load(std::as_const(settings)) } -> std::same_as<U>;
};

/// The model settings' key naming the upsampler.
inline constexpr const char* chroma_upsampling_key = "chroma_upsampling";

/// Bilinear interpolation of a,b (OpenCV's INTER_LINEAR geometry); L* is not looked at.
struct bilinear_chroma {
    static constexpr nn::fixed_string name{"bilinear"};

    [[nodiscard]] planar_f operator()(const planef& /*l_working*/, const planar_f& ab_working,
                                      const planef& l_full) const {
        return upscale_chroma(ab_working, size_of(l_full));
    }
    void save(nn::model_settings& s) const { s.values[chroma_upsampling_key] = name.view(); }
    [[nodiscard]] static bilinear_chroma load(const nn::model_settings&) { return {}; }
};

namespace detail {

/// Mean over the (2r+1)^2 window around each pixel, counting only the pixels inside the plane
/// (the guided filter's normalised box: no padding invents values at the border). Running sums,
/// separable: O(1) per pixel whatever r.
inline std::vector<double> box_mean(const std::vector<double>& src, std::size_t h, std::size_t w,
                                    std::size_t r) {
    std::vector<double> rows(h * w), out(h * w), sum(std::max(h, w) + 1);
    const auto window_means = [&](auto at, std::size_t n, auto store) {
        sum[0] = 0;
        for (std::size_t i = 0; i < n; ++i) sum[i + 1] = sum[i] + at(i);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t lo = i > r ? i - r : 0, hi = std::min(n, i + r + 1);
            store(i, (sum[hi] - sum[lo]) / double(hi - lo));
        }
    };
    for (std::size_t y = 0; y < h; ++y)
        window_means([&](std::size_t x) { return src[y * w + x]; }, w,
                     [&](std::size_t x, double m) { rows[y * w + x] = m; });
    for (std::size_t x = 0; x < w; ++x)
        window_means([&](std::size_t y) { return rows[y * w + x]; }, h,
                     [&](std::size_t y, double m) { out[y * w + x] = m; });
    return out;
}

} // namespace detail

/// The fast guided filter as a joint upsampler. `radius` is in working-size pixels; `epsilon`
/// (in L* units squared) is how much L* variance a window needs before a,b follow it: where
/// the window's L* varies much less than sqrt(epsilon), a,b stay the window's mean (a flat
/// region keeps its colour); where it varies much more, a,b follow the luminance edges. A frame
/// no larger than the working size has nothing to upsample: its a,b pass unchanged.
///
/// Radius 2 (5x5 windows): measured against 1 and 4 (docs/quality.md), it gained as much PSNR as
/// radius 4 at 720p and kept more colour; larger windows average the coefficients over more
/// pixels, which pulls chroma peaks toward their neighbourhood's mean.
struct guided_chroma {
    static constexpr nn::fixed_string name{"guided"};
    std::size_t radius = 2;
    double epsilon = 1.0;

    [[nodiscard]] planar_f operator()(const planef& l_working, const planar_f& ab_working,
                                      const planef& l_full) const {
        const image_size low = size_of(l_working), full = size_of(l_full);
        if (ab_working.dimension() != 3 || ab_working.shape()[0] != 2 || size_of(ab_working) != low)
            throw config_error("guided_chroma: a,b and L* differ in size at the working size");
        if (!(epsilon > 0)) throw config_error("guided_chroma: epsilon must be positive");
        if (low == full) return ab_working;
        const std::size_t h = low.height, w = low.width, n = low.pixels();
        // The coefficients in double: the working size is small, and a variance taken as
        // E[L^2] - E[L]^2 of L* values near 100 would lose most of its digits in float.
        const auto mean = [&](const std::vector<double>& v) {
            return detail::box_mean(v, h, w, radius);
        };
        const std::vector<double> l(l_working.begin(), l_working.end());
        std::vector<double> product(n);
        for (std::size_t i = 0; i < n; ++i) product[i] = l[i] * l[i];
        const std::vector<double> mean_l = mean(l), mean_ll = mean(product);
        // {slope_a, slope_b, offset_a, offset_b}, upsampled together
        planar_f coefficients({std::size_t{4}, h, w});
        for (std::size_t c = 0; c < 2; ++c) {
            const std::vector<double> ab(ab_working.data() + c * n,
                                         ab_working.data() + (c + 1) * n);
            for (std::size_t i = 0; i < n; ++i) product[i] = l[i] * ab[i];
            const std::vector<double> mean_ab = mean(ab), mean_lab = mean(product);
            std::vector<double> slope(n), offset(n);
            for (std::size_t i = 0; i < n; ++i) {
                const double variance = std::max(0.0, mean_ll[i] - mean_l[i] * mean_l[i]);
                slope[i] = (mean_lab[i] - mean_l[i] * mean_ab[i]) / (variance + epsilon);
                offset[i] = mean_ab[i] - slope[i] * mean_l[i];
            }
            // every pixel lies in several windows: it takes their coefficients' mean
            const std::vector<double> mean_slope = mean(slope), mean_offset = mean(offset);
            std::copy(mean_slope.begin(), mean_slope.end(), coefficients.data() + c * n);
            std::copy(mean_offset.begin(), mean_offset.end(), coefficients.data() + (2 + c) * n);
        }
        const planar_f upsampled = resize_bilinear(coefficients, full);
        planar_f ab({std::size_t{2}, full.height, full.width});
        const std::size_t m = full.pixels();
        const float* lf = l_full.data();
        for (std::size_t c = 0; c < 2; ++c) {
            const float* slope = upsampled.data() + c * m;
            const float* offset = upsampled.data() + (2 + c) * m;
            float* out = ab.data() + c * m;
            for (std::size_t i = 0; i < m; ++i) out[i] = slope[i] * lf[i] + offset[i];
        }
        return ab;
    }

    void save(nn::model_settings& s) const {
        char text[32];
        std::snprintf(text, sizeof text, "%.17g", epsilon);
        s.values[chroma_upsampling_key] = name.view();
        s.values["chroma_radius"] = std::to_string(radius);
        s.values["chroma_epsilon"] = text;
    }
    /// config_error for a missing or out-of-range number (radius 1-64, epsilon in (0, 1e6]).
    [[nodiscard]] static guided_chroma load(const nn::model_settings& s) {
        const auto number = [&](const char* key, auto& value, auto low, auto high) {
            const std::string* text = s.find(key);
            if (!text) throw config_error(std::string("guided upsampling without ") + key);
            const char* end = text->data() + text->size();
            const auto [p, ec] = std::from_chars(text->data(), end, value);
            if (ec != std::errc{} || p != end || !(value >= low && value <= high))
                throw config_error(std::string(key) + " '" + *text + "' is not in [" +
                                   std::to_string(low) + ", " + std::to_string(high) + "]");
        };
        guided_chroma g;
        number("chroma_radius", g.radius, std::size_t{1}, std::size_t{64});
        number("chroma_epsilon", g.epsilon, 1e-6, 1e6);
        return g;
    }
};

/// The upsamplers a model file may name.
using built_in_chroma_upsamplers = named_types<bilinear_chroma, guided_chroma>;

/// Calls fn(upsampler) with the upsampler a model's settings record, its numbers included. A
/// model that records none (format v1, and v2 files written before the key existed) was made by
/// a recipe that upsampled bilinearly. model_error for an unknown name or bad numbers.
template <class Fn>
decltype(auto) with_chroma_upsampler(const nn::model_settings& settings,
                                     const std::string& model_name, Fn&& fn) {
    const std::string* recorded = settings.find(chroma_upsampling_key);
    const std::string_view name =
        recorded ? std::string_view(*recorded) : bilinear_chroma::name.view();
    const auto model_failure = [&](const std::string& what) {
        return model_error(model_name + ": model settings: " + what);
    };
    if (!built_in_chroma_upsamplers::contains(name))
        throw model_failure("chroma upsampling '" + std::string(name) + "': expected one of " +
                            built_in_chroma_upsamplers::joined_names(", "));
    return built_in_chroma_upsamplers::dispatch(
        "chroma upsampling", name, [&]<chroma_upsampler U>() -> decltype(auto) {
            const U upsampler = [&] {
                try {
                    return U::load(settings);
                } catch (const config_error& e) { // the file's numbers, not the caller's
                    throw model_failure(e.what());
                }
            }();
            return fn(upsampler);
        });
}

} // namespace keychroma::pipeline
