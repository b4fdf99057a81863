#pragma once
// Image-quality metrics for judging colorized frames against the originals:
//  - PSNR, pooled over all channels (as scikit-image's peak_signal_noise_ratio) and per channel;
//  - SSIM of Wang et al. 2004: 11x11 Gaussian window (sigma 1.5, truncated at 3.5 sigma),
//    K1 = 0.01, K2 = 0.03, population covariances, mean over the pixels whose window lies inside
//    the image, RGB = mean of the three channels. This is exactly scikit-image's
//    structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
//    data_range=255, channel_axis=-1); tests/core/test_metrics*.cpp check it to 1e-6;
//  - colourfulness of Hasler & Suesstrunk 2003 (sigma_rgyb + 0.3 mu_rgyb, population statistics).
// Everything accumulates in double; metrics are not on the hot path of colorization.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <keychroma/core/error.hpp>
#include <keychroma/core/image.hpp>

namespace keychroma {

/// SSIM parameters; the defaults are Wang et al. 2004 for 8-bit images.
struct ssim_options {
    double sigma = 1.5;        ///< Gaussian window's standard deviation
    double truncate = 3.5;     ///< window radius = int(truncate * sigma + 0.5) (5: 11x11)
    double k1 = 0.01;          ///< C1 = (k1 * data_range)^2
    double k2 = 0.03;          ///< C2 = (k2 * data_range)^2
    double data_range = 255.0; ///< max - min of the pixel type
};

namespace detail {

/// A strided view of one channel of an image: element (y, x) is data[(y * width + x) * step].
template <class T>
struct channel_view {
    const T* data;
    std::size_t height, width, step;
    [[nodiscard]] double at(std::size_t y, std::size_t x) const noexcept {
        return static_cast<double>(data[(y * width + x) * step]);
    }
};

template <class A, class B>
inline void require_same_shape(const A& a, const B& b, const char* what) {
    if (a.shape() != b.shape()) {
        std::string sa, sb;
        for (auto d : a.shape()) sa += (sa.empty() ? "" : "x") + std::to_string(d);
        for (auto d : b.shape()) sb += (sb.empty() ? "" : "x") + std::to_string(d);
        throw config_error(std::string(what) + ": image shapes differ (" + sa + " vs " + sb + ")");
    }
}

template <class T>
[[nodiscard]] inline double sum_squared_error(channel_view<T> a, channel_view<T> b) noexcept {
    double s = 0;
    for (std::size_t y = 0; y < a.height; ++y)
        for (std::size_t x = 0; x < a.width; ++x) {
            const double d = a.at(y, x) - b.at(y, x);
            s += d * d;
        }
    return s;
}

[[nodiscard]] inline double psnr_from_mse(double mse, double data_range) noexcept {
    return mse == 0 ? std::numeric_limits<double>::infinity()
                    : 10.0 * std::log10(data_range * data_range / mse);
}

/// Mean SSIM of one channel. The separable Gaussian runs on valid windows only, with a ring of
/// 2r+1 horizontally filtered rows (five moments each), so memory is O(width), not O(image).
template <class T>
[[nodiscard]] double ssim_channel(channel_view<T> a, channel_view<T> b, const ssim_options& opt) {
    const auto r = static_cast<std::size_t>(opt.truncate * opt.sigma + 0.5);
    const std::size_t win = 2 * r + 1;
    if (a.height < win || a.width < win)
        throw config_error("ssim: image of " + std::to_string(a.width) + "x" +
                           std::to_string(a.height) + " is smaller than the " +
                           std::to_string(win) + "x" + std::to_string(win) + " window");
    std::vector<double> kernel(win);
    double ksum = 0;
    for (std::size_t k = 0; k < win; ++k) {
        const double d = double(k) - double(r);
        ksum += kernel[k] = std::exp(-0.5 * d * d / (opt.sigma * opt.sigma));
    }
    for (auto& k : kernel) k /= ksum;

    const std::size_t ow = a.width - 2 * r; // valid output columns
    // ring[(row % win)][moment][x]: moments x, y, xx, yy, xy of one horizontally filtered row.
    std::vector<double> ring(win * 5 * ow);
    auto horizontal = [&](std::size_t y) {
        double* m = ring.data() + (y % win) * 5 * ow;
        for (std::size_t x = 0; x < ow; ++x) {
            double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
            for (std::size_t k = 0; k < win; ++k) {
                const double va = a.at(y, x + k), vb = b.at(y, x + k), w = kernel[k];
                sx += w * va;
                sy += w * vb;
                sxx += w * va * va;
                syy += w * vb * vb;
                sxy += w * va * vb;
            }
            m[x] = sx;
            m[ow + x] = sy;
            m[2 * ow + x] = sxx;
            m[3 * ow + x] = syy;
            m[4 * ow + x] = sxy;
        }
    };
    const double c1 = (opt.k1 * opt.data_range) * (opt.k1 * opt.data_range);
    const double c2 = (opt.k2 * opt.data_range) * (opt.k2 * opt.data_range);
    for (std::size_t y = 0; y + 1 < win; ++y) horizontal(y);
    double total = 0;
    for (std::size_t y = r; y + r < a.height; ++y) {
        horizontal(y + r);
        for (std::size_t x = 0; x < ow; ++x) {
            double mom[5] = {0, 0, 0, 0, 0};
            for (std::size_t k = 0; k < win; ++k) {
                const double* m = ring.data() + ((y - r + k) % win) * 5 * ow;
                for (int q = 0; q < 5; ++q) mom[q] += kernel[k] * m[q * ow + x];
            }
            const double ux = mom[0], uy = mom[1];
            const double vx = mom[2] - ux * ux, vy = mom[3] - uy * uy, vxy = mom[4] - ux * uy;
            total +=
                (2 * ux * uy + c1) * (2 * vxy + c2) / ((ux * ux + uy * uy + c1) * (vx + vy + c2));
        }
    }
    return total / double((a.height - 2 * r) * ow);
}

template <class T>
[[nodiscard]] channel_view<T> channel_of(const xt::xtensor<T, 3>& img, std::size_t c) noexcept {
    return {img.data() + c, img.shape()[0], img.shape()[1], img.shape()[2]};
}
template <class T>
[[nodiscard]] channel_view<T> channel_of(const xt::xtensor<T, 2>& img) noexcept {
    return {img.data(), img.shape()[0], img.shape()[1], 1};
}

} // namespace detail

/// Mean squared error over all pixels and channels.
[[nodiscard]] inline double mse(const rgb8_image& a, const rgb8_image& b) {
    detail::require_same_shape(a, b, "mse");
    double s = 0;
    for (std::size_t c = 0; c < a.shape()[2]; ++c)
        s += detail::sum_squared_error(detail::channel_of(a, c), detail::channel_of(b, c));
    return a.size() == 0 ? 0.0 : s / double(a.size());
}

/// PSNR in dB over all channels pooled (scikit-image's convention); +infinity for equal images.
[[nodiscard]] inline double psnr(const rgb8_image& reference, const rgb8_image& test,
                                 double data_range = 255.0) {
    return detail::psnr_from_mse(mse(reference, test), data_range);
}

/// PSNR in dB of each channel (R, G, B).
[[nodiscard]] inline std::array<double, 3>
psnr_per_channel(const rgb8_image& reference, const rgb8_image& test, double data_range = 255.0) {
    detail::require_same_shape(reference, test, "psnr_per_channel");
    std::array<double, 3> out{};
    const double n = double(reference.shape()[0] * reference.shape()[1]);
    for (std::size_t c = 0; c < 3; ++c)
        out[c] = detail::psnr_from_mse(detail::sum_squared_error(detail::channel_of(reference, c),
                                                                 detail::channel_of(test, c)) /
                                           n,
                                       data_range);
    return out;
}

/// PSNR in dB of one plane (grey or L*).
[[nodiscard]] inline double psnr(const plane8& reference, const plane8& test,
                                 double data_range = 255.0) {
    detail::require_same_shape(reference, test, "psnr");
    return detail::psnr_from_mse(
        detail::sum_squared_error(detail::channel_of(reference), detail::channel_of(test)) /
            double(reference.size()),
        data_range);
}

/// Mean SSIM of two planes.
[[nodiscard]] inline double ssim(const plane8& a, const plane8& b, const ssim_options& opt = {}) {
    detail::require_same_shape(a, b, "ssim");
    return detail::ssim_channel(detail::channel_of(a), detail::channel_of(b), opt);
}
/// Mean SSIM of two float planes (set opt.data_range to their range).
[[nodiscard]] inline double ssim(const planef& a, const planef& b, const ssim_options& opt) {
    detail::require_same_shape(a, b, "ssim");
    return detail::ssim_channel(detail::channel_of(a), detail::channel_of(b), opt);
}
/// Mean SSIM of two RGB images: the mean of the three channels' SSIM.
[[nodiscard]] inline double ssim(const rgb8_image& a, const rgb8_image& b,
                                 const ssim_options& opt = {}) {
    detail::require_same_shape(a, b, "ssim");
    double s = 0;
    for (std::size_t c = 0; c < 3; ++c)
        s += detail::ssim_channel(detail::channel_of(a, c), detail::channel_of(b, c), opt);
    return s / 3.0;
}

/// Colourfulness M of Hasler & Suesstrunk 2003 on 8-bit sRGB values:
/// rg = R - G, yb = (R + G)/2 - B, M = sqrt(var rg + var yb) + 0.3 sqrt(mean rg^2 + mean yb^2).
[[nodiscard]] inline double colorfulness(const rgb8_image& img) {
    const std::size_t n = img.shape()[0] * img.shape()[1];
    if (n == 0) return 0.0;
    double srg = 0, syb = 0, srg2 = 0, syb2 = 0;
    const std::uint8_t* p = img.data();
    for (std::size_t i = 0; i < n; ++i) {
        const double r = p[3 * i], g = p[3 * i + 1], b = p[3 * i + 2];
        const double rg = r - g, yb = 0.5 * (r + g) - b;
        srg += rg;
        syb += yb;
        srg2 += rg * rg;
        syb2 += yb * yb;
    }
    const double mrg = srg / double(n), myb = syb / double(n);
    const double var = (srg2 / double(n) - mrg * mrg) + (syb2 / double(n) - myb * myb);
    return std::sqrt(std::max(var, 0.0)) + 0.3 * std::sqrt(mrg * mrg + myb * myb);
}

} // namespace keychroma
