#define BOOST_TEST_MODULE resize
#include <boost/test/unit_test.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>
#include <stb_image.h>
#include <xtensor/xview.hpp>

#include <keychroma/core/fit.hpp>
#include <keychroma/core/resize.hpp>

#include "support/test_data.hpp"

using namespace keychroma;

namespace {

rgb8_image load_input() {
    int w = 0, h = 0, n = 0;
    unsigned char* p = stbi_load(test::test_data("resize_input.png").c_str(), &w, &h, &n, 3);
    BOOST_TEST_REQUIRE(p != nullptr, "missing resize_input.png (make_resize_reference.py)");
    rgb8_image img({std::size_t(h), std::size_t(w), std::size_t{3}});
    std::copy_n(p, img.size(), img.data());
    stbi_image_free(p);
    return img;
}

} // namespace

BOOST_AUTO_TEST_CASE(matches_opencv_resize) {
    std::ifstream f(test::test_data("resize_reference.json"));
    BOOST_TEST_REQUIRE(f.good());
    const auto ref = nlohmann::json::parse(f);
    const rgb8_image img = load_input();
    const planef red = xt::cast<float>(xt::view(img, xt::all(), xt::all(), 0));
    int cases = 0;
    for (const auto& c : ref["cases"]) {
        const image_size to{c["width"].get<std::size_t>(), c["height"].get<std::size_t>()};
        const bool area = c["kind"] == "area";
        const auto& data = c["data"];
        if (c["type"] == "f32") {
            const planef out = area ? resize_area(red, to) : resize_bilinear(red, to);
            BOOST_TEST_REQUIRE(out.size() == data.size());
            double worst = 0;
            for (std::size_t i = 0; i < out.size(); ++i)
                worst = std::max(worst, std::abs(out.data()[i] - data[i].get<double>()));
            BOOST_TEST_MESSAGE(c["kind"] << " f32 -> " << to.width << "x" << to.height
                                         << ": max |ours - OpenCV| " << worst);
            BOOST_TEST(worst < 2e-4); // values in [0,255]: float rounding
        } else {
            const rgb8_image out = area ? resize_area(img, to) : resize_bilinear(img, to);
            BOOST_TEST_REQUIRE(out.size() == data.size());
            int worst = 0;
            for (std::size_t i = 0; i < out.size(); ++i)
                worst = std::max(worst, std::abs(int(out.data()[i]) - data[i].get<int>()));
            BOOST_TEST(worst <= 1); // OpenCV's uint8 path uses 11-bit fixed-point weights
        }
        ++cases;
    }
    BOOST_TEST(cases == 16);
}

BOOST_AUTO_TEST_CASE(bilinear_reproduces_ramps_and_constants) {
    planef ramp({20, 30});
    for (std::size_t y = 0; y < 20; ++y)
        for (std::size_t x = 0; x < 30; ++x) ramp(y, x) = 2.0f * x + 3.0f * y;
    const planef up = resize_bilinear(ramp, {90, 40}); // x3 wide, x2 high
    // Output pixel (Y, X) samples input (Y/2 - 0.25, X/3 - 1/3), exact away from the clamped edge.
    for (std::size_t y = 1; y + 1 < 40; ++y)
        for (std::size_t x = 1; x + 2 < 90; ++x) {
            const double sx = (x + 0.5) / 3.0 - 0.5, sy = (y + 0.5) / 2.0 - 0.5;
            BOOST_TEST(std::abs(up(y, x) - (2.0 * sx + 3.0 * sy)) < 1e-4);
        }
    const planef flat = xt::full_like(ramp, 7.5f);
    BOOST_TEST(xt::amax(xt::abs(resize_bilinear(flat, {13, 7}) - 7.5f))() < 1e-6f);
    BOOST_TEST(resize_bilinear(ramp, {30, 20}) == ramp); // same size: identity
}

BOOST_AUTO_TEST_CASE(area_by_integer_factor_is_block_mean) {
    const rgb8_image img = load_input(); // 48x36
    const planef red = xt::cast<float>(xt::view(img, xt::all(), xt::all(), 0));
    const planef down = resize_area(red, {12, 9}); // 4x4 blocks
    for (std::size_t y = 0; y < 9; ++y)
        for (std::size_t x = 0; x < 12; ++x) {
            double s = 0;
            for (std::size_t i = 0; i < 4; ++i)
                for (std::size_t j = 0; j < 4; ++j) s += red(4 * y + i, 4 * x + j);
            BOOST_TEST(std::abs(down(y, x) - s / 16.0) < 1e-4);
        }
    // Mean brightness is preserved by area averaging for any factor that tiles the image.
    const planar_f planes = xt::view(xt::cast<float>(img), xt::newaxis(), xt::all(), xt::all(), 0);
    const planar_f d3 = resize_area(planes, {16, 12});
    BOOST_TEST(std::abs(xt::mean(d3)() - xt::mean(red)()) < 1e-3);
}

BOOST_AUTO_TEST_CASE(chroma_upscale) {
    planar_f ab({2, 4, 4});
    for (std::size_t i = 0; i < ab.size(); ++i) ab.data()[i] = float(i % 7) / 7.0f - 0.5f;
    const planar_f full = upscale_chroma(ab, {10, 6});
    BOOST_TEST(full.shape()[0] == 2u);
    BOOST_TEST(full.shape()[1] == 6u);
    BOOST_TEST(full.shape()[2] == 10u);
    // Each plane resized on its own: equals the plane-wise resize.
    const planef a0 = xt::view(ab, 1);
    BOOST_TEST(planef(xt::view(full, 1)) == resize_bilinear(a0, {10, 6}));
    BOOST_TEST(xt::amax(full)() <= xt::amax(ab)()); // interpolation never overshoots
    BOOST_TEST(upscale_chroma(ab, {4, 4}) == ab);
    BOOST_CHECK_THROW((void)upscale_chroma(planar_f({3, 4, 4}), {8, 8}), config_error);
}

