#define BOOST_TEST_MODULE metrics
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <random>
#include <string>

#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <xtensor/xview.hpp>

#include <keychroma/core/metrics.hpp>

#include "support/test_data.hpp"

using namespace keychroma;

namespace {

nlohmann::json reference() {
    std::ifstream f(test::test_data("metrics_reference.json"));
    BOOST_TEST_REQUIRE(f.good(),
                       "missing metrics_reference.json (tests/data/make_metrics_reference.py)");
    return nlohmann::json::parse(f);
}

rgb8_image load_rgb(const std::string& name) {
    int w = 0, h = 0, n = 0;
    unsigned char* p = stbi_load(test::test_data(name).c_str(), &w, &h, &n, 3);
    BOOST_TEST_REQUIRE(p != nullptr, "cannot read " << name);
    rgb8_image img({std::size_t(h), std::size_t(w), std::size_t{3}});
    std::copy_n(p, img.size(), img.data());
    stbi_image_free(p);
    return img;
}

plane8 load_gray(const std::string& name) {
    int w = 0, h = 0, n = 0;
    unsigned char* p = stbi_load(test::test_data(name).c_str(), &w, &h, &n, 1);
    BOOST_TEST_REQUIRE(p != nullptr, "cannot read " << name);
    BOOST_TEST_REQUIRE(n == 1);
    plane8 img({std::size_t(h), std::size_t(w)});
    std::copy_n(p, img.size(), img.data());
    stbi_image_free(p);
    return img;
}

/// Brute-force SSIM: the 2-D Gaussian window written out per pixel (no separability, no ring).
double naive_ssim(const plane8& a, const plane8& b) {
    const int r = 5;
    double k[11], s = 0;
    for (int i = 0; i < 11; ++i) s += k[i] = std::exp(-0.5 * (i - r) * (i - r) / 2.25);
    for (double& v : k) v /= s;
    const int h = int(a.shape()[0]), w = int(a.shape()[1]);
    const double c1 = 2.55 * 2.55, c2 = 7.65 * 7.65;
    double total = 0;
    for (int y = r; y < h - r; ++y)
        for (int x = r; x < w - r; ++x) {
            double ux = 0, uy = 0, xx = 0, yy = 0, xy = 0;
            for (int i = -r; i <= r; ++i)
                for (int j = -r; j <= r; ++j) {
                    const double wt = k[i + r] * k[j + r];
                    const double va = a(y + i, x + j), vb = b(y + i, x + j);
                    ux += wt * va;
                    uy += wt * vb;
                    xx += wt * va * va;
                    yy += wt * vb * vb;
                    xy += wt * va * vb;
                }
            total += (2 * ux * uy + c1) * (2 * (xy - ux * uy) + c2) /
                     ((ux * ux + uy * uy + c1) * (xx - ux * ux + yy - uy * uy + c2));
        }
    return total / ((h - 2 * r) * (w - 2 * r));
}

} // namespace

BOOST_AUTO_TEST_CASE(psnr_of_known_errors) {
    rgb8_image a = xt::zeros<std::uint8_t>({10, 12, 3});
    a(3, 4, 1) = 200;
    BOOST_TEST(std::isinf(psnr(a, a)));
    rgb8_image b = a + std::uint8_t(1); // every value off by one: MSE = 1
    BOOST_TEST(mse(a, b) == 1.0);
    BOOST_TEST(std::abs(psnr(a, b) - 20.0 * std::log10(255.0)) < 1e-12);
    b = a;
    b(0, 0, 2) = 10; // one blue value off by 10: blue MSE = 100 / 120 pixels
    const auto per = psnr_per_channel(a, b);
    BOOST_TEST(std::isinf(per[0]));
    BOOST_TEST(std::isinf(per[1]));
    BOOST_TEST(std::abs(per[2] - 10.0 * std::log10(255.0 * 255.0 * 120.0 / 100.0)) < 1e-12);
    BOOST_TEST(std::abs(psnr(a, b) - 10.0 * std::log10(255.0 * 255.0 * 360.0 / 100.0)) < 1e-12);
}

