#define BOOST_TEST_MODULE lab_scaling
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include <xtensor/xview.hpp>

#include <keychroma/core/lab_scaling.hpp>

using namespace keychroma;

namespace {

rgb8_image random_image(std::size_t h, std::size_t w, unsigned seed) {
    rgb8_image img({h, w, std::size_t{3}});
    std::mt19937 rng(seed);
    for (auto& v : img) v = static_cast<std::uint8_t>(rng() & 255);
    return img;
}

/// Naive double L* of an 8-bit sRGB colour, typed from the definitions.
double naive_lstar(int r, int g, int b) {
    auto lin = [](double v) {
        v /= 255.0;
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    const double y = 0.2126729 * lin(r) + 0.7151522 * lin(g) + 0.0721750 * lin(b);
    return y > 216.0 / 24389.0 ? 116.0 * std::cbrt(y) - 16.0 : 24389.0 / 27.0 * y;
}

} // namespace

BOOST_AUTO_TEST_CASE(paper_scaling_constants) {
    BOOST_TEST(l_to_network(0.0f) == -1.0f);
    BOOST_TEST(l_to_network(50.0f) == 0.0f);
    BOOST_TEST(l_to_network(100.0f) == 1.0f);
    BOOST_TEST(ab_to_network(128.0f) == 1.0f);
    BOOST_TEST(ab_to_network(-64.0f) == -0.5f);
    for (float v : {-127.5f, -3.25f, 0.0f, 17.0f, 99.0f}) {
        BOOST_TEST(std::abs(network_to_l(l_to_network(v)) - v) < 1e-5f);
        BOOST_TEST(network_to_ab(ab_to_network(v)) == v); // powers of two: exact
    }
}

BOOST_AUTO_TEST_CASE(network_lab_of_an_image) {
    const auto img = random_image(9, 13, 1);
    const planar_f lab = rgb8_to_lab(img);
    const planar_f net = rgb8_to_network_lab(img);
    BOOST_TEST_REQUIRE(net.shape() == lab.shape());
    for (std::size_t y = 0; y < 9; ++y)
        for (std::size_t x = 0; x < 13; ++x) {
            BOOST_TEST(std::abs(net(0, y, x) - (lab(0, y, x) / 50.0f - 1.0f)) < 1e-6f);
            BOOST_TEST(std::abs(net(1, y, x) - lab(1, y, x) / 128.0f) < 1e-6f);
            BOOST_TEST(std::abs(net(2, y, x) - lab(2, y, x) / 128.0f) < 1e-6f);
        }
    BOOST_TEST(network_lab_to_rgb8(net) == img);
}

BOOST_AUTO_TEST_CASE(srgb_gamut_fits_the_tanh_range) {
    // The extreme a and b of sRGB are at its primaries and secondaries; all inside [-1,1].
    rgb8_image corners({1, 8, 3});
    for (int i = 0; i < 8; ++i)
        for (int c = 0; c < 3; ++c) corners(0, i, c) = ((i >> c) & 1) ? 255 : 0;
    const auto net = rgb8_to_network_lab(corners);
    BOOST_TEST(xt::amin(net)() >= -1.0f);
    BOOST_TEST(xt::amax(net)() <= 1.0f);
    BOOST_TEST(xt::amax(xt::abs(xt::view(net, xt::range(1, 3))))() > 0.8f); // and uses it
}

BOOST_AUTO_TEST_CASE(lstar_codes_match_definition) {
    const auto img = random_image(200, 300, 2);
    const plane8 codes = rgb8_to_lstar_codes(img);
    std::size_t same = 0;
    for (std::size_t y = 0; y < 200; ++y)
        for (std::size_t x = 0; x < 300; ++x) {
            const double l = naive_lstar(img(y, x, 0), img(y, x, 1), img(y, x, 2));
            const auto expect = static_cast<int>(std::nearbyint(l * 255.0 / 100.0));
            BOOST_TEST(std::abs(int(codes(y, x)) - expect) <= 1);
            same += codes(y, x) == expect;
        }
    BOOST_TEST(same >= 200u * 300u - 3u); // only exact .5 ties may round the other way
    // Greys span the whole code range.
    rgb8_image grey = xt::zeros<std::uint8_t>({1, 2, 3});
    grey(0, 1, 0) = grey(0, 1, 1) = grey(0, 1, 2) = 255;
    const plane8 ends = rgb8_to_lstar_codes(grey);
    BOOST_TEST(ends(0, 0) == 0);
    BOOST_TEST(ends(0, 1) == 255);
}

BOOST_AUTO_TEST_CASE(gray_pixels_take_the_formulas_codes) {
    // Grays are looked up (srgb8_lightness::code), colours computed: every gray level, between
    // colours that differ from it in one channel, gets the code of the L* definition.
    rgb8_image img({1, 3 * 256, 3});
    for (int v = 0; v < 256; ++v)
        for (int k = 0; k < 3; ++k) {
            const auto x = std::size_t(3 * v + k);
            img(0, x, 0) = img(0, x, 1) = img(0, x, 2) = static_cast<std::uint8_t>(v);
            if (k == 1) img(0, x, 1) = static_cast<std::uint8_t>(255 - v); // a colour (or gray)
        }
    const plane8 codes = rgb8_to_lstar_codes(img);
    for (std::size_t x = 0; x < img.shape()[1]; ++x) {
        const double l = naive_lstar(img(0, x, 0), img(0, x, 1), img(0, x, 2));
        BOOST_TEST(int(codes(0, x)) == int(std::nearbyint(l * 255.0 / 100.0)), "pixel " << x);
    }
}

BOOST_AUTO_TEST_CASE(code_inverse_is_exact) {
    plane8 codes({16, 16});
    for (int i = 0; i < 256; ++i) codes.data()[i] = static_cast<std::uint8_t>(i);
    const planef l = lstar_codes_to_lstar(codes);
    const planar_f input = lstar_codes_to_network_input(codes);
    BOOST_TEST_REQUIRE(input.shape()[0] == 1u);
    for (int i = 0; i < 256; ++i) {
        BOOST_TEST(std::abs(l.data()[i] - i * 100.0 / 255.0) < 1e-5);
        BOOST_TEST(lstar_to_code(l.data()[i]) == i);
        BOOST_TEST(std::abs(input.data()[i] - (i * 100.0 / 255.0 / 50.0 - 1.0)) < 1e-6);
    }
}

BOOST_AUTO_TEST_CASE(grey_view_of_codes_is_closest_grey) {
    plane8 codes({1, 256});
    for (int i = 0; i < 256; ++i) codes(0, i) = static_cast<std::uint8_t>(i);
    const rgb8_image grey = lstar_codes_to_gray_rgb8(codes);
    for (int c = 0; c < 256; ++c) {
        BOOST_TEST(grey(0, c, 0) == grey(0, c, 1));
        BOOST_TEST(grey(0, c, 1) == grey(0, c, 2));
        // Brute force: no other grey level is closer in L*.
        const double target = c * 100.0 / 255.0;
        const double mine =
            std::abs(naive_lstar(grey(0, c, 0), grey(0, c, 0), grey(0, c, 0)) - target);
        for (int g = 0; g < 256; ++g)
            BOOST_TEST(mine <= std::abs(naive_lstar(g, g, g) - target) + 0.3);
    }
}

BOOST_AUTO_TEST_CASE(merge_recovers_the_frame) {
    const auto img = random_image(31, 47, 3);
    const planar_f lab = rgb8_to_lab(img);
    rgb8_image out;
    merge_lab(planef(xt::view(lab, 0)), planef(xt::view(lab, 1)), planef(xt::view(lab, 2)), out);
    BOOST_TEST(out == img);

    // Through the transmission plane: L quantised to 256 codes, a,b from the network (here the
    // true ones, in network scale). The result equals merge_lab on the code's L exactly, and
    // stays within a few 8-bit steps of the original (the price of the 8-bit L* plane).
    const plane8 codes = rgb8_to_lstar_codes(img);
    planar_f ab = xt::view(lab, xt::range(1, 3)) / 128.0f;
    const rgb8_image merged = merge_codes_with_network_ab(codes, ab);
    rgb8_image expect;
    planef a = xt::view(lab, 1), b = xt::view(lab, 2);
    merge_lab(lstar_codes_to_lstar(codes), a, b, expect);
    int worst = 0;
    for (std::size_t i = 0; i < img.size(); ++i) {
        BOOST_TEST(std::abs(int(merged.data()[i]) - int(expect.data()[i])) <= 1);
        worst = std::max(worst, std::abs(int(merged.data()[i]) - int(img.data()[i])));
    }
    BOOST_TEST_MESSAGE("max 8-bit error after the L* plane round trip: " << worst);
    BOOST_TEST(worst <= 6); // measured 4 on this frame
}

BOOST_AUTO_TEST_CASE(size_mismatch_is_an_error) {
    rgb8_image out;
    BOOST_CHECK_THROW(merge_lab(planef({4, 4}), planef({4, 5}), planef({4, 4}), out), config_error);
    BOOST_CHECK_THROW(merge_codes_with_network_ab(plane8({4, 4}), planar_f({2, 4, 3}), out),
                      config_error);
    BOOST_CHECK_THROW(merge_codes_with_network_ab(plane8({4, 4}), planar_f({3, 4, 4}), out),
                      config_error);
}
