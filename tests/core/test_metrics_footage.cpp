#define BOOST_TEST_MODULE metrics_footage
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <xtensor/xview.hpp>

#include <keychroma/core/metrics.hpp>

#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

// PSNR / SSIM / colourfulness on real photos against scikit-image (tests/data/
// make_metrics_reference.py), the pairs made by the same integer operations as the script.

using namespace keychroma;

namespace {

rgb8_image load_photo(const std::string& name) {
    const auto path = test::footage(name);
    int w = 0, h = 0, n = 0;
    unsigned char* p = stbi_load(path.c_str(), &w, &h, &n, 3);
    BOOST_TEST_REQUIRE(p != nullptr, "cannot read " << path);
    rgb8_image img({std::size_t(h), std::size_t(w), std::size_t{3}});
    std::copy_n(p, img.size(), img.data());
    stbi_image_free(p);
    return img;
}

} // namespace

BOOST_AUTO_TEST_CASE(photos_match_scikit_image) {
    std::ifstream f(test::test_data("metrics_reference.json"));
    BOOST_TEST_REQUIRE(f.good());
    const auto ref = nlohmann::json::parse(f);
    double worst_ssim = 0;
    for (const auto& e : ref["photos"]) {
        const std::string photo = e["photo"], transform = e["transform"];
        const rgb8_image img = load_photo(photo);
        const std::size_t h = img.shape()[0], w = img.shape()[1];
        rgb8_image a, b;
        plane8 ga, gb;
        bool grey = false;
        if (transform == "shift") {
            a = xt::view(img, xt::range(0, h - 3), xt::range(0, w - 2), xt::all());
            b = xt::view(img, xt::range(3, h), xt::range(2, w), xt::all());
        } else if (transform == "posterise") {
            a = img;
            b = (img / std::uint8_t(16)) * std::uint8_t(16) + std::uint8_t(8);
        } else if (transform == "swap_rb") {
            a = img;
            b = img;
            xt::view(b, xt::all(), xt::all(), 0) = xt::view(img, xt::all(), xt::all(), 2);
            xt::view(b, xt::all(), xt::all(), 2) = xt::view(img, xt::all(), xt::all(), 0);
        } else if (transform == "green_posterise") {
            grey = true;
            ga = xt::view(img, xt::all(), xt::all(), 1);
            gb = (ga / std::uint8_t(32)) * std::uint8_t(32) + std::uint8_t(16);
        } else {
            BOOST_FAIL("unknown transform " << transform);
        }
        const double want_ssim = e["ssim"].get<double>();
        const double got_ssim = grey ? ssim(ga, gb) : ssim(a, b);
        BOOST_TEST_MESSAGE(photo << " / " << transform << ": SSIM ours " << got_ssim << " skimage "
                                 << want_ssim);
        worst_ssim = std::max(worst_ssim, std::abs(got_ssim - want_ssim));
        BOOST_TEST(std::abs(got_ssim - want_ssim) < 1e-6);
        BOOST_TEST(std::abs((grey ? psnr(ga, gb) : psnr(a, b)) - e["psnr"].get<double>()) < 1e-9);
        BOOST_TEST((grey ? ga.shape()[0] : a.shape()[0]) == e["height"].get<std::size_t>());
        if (grey) continue;
        const auto per = psnr_per_channel(a, b);
        for (int c = 0; c < 3; ++c) {
            const auto& want = e["psnr_channels"][c];
            if (want.is_string())
                BOOST_TEST(std::isinf(per[c]));
            else
                BOOST_TEST(std::abs(per[c] - want.get<double>()) < 1e-9);
        }
        BOOST_TEST(std::abs(colorfulness(a) - e["colorfulness_a"].get<double>()) < 1e-9);
        BOOST_TEST(std::abs(colorfulness(b) - e["colorfulness_b"].get<double>()) < 1e-9);
    }
    BOOST_TEST_MESSAGE("max |SSIM ours - skimage| on photos: " << worst_ssim);
}