BOOST_AUTO_TEST_CASE(letterbox_and_crop) {
    const placement wide = fit_letterbox({1920, 1080}, {256, 256});
    BOOST_TEST(wide.content.width == 256u);
    BOOST_TEST(wide.content.height == 144u);
    BOOST_TEST(wide.top == 56u);
    BOOST_TEST(wide.left == 0u);
    const placement tall = fit_letterbox({300, 451}, {256, 256});
    BOOST_TEST(tall.content.height == 256u);
    BOOST_TEST(tall.content.width == 170u); // 256 * 300 / 451 = 170.3
    BOOST_TEST(tall.left == 43u);

    const rgb8_image img = load_input(); // 48x36
    placement where;
    const rgb8_image boxed = letterbox(img, {32, 32}, &where, {1, 2, 3});
    BOOST_TEST((where.content == image_size{32, 24}));
    BOOST_TEST(where.top == 4u);
    BOOST_TEST(boxed(0, 5, 0) == 1);
    BOOST_TEST(boxed(31, 5, 2) == 3);
    const rgb8_image content = resize_area(img, {32, 24});
    for (std::size_t y = 0; y < 24; ++y)
        for (std::size_t x = 0; x < 32; ++x)
            for (std::size_t c = 0; c < 3; ++c) BOOST_TEST(boxed(y + 4, x, c) == content(y, x, c));

    // crop() takes the content back out of a network-sized planar tensor.
    planar_f net({2, 32, 32});
    for (std::size_t i = 0; i < net.size(); ++i) net.data()[i] = float(i);
    const planar_f back = crop(net, where);
    BOOST_TEST(back.shape()[1] == 24u);
    BOOST_TEST(back(1, 0, 0) == net(1, 4, 0));
    BOOST_TEST(back(1, 23, 31) == net(1, 27, 31));

    const rgb8_image cc = centre_crop(img, {20, 10});
    BOOST_TEST(cc(0, 0, 1) == img(13, 14, 1));
    BOOST_TEST(cc(9, 19, 2) == img(22, 33, 2));
    const planar_f pc = centre_crop(net, {2, 2});
    BOOST_TEST(pc(0, 0, 0) == net(0, 15, 15));
}

BOOST_AUTO_TEST_CASE(bad_requests_are_errors) {
    const planef p({8, 8});
    BOOST_CHECK_THROW((void)resize_area(p, {16, 4}), config_error);
    BOOST_CHECK_THROW((void)resize_bilinear(p, {0, 4}), config_error);
    BOOST_CHECK_THROW((void)centre_crop(rgb8_image({4, 4, 3}), {5, 2}), config_error);
    BOOST_CHECK_THROW((void)pad(rgb8_image({4, 4, 3}), {6, 6}, 3, 0), config_error);
}

// fit_to (core/fit.hpp), on a 64x32 frame whose outer quarters are red and middle half green:
// crop keeps the middle (all green), letterbox keeps everything inside black bars, stretch keeps
// every column, squeezed.
BOOST_AUTO_TEST_CASE(fit_to_crops_letterboxes_or_stretches) {
    rgb8_image img = rgb8_image::from_shape({32, 64, 3});
    for (std::size_t y = 0; y < 32; ++y)
        for (std::size_t x = 0; x < 64; ++x) {
            const bool middle = x >= 16 && x < 48;
            img(y, x, 0) = middle ? 0 : 255;
            img(y, x, 1) = middle ? 255 : 0;
            img(y, x, 2) = 0;
        }
    const auto colour_at = [](const rgb8_image& f, std::size_t y, std::size_t x) {
        return std::array<int, 3>{f(y, x, 0), f(y, x, 1), f(y, x, 2)};
    };
    const std::array<int, 3> red{255, 0, 0}, green{0, 255, 0}, black{0, 0, 0};

    const rgb8_image crop = fit_to{{16, 16}, fit_mode::crop}(img);
    BOOST_TEST_REQUIRE((size_of(crop) == image_size{16, 16}));
    for (std::size_t y = 0; y < 16; ++y)
        for (std::size_t x = 0; x < 16; ++x) BOOST_TEST((colour_at(crop, y, x) == green));

    const rgb8_image box = fit_to{{16, 16}, fit_mode::letterbox}(img);
    BOOST_TEST_REQUIRE((size_of(box) == image_size{16, 16}));
    BOOST_TEST((colour_at(box, 0, 8) == black)); // the 16x8 picture sits between bars of 4 rows
    BOOST_TEST((colour_at(box, 15, 8) == black));
    BOOST_TEST((colour_at(box, 8, 0) == red));
    BOOST_TEST((colour_at(box, 8, 8) == green));
    BOOST_TEST((colour_at(box, 8, 15) == red));

    const rgb8_image squeezed = fit_to{{16, 16}}(img); // stretch, area-averaged: 4x2 blocks
    BOOST_TEST_REQUIRE((size_of(squeezed) == image_size{16, 16}));
    BOOST_TEST((squeezed == resize_area(img, {16, 16})));
    BOOST_TEST((colour_at(squeezed, 3, 0) == red));
    BOOST_TEST((colour_at(squeezed, 3, 8) == green));
    BOOST_TEST((fit_to{{128, 64}}(img) == resize_bilinear(img, {128, 64}))); // enlarging
}
