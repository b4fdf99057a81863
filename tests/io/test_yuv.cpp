#define BOOST_TEST_MODULE yuv
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "keychroma/io/yuv.hpp"

using namespace keychroma;
using namespace keychroma::io;

namespace {

// Independent reference: the textbook equations (BT.601 / BT.709 section 3) on normalised
// values, in double, rounded once.
struct ref_rgb {
    int r, g, b;
};
ref_rgb reference_to_rgb(int y, int u, int v, double kr, double kb, bool limited) {
    const double ey = limited ? (y - 16) / 219.0 : y / 255.0;
    const double pb = limited ? (u - 128) / 224.0 : (u - 128) / 255.0;
    const double pr = limited ? (v - 128) / 224.0 : (v - 128) / 255.0;
    const double kg = 1 - kr - kb;
    const double r = ey + 2 * (1 - kr) * pr;
    const double b = ey + 2 * (1 - kb) * pb;
    const double g = (ey - kr * r - kb * b) / kg;
    auto q = [](double x) {
        return static_cast<int>(std::clamp(std::floor(x * 255 + 0.5), 0.0, 255.0));
    };
    return {q(r), q(g), q(b)};
}

template <class A>
void check_all_samples(yuv_encoding enc, double kr, double kb) {
    const yuv_to_rgb<A> conv(enc);
    std::vector<std::uint8_t> y(256), u(256), v(256), rgb(256 * 3);
    for (int i = 0; i < 256; ++i) y[i] = static_cast<std::uint8_t>(i);
    long mismatches = 0, total = 0;
    int worst = 0;
    for (int cu = 0; cu < 256; ++cu)
        for (int cv = 0; cv < 256; ++cv) {
            std::fill(u.begin(), u.end(), static_cast<std::uint8_t>(cu));
            std::fill(v.begin(), v.end(), static_cast<std::uint8_t>(cv));
            conv.row(y.data(), u.data(), v.data(), rgb.data(), 256);
            for (int i = 0; i < 256; ++i) {
                const auto ref =
                    reference_to_rgb(i, cu, cv, kr, kb, enc.range == yuv_range::limited);
                const int d =
                    std::max({std::abs(rgb[3 * i] - ref.r), std::abs(rgb[3 * i + 1] - ref.g),
                              std::abs(rgb[3 * i + 2] - ref.b)});
                worst = std::max(worst, d);
                mismatches += d != 0;
                ++total;
            }
        }
    std::printf("all 2^24 samples, matrix %d range %d: max |diff| %d, inexact %.4f%%\n",
                static_cast<int>(enc.matrix), static_cast<int>(enc.range), worst,
                100.0 * static_cast<double>(mismatches) / static_cast<double>(total));
    BOOST_TEST(worst <= 1);
    // Off by one only where the exact value lies within rounding noise of .5.
    BOOST_TEST(static_cast<double>(mismatches) / static_cast<double>(total) < 0.01);
}

// Bilinear interpolation at the sited source coordinate, clamped at the borders.
double naive_upsample(const std::vector<double>& src, std::size_t x, chroma_siting s) {
    const double off = s == chroma_siting::centred ? 0.5 : 0.0;
    const double c =
        std::clamp((static_cast<double>(x) - off) / 2.0, 0.0, static_cast<double>(src.size() - 1));
    const auto i0 = static_cast<std::size_t>(std::floor(c));
    const auto i1 = std::min(i0 + 1, src.size() - 1);
    const double t = c - static_cast<double>(i0);
    return src[i0] * (1 - t) + src[i1] * t;
}

} // namespace

BOOST_AUTO_TEST_CASE(fixed_point_matches_textbook_equations_everywhere) {
    check_all_samples<fixed_point_arithmetic>({yuv_matrix::bt601, yuv_range::limited}, 0.299,
                                              0.114);
    check_all_samples<fixed_point_arithmetic>({yuv_matrix::bt601, yuv_range::full}, 0.299, 0.114);
    check_all_samples<fixed_point_arithmetic>({yuv_matrix::bt709, yuv_range::limited}, 0.2126,
                                              0.0722);
    check_all_samples<fixed_point_arithmetic>({yuv_matrix::bt709, yuv_range::full}, 0.2126, 0.0722);
}

BOOST_AUTO_TEST_CASE(float_matches_textbook_equations_everywhere) {
    check_all_samples<floating_point_arithmetic>({yuv_matrix::bt601, yuv_range::limited}, 0.299,
                                                 0.114);
    check_all_samples<floating_point_arithmetic>({yuv_matrix::bt709, yuv_range::full}, 0.2126,
                                                 0.0722);
}

