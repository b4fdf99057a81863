#define BOOST_TEST_MODULE color
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <keychroma/core/color.hpp>
#include <keychroma/core/simd_math.hpp>

#include "support/test_data.hpp"

using namespace keychroma;

namespace {

/// One CSV row of floats; inputs parsed with strtof so they are the exact float32 the script fed
/// to OpenCV.
struct csv_table {
    std::vector<std::array<float, 3>> in;
    std::vector<std::array<double, 3>> ref, cv;
};

csv_table read_csv(const std::string& name) {
    std::ifstream f(test::test_data(name));
    BOOST_TEST_REQUIRE(f.good(), "missing " << name << " (run tests/data/make_color_reference.py)");
    csv_table t;
    std::string line;
    std::getline(f, line); // header
    while (std::getline(f, line)) {
        std::vector<std::string> cells;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
        BOOST_TEST_REQUIRE(cells.size() == 9u);
        t.in.push_back({std::strtof(cells[0].c_str(), nullptr),
                        std::strtof(cells[1].c_str(), nullptr),
                        std::strtof(cells[2].c_str(), nullptr)});
        t.ref.push_back({std::stod(cells[3]), std::stod(cells[4]), std::stod(cells[5])});
        t.cv.push_back({std::stod(cells[6]), std::stod(cells[7]), std::stod(cells[8])});
    }
    BOOST_TEST_REQUIRE(t.in.size() > 1000u);
    return t;
}

/// Naive double-precision sRGB -> Lab typed from the definitions (independent of color.hpp).
std::array<double, 3> naive_lab(double r, double g, double b) {
    auto lin = [](double v) {
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    const double R = lin(r), G = lin(g), B = lin(b);
    const double X = (0.4124564 * R + 0.3575761 * G + 0.1804375 * B) / 0.95047;
    const double Y = 0.2126729 * R + 0.7151522 * G + 0.0721750 * B;
    const double Z = (0.0193339 * R + 0.1191920 * G + 0.9503041 * B) / 1.08883;
    auto f = [](double t) {
        return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
    };
    return {116.0 * f(Y) - 16.0, 500.0 * (f(X) - f(Y)), 200.0 * (f(Y) - f(Z))};
}

struct planes {
    std::vector<float> c0, c1, c2;
    explicit planes(std::size_t n) : c0(n), c1(n), c2(n) {}
};

/// The reference table's inputs as three planes and as one interleaved buffer, so both layouts
/// of the conversion are checked on the same colours.
template <class Table>
void load_inputs(const Table& t, planes& in, std::vector<float>& interleaved) {
    for (std::size_t i = 0; i < t.in.size(); ++i) {
        in.c0[i] = t.in[i][0];
        in.c1[i] = t.in[i][1];
        in.c2[i] = t.in[i][2];
        std::copy_n(t.in[i].data(), 3, interleaved.data() + 3 * i);
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(lindbloom_published_values) {
    // sRGB primaries, secondaries and white in L*a*b* (D65), as published by Bruce Lindbloom's
    // CIE Color Calculator (brucelindbloom.com, sRGB, D65, sRGB gamma) and quoted to 4 decimals
    // by most colour tools.
    struct pair {
        float r, g, b;
        double l, a, bb;
    };
    const pair published[] = {
        {1, 0, 0, 53.2408, 80.0925, 67.2032},
        {0, 1, 0, 87.7347, -86.1827, 83.1793},
        {0, 0, 1, 32.2970, 79.1875, -107.8602},
        {0, 1, 1, 91.1132, -48.0875, -14.1312},
        {1, 0, 1, 60.3242, 98.2343, -60.8249},
        {1, 1, 0, 97.1393, -21.5537, 94.4780},
        {1, 1, 1, 100.0, 0.0, 0.0},
        {0, 0, 0, 0.0, 0.0, 0.0},
    };
    for (const auto& p : published) {
        float l, a, b;
        srgb_to_lab(&p.r, &p.g, &p.b, &l, &a, &b, 1);
        BOOST_TEST(std::abs(l - p.l) < 1e-3);
        BOOST_TEST(std::abs(a - p.a) < 1e-3);
        BOOST_TEST(std::abs(b - p.bb) < 1e-3);
        const auto exact = srgb_to_lab_exact({p.r, p.g, p.b});
        BOOST_TEST(std::abs(exact.l - p.l) < 1e-4);
        BOOST_TEST(std::abs(exact.a - p.a) < 1e-4);
        BOOST_TEST(std::abs(exact.b - p.bb) < 1e-4);
    }
}

BOOST_AUTO_TEST_CASE(inverse_matrix_is_exact) {
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
            double s = 0;
            for (int k = 0; k < 3; ++k)
                s += cie::linear_srgb_from_xyz[i][k] * cie::xyz_from_linear_srgb[k][j];
            BOOST_TEST(std::abs(s - (i == j ? 1.0 : 0.0)) < 1e-12);
        }
    // The white point is the matrix's row sums: sRGB white is neutral.
    for (int i = 0; i < 3; ++i) {
        const auto& row = cie::xyz_from_linear_srgb[i];
        BOOST_TEST(std::abs(row[0] + row[1] + row[2] - cie::d65_white[i]) < 2e-7);
    }
}

BOOST_AUTO_TEST_CASE(forward_matches_float64_reference_and_bounds_opencv_gap) {
    const auto t = read_csv("color_srgb_to_lab.csv");
    const std::size_t n = t.in.size();
    planes in(n), out(n);
    std::vector<float> inter(3 * n), inter_out(3 * n);
    load_inputs(t, in, inter);
    srgb_to_lab(in.c0.data(), in.c1.data(), in.c2.data(), out.c0.data(), out.c1.data(),
                out.c2.data(), n);
    srgb_to_lab_interleaved(inter.data(), inter_out.data(), n);
    std::array<double, 3> err{}, cv_gap{}, ours_vs_cv{};
    for (std::size_t i = 0; i < n; ++i) {
        const float got[3] = {out.c0[i], out.c1[i], out.c2[i]};
        for (int c = 0; c < 3; ++c) {
            err[c] = std::max(err[c], std::abs(got[c] - t.ref[i][c]));
            cv_gap[c] = std::max(cv_gap[c], std::abs(t.cv[i][c] - t.ref[i][c]));
            ours_vs_cv[c] = std::max(ours_vs_cv[c], std::abs(got[c] - t.cv[i][c]));
            BOOST_TEST(inter_out[3 * i + c] == got[c]); // both layouts run the same kernel
        }
        const auto naive = naive_lab(t.in[i][0], t.in[i][1], t.in[i][2]);
        for (int c = 0; c < 3; ++c) BOOST_TEST(std::abs(naive[c] - t.ref[i][c]) < 1e-5);
    }
    BOOST_TEST_MESSAGE("max |ours - float64| L,a,b: " << err[0] << ' ' << err[1] << ' ' << err[2]);
    BOOST_TEST_MESSAGE("max |OpenCV - float64| L,a,b: " << cv_gap[0] << ' ' << cv_gap[1] << ' '
                                                        << cv_gap[2]);
    for (int c = 0; c < 3; ++c) {
        BOOST_TEST(err[c] < 1e-3);
        // OpenCV's float RGB2Lab interpolates a 33^3 table and uses the rounded constants
        // 0.008856 / 7.787: measured up to ~0.3 off the definitions. Ours may differ from it by
        // no more than that gap plus our own 1e-3.
        BOOST_TEST(ours_vs_cv[c] <= cv_gap[c] + 1e-3);
        BOOST_TEST(cv_gap[c] < 0.5);
    }
}

BOOST_AUTO_TEST_CASE(eight_bit_kernel_matches_float64_reference) {
    const auto t = read_csv("color_srgb_to_lab.csv");
    std::vector<std::uint8_t> rgb;
    std::vector<std::array<double, 3>> ref;
    for (std::size_t i = 0; i < t.in.size(); ++i) {
        bool code = true;
        std::array<std::uint8_t, 3> c{};
        for (int k = 0; k < 3; ++k) {
            const double v = t.in[i][k] * 255.0;
            code = code && std::abs(v - std::nearbyint(v)) < 1e-4;
            c[k] = static_cast<std::uint8_t>(std::nearbyint(v));
        }
        if (!code) continue;
        rgb.insert(rgb.end(), c.begin(), c.end());
        ref.push_back(t.ref[i]);
    }
    const std::size_t n = ref.size();
    BOOST_TEST_REQUIRE(n > 700u);
    planes out(n);
    srgb8_to_lab(rgb.data(), out.c0.data(), out.c1.data(), out.c2.data(), n);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
        worst = std::max({worst, std::abs(out.c0[i] - ref[i][0]), std::abs(out.c1[i] - ref[i][1]),
                          std::abs(out.c2[i] - ref[i][2])});
    }
    BOOST_TEST_MESSAGE("8-bit kernel max |ours - float64|: " << worst);
    BOOST_TEST(worst < 1e-3);
}

BOOST_AUTO_TEST_CASE(forward_matches_naive_double_on_random_floats) {
    const std::size_t n = 1'000'003; // not a multiple of the batch: exercises the tail
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    planes in(n), out(n);
    for (std::size_t i = 0; i < n; ++i) {
        in.c0[i] = u(rng);
        in.c1[i] = u(rng);
        in.c2[i] = u(rng);
    }
    // A few values right at the knees of the transfer curve and of f(t).
    in.c0[0] = 0.04045f;
    in.c1[1] = 0.0998f;
    in.c0[2] = in.c1[2] = in.c2[2] = 0.09985f;
    srgb_to_lab(in.c0.data(), in.c1.data(), in.c2.data(), out.c0.data(), out.c1.data(),
                out.c2.data(), n);
    std::array<double, 3> err{};
    for (std::size_t i = 0; i < n; ++i) {
        const auto ref = naive_lab(in.c0[i], in.c1[i], in.c2[i]);
        err[0] = std::max(err[0], std::abs(out.c0[i] - ref[0]));
        err[1] = std::max(err[1], std::abs(out.c1[i] - ref[1]));
        err[2] = std::max(err[2], std::abs(out.c2[i] - ref[2]));
    }
    BOOST_TEST_MESSAGE("1M random floats, max |ours - double| L,a,b: " << err[0] << ' ' << err[1]
                                                                       << ' ' << err[2]);
    for (double e : err) BOOST_TEST(e < 1e-3);
}

BOOST_AUTO_TEST_CASE(inverse_matches_float64_reference_and_opencv) {
    const auto t = read_csv("color_lab_to_srgb.csv");
    const std::size_t n = t.in.size();
    planes in(n), out(n);
    std::vector<float> inter(3 * n), inter_out(3 * n);
    load_inputs(t, in, inter);
    lab_to_srgb(in.c0.data(), in.c1.data(), in.c2.data(), out.c0.data(), out.c1.data(),
                out.c2.data(), n);
    lab_to_srgb_interleaved(inter.data(), inter_out.data(), n);
    double err = 0, vs_cv = 0, exact_err = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const float got[3] = {out.c0[i], out.c1[i], out.c2[i]};
        const auto exact = lab_to_srgb_exact({t.in[i][0], t.in[i][1], t.in[i][2]});
        const double ex[3] = {exact.r, exact.g, exact.b};
        for (int c = 0; c < 3; ++c) {
            err = std::max(err, std::abs(got[c] - t.ref[i][c]));
            vs_cv = std::max(vs_cv, std::abs(got[c] - t.cv[i][c]));
            exact_err = std::max(exact_err, std::abs(ex[c] - t.ref[i][c]));
            BOOST_TEST(inter_out[3 * i + c] == got[c]);
            BOOST_TEST((got[c] >= 0.0f && got[c] <= 1.0f)); // clipped to the gamut
        }
    }
    BOOST_TEST_MESSAGE("Lab->sRGB max |ours - float64| " << err << ", max |ours - OpenCV| "
                                                         << vs_cv);
    BOOST_TEST(err < 1e-4);       // in [0,1] units: 0.0255 of an 8-bit step
    BOOST_TEST(vs_cv < 1e-3);     // OpenCV's own gap to float64 is ~3.5e-4
    BOOST_TEST(exact_err < 1e-6); // the header's double reference agrees with numpy
}

BOOST_AUTO_TEST_CASE(lightness_agrees_with_lstar_header) {
    // color.hpp and lstar.hpp share the constants: L from the Lab conversion must equal L* of
    // the transmission plane's path, for every grey and for random colours.
    const srgb8_lightness lstar;
    std::mt19937 rng(3);
    std::vector<std::uint8_t> rgb;
    for (int v = 0; v < 256; ++v)
        rgb.insert(rgb.end(), {std::uint8_t(v), std::uint8_t(v), std::uint8_t(v)});
    for (int i = 0; i < 100000; ++i)
        for (int c = 0; c < 3; ++c) rgb.push_back(static_cast<std::uint8_t>(rng() & 255));
    const std::size_t n = rgb.size() / 3;
    planes lab(n);
    srgb8_to_lab(rgb.data(), lab.c0.data(), lab.c1.data(), lab.c2.data(), n);
    double worst = 0;
    std::size_t same_code = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double l = lstar(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
        worst = std::max(worst, std::abs(l - lab.c0[i]));
        same_code += lstar_to_code(l) == lstar_to_code(lab.c0[i]);
        if (i < 256) { // greys are neutral
            BOOST_TEST(std::abs(lab.c1[i]) < 1e-3);
            BOOST_TEST(std::abs(lab.c2[i]) < 1e-3);
        }
    }
    BOOST_TEST_MESSAGE("max |L(color.hpp) - L*(lstar.hpp)| = " << worst << ", same 8-bit code: "
                                                               << same_code << '/' << n);
    BOOST_TEST(worst < 1e-3);
    BOOST_TEST(same_code >= n - n / 1000);
}

BOOST_AUTO_TEST_CASE(every_length_and_in_place) {
    std::mt19937 rng(11);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const std::size_t big = 67;
    planes in(big), full(big);
    for (std::size_t i = 0; i < big; ++i) {
        in.c0[i] = u(rng);
        in.c1[i] = u(rng);
        in.c2[i] = u(rng);
    }
    srgb_to_lab(in.c0.data(), in.c1.data(), in.c2.data(), full.c0.data(), full.c1.data(),
                full.c2.data(), big);
    for (std::size_t n = 0; n <= big; ++n) {
        planes p = in; // in place: outputs alias inputs
        srgb_to_lab(p.c0.data(), p.c1.data(), p.c2.data(), p.c0.data(), p.c1.data(), p.c2.data(),
                    n);
        for (std::size_t i = 0; i < big; ++i) {
            BOOST_TEST(p.c0[i] == (i < n ? full.c0[i] : in.c0[i]));
            BOOST_TEST(p.c2[i] == (i < n ? full.c2[i] : in.c2[i]));
        }
    }
}

BOOST_AUTO_TEST_CASE(image_conveniences) {
    rgb8_image img({5, 7, 3});
    std::mt19937 rng(5);
    for (auto& v : img) v = static_cast<std::uint8_t>(rng() & 255);
    const planar_f lab = rgb8_to_lab(img);
    BOOST_TEST(lab.shape()[0] == 3u);
    BOOST_TEST(lab.shape()[1] == 5u);
    BOOST_TEST(lab.shape()[2] == 7u);
    for (std::size_t y = 0; y < 5; ++y)
        for (std::size_t x = 0; x < 7; ++x) {
            const auto ref =
                naive_lab(img(y, x, 0) / 255.0, img(y, x, 1) / 255.0, img(y, x, 2) / 255.0);
            for (std::size_t c = 0; c < 3; ++c) BOOST_TEST(std::abs(lab(c, y, x) - ref[c]) < 1e-3);
        }
    rgb8_image back({1, 1, 3}); // wrong shape: reallocated
    lab_to_rgb8(lab, back);
    BOOST_TEST(back == img);
    const auto* data = back.data();
    lab_to_rgb8(lab, back); // right shape: reused
    BOOST_TEST(back.data() == data);

    planar_f rgbf({3, 5, 7});
    for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < 5; ++y)
            for (std::size_t x = 0; x < 7; ++x) rgbf(c, y, x) = img(y, x, c) / 255.0f;
    planar_f lab2, rgb2;
    srgb_to_lab(rgbf, lab2);
    BOOST_TEST(xt::amax(xt::abs(lab2 - lab))() < 1e-3f);
    lab_to_srgb(lab2, rgb2);
    BOOST_TEST(xt::amax(xt::abs(rgb2 - rgbf))() < 1e-5f);