BOOST_AUTO_TEST_CASE(ssim_properties) {
    std::mt19937 rng(9);
    plane8 a({30, 27}), b({30, 27});
    for (auto& v : a) v = static_cast<std::uint8_t>(rng() & 255);
    for (auto& v : b) v = static_cast<std::uint8_t>(rng() & 255);
    BOOST_TEST(std::abs(ssim(a, a) - 1.0) < 1e-12);
    BOOST_TEST(std::abs(ssim(a, b) - ssim(b, a)) < 1e-12);
    BOOST_TEST(std::abs(ssim(a, b) - naive_ssim(a, b)) < 1e-10);
    const plane8 flat = xt::full_like(a, std::uint8_t(77));
    BOOST_TEST(std::abs(ssim(flat, flat) - 1.0) < 1e-12);
    BOOST_TEST(ssim(a, b) < 0.2); // unrelated noise
}

BOOST_AUTO_TEST_CASE(matches_scikit_image_on_synthetic_pairs) {
    const auto ref = reference();
    const auto a = load_rgb("metrics_synthetic_a.png"), b = load_rgb("metrics_synthetic_b.png");
    const auto& r = ref["synthetic"];
    BOOST_TEST_MESSAGE("RGB SSIM ours " << ssim(a, b) << " skimage " << r["ssim"].get<double>());
    BOOST_TEST(std::abs(ssim(a, b) - r["ssim"].get<double>()) < 1e-6);
    BOOST_TEST(std::abs(psnr(a, b) - r["psnr"].get<double>()) < 1e-9);
    const auto per = psnr_per_channel(a, b);
    for (int c = 0; c < 3; ++c)
        BOOST_TEST(std::abs(per[c] - r["psnr_channels"][c].get<double>()) < 1e-9);
    BOOST_TEST(std::abs(colorfulness(a) - r["colorfulness_a"].get<double>()) < 1e-9);
    BOOST_TEST(std::abs(colorfulness(b) - r["colorfulness_b"].get<double>()) < 1e-9);

    const auto ga = load_gray("metrics_synthetic_gray_a.png");
    const auto gb = load_gray("metrics_synthetic_gray_b.png");
    const auto& g = ref["synthetic_gray"];
    BOOST_TEST(std::abs(ssim(ga, gb) - g["ssim"].get<double>()) < 1e-6);
    BOOST_TEST(std::abs(ssim(ga, gb) - naive_ssim(ga, gb)) < 1e-10);
    BOOST_TEST(std::abs(psnr(ga, gb) - g["psnr"].get<double>()) < 1e-9);
    // float planes with data_range 255 give the same SSIM
    const planef fa = xt::cast<float>(ga), fb = xt::cast<float>(gb);
    BOOST_TEST(std::abs(ssim(fa, fb, ssim_options{}) - g["ssim"].get<double>()) < 1e-6);
}

BOOST_AUTO_TEST_CASE(colorfulness_of_greys_is_zero) {
    rgb8_image g({8, 8, 3});
    for (std::size_t i = 0; i < 64; ++i)
        g.data()[3 * i] = g.data()[3 * i + 1] = g.data()[3 * i + 2] = std::uint8_t(i * 3);
    BOOST_TEST(colorfulness(g) == 0.0);
    // Pure red: rg = 255, yb = 127.5 everywhere: sigma 0, M = 0.3 * sqrt(255^2 + 127.5^2).
    rgb8_image red = xt::zeros<std::uint8_t>({4, 4, 3});
    xt::view(red, xt::all(), xt::all(), 0) = std::uint8_t(255);
    BOOST_TEST(std::abs(colorfulness(red) - 0.3 * std::hypot(255.0, 127.5)) < 1e-9);
}

BOOST_AUTO_TEST_CASE(bad_sizes_are_errors) {
    BOOST_CHECK_THROW((void)psnr(rgb8_image({4, 4, 3}), rgb8_image({4, 5, 3})), config_error);
    BOOST_CHECK_THROW((void)ssim(plane8({10, 40}), plane8({10, 40})), config_error); // < 11 rows
    BOOST_CHECK_THROW((void)ssim(plane8({12, 12}), plane8({12, 13})), config_error);
}