BOOST_AUTO_TEST_CASE(limited_range_anchors) {
    const yuv_to_rgb<> conv;
    const std::uint8_t y[4] = {16, 235, 0, 255}, u[4] = {128, 128, 128, 128},
                       v[4] = {128, 128, 128, 128};
    std::uint8_t rgb[12];
    conv.row(y, u, v, rgb, 4);
    BOOST_TEST(rgb[0] == 0); // black
    BOOST_TEST(rgb[3] == 255);
    BOOST_TEST(rgb[4] == 255);
    BOOST_TEST(rgb[5] == 255); // white
    BOOST_TEST(rgb[6] == 0);   // footroom clips
    BOOST_TEST(rgb[9] == 255); // headroom clips
    BOOST_TEST(conv.gray(16) == 0);
    BOOST_TEST(conv.gray(126) == 128); // (126-16)*255/219 = 128.08
}

BOOST_AUTO_TEST_CASE(rgb_to_yuv_of_primaries_bt601_limited) {
    // 16 + 219*0.299 = 81.48; 128 - 224*0.299/1.772 = 90.2; 128 + 112 = 240.
    const rgb_to_yuv<> conv;
    const std::uint8_t rgb[9] = {255, 0, 0, 0, 255, 0, 0, 0, 255};
    std::uint8_t y[3], u[3], v[3];
    conv.row(rgb, y, u, v, 3);
    BOOST_TEST(y[0] == 81);
    BOOST_TEST(u[0] == 90);
    BOOST_TEST(v[0] == 240);
    BOOST_TEST(y[1] == 145); // 16 + 219*0.587 = 144.55
    BOOST_TEST(u[1] == 54);  // 128 - 224*0.587/1.772 = 53.8
    BOOST_TEST(v[1] == 34);  // 128 - 224*0.587/1.402 = 34.2
    BOOST_TEST(y[2] == 41);  // 16 + 219*0.114 = 40.97
    BOOST_TEST(u[2] == 240);
    BOOST_TEST(v[2] == 110); // 128 - 224*0.114/1.402 = 109.8
}

BOOST_AUTO_TEST_CASE(rgb_yuv_rgb_round_trip_444) {
    for (auto range : {yuv_range::limited, yuv_range::full})
        for (auto matrix : {yuv_matrix::bt601, yuv_matrix::bt709}) {
            const yuv_encoding enc{matrix, range};
            const rgb_to_yuv<> fwd(enc);
            const yuv_to_rgb<> back(enc);
            // Every 5th level of each channel: 52^3 colours.
            std::vector<std::uint8_t> rgb;
            for (int r = 0; r < 256; r += 5)
                for (int g = 0; g < 256; g += 5)
                    for (int b = 0; b < 256; b += 5)
                        rgb.insert(rgb.end(), {std::uint8_t(r), std::uint8_t(g), std::uint8_t(b)});
            const std::size_t n = rgb.size() / 3;
            std::vector<std::uint8_t> y(n), u(n), v(n), out(rgb.size());
            fwd.row(rgb.data(), y.data(), u.data(), v.data(), n);
            back.row(y.data(), u.data(), v.data(), out.data(), n);
            int worst = 0;
            double sum = 0;
            for (std::size_t i = 0; i < rgb.size(); ++i) {
                const int d = std::abs(rgb[i] - out[i]);
                worst = std::max(worst, d);
                sum += d;
            }
            std::printf("RGB->YUV->RGB 444 matrix %d range %d: mean %.3f max %d\n",
                        static_cast<int>(matrix), static_cast<int>(range),
                        sum / static_cast<double>(rgb.size()), worst);
            // 8-bit Y'CbCr cannot hold every RGB colour; limited range loses most.
            BOOST_TEST(worst <= (range == yuv_range::full ? 1 : 2));
            BOOST_TEST(sum / static_cast<double>(rgb.size()) < 0.45);
        }
}