    BOOST_CHECK_THROW(lab_to_rgb8(planar_f({2, 4, 4})), config_error);
}

BOOST_AUTO_TEST_CASE(simd_math_accuracy) {
    using B = simd::float_batch;
    constexpr std::size_t w = B::size;
    double log_err = 0, exp_err = 0, pow_err = 0, cbrt_err = 0;
    alignas(64) float x[w], out[w];
    // log2 on [2^-20, 2) (absolute error, relative above |log2| = 1), exp2 on [-20, 2], pow on the
    // sRGB and cbrt ranges (relative error), each on a dense grid.
    for (int i = 0; i < 2'000'000; i += int(w)) {
        for (std::size_t k = 0; k < w; ++k)
            x[k] = std::ldexp(1.0f + (i + k) / 2e6f, -20 + int(i * 21.0 / 2e6));
        simd::log2_positive(B::load_aligned(x)).store_aligned(out);
        for (std::size_t k = 0; k < w; ++k)
            log_err = std::max(log_err, std::abs(out[k] - std::log2(double(x[k]))) /
                                            std::max(1.0, std::abs(std::log2(double(x[k])))));
        for (std::size_t k = 0; k < w; ++k) x[k] = -20.0f + 22.0f * (i + k) / 2e6f;
        simd::exp2_bounded(B::load_aligned(x)).store_aligned(out);
        for (std::size_t k = 0; k < w; ++k) {
            const double ref = std::exp2(double(x[k]));
            exp_err = std::max(exp_err, std::abs(out[k] - ref) / ref);
        }
        for (std::size_t k = 0; k < w; ++k) x[k] = 0.003f + 0.997f * (i + k) / 2e6f;
        simd::cbrt_positive(B::load_aligned(x)).store_aligned(out);
        for (std::size_t k = 0; k < w; ++k) {
            const double ref = std::cbrt(double(x[k]));
            cbrt_err = std::max(cbrt_err, std::abs(out[k] - ref) / ref);
        }
        for (float p : {2.4f, 1.0f / 2.4f, 1.0f / 3.0f}) {
            simd::pow_positive(B::load_aligned(x), p).store_aligned(out);
            for (std::size_t k = 0; k < w; ++k) {
                const double ref = std::pow(double(x[k]), double(p));
                pow_err = std::max(pow_err, std::abs(out[k] - ref) / ref);
            }
        }
    }
    BOOST_TEST_MESSAGE("log2 err " << log_err << ", exp2 rel err " << exp_err << ", pow rel err "
                                   << pow_err << ", cbrt rel err " << cbrt_err);
    BOOST_TEST(log_err < 2e-7);
    BOOST_TEST(exp_err < 3e-7);
    BOOST_TEST(pow_err < 2e-6);
    BOOST_TEST(cbrt_err < 5e-7);
}