BOOST_AUTO_TEST_CASE(chroma_upsampling_honours_siting) {
    struct layout_case {
        const char* name;
        chroma_layout layout;
    };
    const layout_case cases[] = {{"420jpeg", layout_420jpeg},
                                 {"420mpeg2", layout_420mpeg2},
                                 {"420paldv", layout_420paldv},
                                 {"422", layout_422}};
    for (const auto& c : cases)
        for (std::size_t w : {8u, 9u})
            for (std::size_t h : {6u, 7u}) {
                const std::size_t cw = c.layout.chroma_width(w), ch = c.layout.chroma_height(h);
                std::vector<std::uint8_t> plane(cw * ch);
                for (std::size_t i = 0; i < plane.size(); ++i)
                    plane[i] = static_cast<std::uint8_t>((i * 97 + 13) % 251); // arbitrary
                chroma_scratch s;
                std::vector<std::uint8_t> out(cw * c.layout.sub_x);
                for (std::size_t y = 0; y < h; ++y) {
                    upsample_chroma_row(plane.data(), w, h, y, c.layout, out.data(), s);
                    // Naive: vertical interpolation of every chroma column, then horizontal.
                    std::vector<double> col(cw);
                    for (std::size_t i = 0; i < cw; ++i) {
                        std::vector<double> column(ch);
                        for (std::size_t j = 0; j < ch; ++j) column[j] = plane[j * cw + i];
                        col[i] = c.layout.sub_y == 2 ? naive_upsample(column, y, c.layout.vertical)
                                                     : column[y];
                    }
                    for (std::size_t x = 0; x < w; ++x) {
                        const double expect = naive_upsample(col, x, c.layout.horizontal);
                        BOOST_TEST_CONTEXT(c.name << " " << w << "x" << h << " at " << x << ","
                                                  << y)
                        BOOST_TEST(out[x] == static_cast<int>(std::floor(expect + 0.5)));
                    }
                }
            }
}

BOOST_AUTO_TEST_CASE(chroma_downsampling_samples_at_the_sited_position) {
    // A ramp in x (and in y) must come out as the ramp's value at each chroma sample's position:
    // centred = between the two luma samples, cosited = on the first.
    const std::size_t w = 16, h = 8;
    const image_size size{w, h};
    std::vector<std::uint8_t> ramp_x(w * h), ramp_y(w * h);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            ramp_x[y * w + x] = static_cast<std::uint8_t>(40 + 8 * x);
            ramp_y[y * w + x] = static_cast<std::uint8_t>(40 + 8 * y);
        }
    chroma_scratch s;
    for (auto layout : {layout_420jpeg, layout_420mpeg2, layout_420paldv, layout_422}) {
        const std::size_t cw = layout.chroma_width(w), ch = layout.chroma_height(h);
        std::vector<std::uint8_t> out(cw * ch);
        downsample_chroma_plane(ramp_x.data(), size, layout, out.data(), s);
        const double hx = layout.horizontal == chroma_siting::centred ? 0.5 : 0.0;
        for (std::size_t j = 0; j < ch; ++j)
            for (std::size_t k = 1; k + 1 < cw; ++k)
                BOOST_TEST(out[j * cw + k] == 40 + 8 * (2 * k + hx));
        downsample_chroma_plane(ramp_y.data(), size, layout, out.data(), s);
        if (layout.sub_y == 2) {
            const double hy = layout.vertical == chroma_siting::centred ? 0.5 : 0.0;
            for (std::size_t j = 1; j + 1 < ch; ++j)
                BOOST_TEST(out[j * cw + 1] == 40 + 8 * (2 * j + hy));
        }
    }
}

BOOST_AUTO_TEST_CASE(smooth_image_survives_420_round_trip) {
    const std::size_t w = 64, h = 48;
    std::vector<std::uint8_t> rgb(w * h * 3);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            rgb[(y * w + x) * 3 + 0] = static_cast<std::uint8_t>(128 + 100 * std::sin(x * 0.1));
            rgb[(y * w + x) * 3 + 1] = static_cast<std::uint8_t>(128 + 100 * std::cos(y * 0.13));
            rgb[(y * w + x) * 3 + 2] = static_cast<std::uint8_t>(2 * x + y);
        }
    for (auto layout : {layout_420jpeg, layout_420mpeg2, layout_420paldv, layout_422}) {
        const rgb_to_yuv<> fwd;
        const yuv_to_rgb<> back;
        chroma_scratch s;
        std::vector<std::uint8_t> y(w * h), u(layout.chroma_width(w) * layout.chroma_height(h)),
            v(u.size()), out(rgb.size());
        rgb_to_yuv_planes(fwd, rgb.data(), {w, h}, layout, y.data(), u.data(), v.data(), s);
        yuv_planes_to_rgb(back, y.data(), u.data(), v.data(), {w, h}, layout, out.data(), s);
        double sum = 0;
        for (std::size_t i = 0; i < rgb.size(); ++i) sum += std::abs(rgb[i] - out[i]);
        const double mean = sum / static_cast<double>(rgb.size());
        std::printf("smooth RGB->YUV(sub %zux%zu)->RGB: mean |diff| %.3f\n", layout.sub_x,
                    layout.sub_y, mean);
        BOOST_TEST(mean < 1.5);
    }
}
