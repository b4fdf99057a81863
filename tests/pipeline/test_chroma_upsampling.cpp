#define BOOST_TEST_MODULE pipeline_chroma_upsampling
#include <boost/test/unit_test.hpp>

// The chroma upsamplers: the guided one against a naive implementation (box means summed window
// by window, bilinear interpolation written out, all in double), its point (a,b that follow L*
// come back sharp at full size, where bilinear smears them), and the settings a model records.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "keychroma/core/resize.hpp"
#include "keychroma/pipeline/chroma_upsampling.hpp"
#include "support/tolerance.hpp"

using namespace keychroma;
using namespace keychroma::pipeline;

namespace {

using grid = std::vector<std::vector<double>>; // [y][x]

grid naive_box_mean(const grid& v, std::size_t r) {
    const std::size_t h = v.size(), w = v[0].size();
    grid out(h, std::vector<double>(w));
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            double sum = 0;
            std::size_t n = 0;
            for (std::size_t j = y > r ? y - r : 0; j <= std::min(h - 1, y + r); ++j)
                for (std::size_t i = x > r ? x - r : 0; i <= std::min(w - 1, x + r); ++i, ++n)
                    sum += v[j][i];
            out[y][x] = sum / double(n);
        }
    return out;
}

/// OpenCV's INTER_LINEAR at output coordinate o: source position (o + 0.5) * in/out - 0.5,
/// clamped to the edge pixels.
double naive_bilinear(const grid& v, double y, double x) {
    const double h = double(v.size()), w = double(v[0].size());
    const auto clamp = [](double s, double n) { return std::clamp(s, 0.0, n - 1); };
    y = clamp(y, h);
    x = clamp(x, w);
    const auto y0 = std::size_t(std::floor(y)), x0 = std::size_t(std::floor(x));
    const std::size_t y1 = std::min(y0 + 1, v.size() - 1), x1 = std::min(x0 + 1, v[0].size() - 1);
    const double fy = y - double(y0), fx = x - double(x0);
    return (1 - fy) * ((1 - fx) * v[y0][x0] + fx * v[y0][x1]) +
           fy * ((1 - fx) * v[y1][x0] + fx * v[y1][x1]);
}

grid to_grid(const float* p, image_size s) {
    grid g(s.height, std::vector<double>(s.width));
    for (std::size_t y = 0; y < s.height; ++y)
        for (std::size_t x = 0; x < s.width; ++x) g[y][x] = p[y * s.width + x];
    return g;
}

/// A picture with edges and texture: L* in [5, 95].
planef test_lstar(image_size s) {
    planef l({s.height, s.width});
    for (std::size_t y = 0; y < s.height; ++y)
        for (std::size_t x = 0; x < s.width; ++x)
            l(y, x) = float(50 + 30 * std::sin(0.37 * double(x) + 0.11 * double(y)) +
                            (x * 3 > s.width * 2 ? 15 : -10));
    return l;
}

} // namespace

BOOST_AUTO_TEST_CASE(guided_matches_a_naive_fast_guided_filter) {
    const image_size low{24, 16}, full{75, 52}; // a factor that is not an integer
    const planef l_full = test_lstar(full);
    const planef l_low = resize_area(l_full, low);
    planar_f ab({std::size_t{2}, low.height, low.width});
    for (std::size_t y = 0; y < low.height; ++y)
        for (std::size_t x = 0; x < low.width; ++x) {
            ab(0, y, x) = float(0.4 * std::cos(0.5 * double(x)) - 0.1);
            ab(1, y, x) = float(0.002 * l_low(y, x) + 0.05 * double(y % 5));
        }
    for (const guided_chroma g :
         {guided_chroma{1, 0.5}, guided_chroma{4, 1.0}, guided_chroma{7, 30}}) {
        const planar_f got = g(l_low, ab, l_full);
        BOOST_REQUIRE(size_of(got) == full);
        const grid l = to_grid(l_low.data(), low);
        grid ll = l;
        for (auto& row : ll)
            for (auto& v : row) v *= v;
        const grid mean_l = naive_box_mean(l, g.radius), mean_ll = naive_box_mean(ll, g.radius);
        for (std::size_t c = 0; c < 2; ++c) {
            const grid p = to_grid(ab.data() + c * low.pixels(), low);
            grid lp = p;
            for (std::size_t y = 0; y < low.height; ++y)
                for (std::size_t x = 0; x < low.width; ++x) lp[y][x] = l[y][x] * p[y][x];
            const grid mean_p = naive_box_mean(p, g.radius), mean_lp = naive_box_mean(lp, g.radius);
            grid slope = p, offset = p;
            for (std::size_t y = 0; y < low.height; ++y)
                for (std::size_t x = 0; x < low.width; ++x) {
                    const double var = mean_ll[y][x] - mean_l[y][x] * mean_l[y][x];
                    slope[y][x] = (mean_lp[y][x] - mean_l[y][x] * mean_p[y][x]) / (var + g.epsilon);
                    offset[y][x] = mean_p[y][x] - slope[y][x] * mean_l[y][x];
                }
            slope = naive_box_mean(slope, g.radius);
            offset = naive_box_mean(offset, g.radius);
            double largest_term = 0, worst = 0;
            for (const auto& row : slope)
                for (double s : row) largest_term = std::max(largest_term, std::abs(s) * 100);
            double largest_offset = 0;
            for (const auto& row : offset)
                for (double o : row) largest_offset = std::max(largest_offset, std::abs(o));
            largest_term += largest_offset;
            for (std::size_t y = 0; y < full.height; ++y)
                for (std::size_t x = 0; x < full.width; ++x) {
                    const double sy =
                        (double(y) + 0.5) * double(low.height) / double(full.height) - 0.5;
                    const double sx =
                        (double(x) + 0.5) * double(low.width) / double(full.width) - 0.5;
                    const double want = naive_bilinear(slope, sy, sx) * l_full(y, x) +
                                        naive_bilinear(offset, sy, sx);
                    worst = std::max(worst, std::abs(double(got(c, y, x)) - want));
                }
            // The coefficients are exact to double rounding, then stored in float (one
            // rounding), interpolated (four products and sums) and applied (one product, one
            // sum): at most 8 float roundings of terms no larger than |slope| 100 + |offset|;
            // twice that for margin. The bound is 1e-5 of the a,b range or less here.
            const double bound = 16 * test::unit_roundoff<float> * largest_term;
            BOOST_TEST_INFO("radius " << g.radius << " epsilon " << g.epsilon << " channel " << c);
            BOOST_TEST(worst <= bound);
        }
    }
}

BOOST_AUTO_TEST_CASE(guided_keeps_chroma_edges_that_follow_luminance) {
    // A sharp L* edge at a position that falls inside a working-size pixel, with a,b an affine
    // function of L* on both sides (orange on dark, blue on light): bilinear smears the colour
    // over several full-size pixels on each side, the guided upsampler puts it back on the edge.
    const image_size low{16, 12}, full{100, 75};
    planef l_full({full.height, full.width});
    for (std::size_t y = 0; y < full.height; ++y)
        for (std::size_t x = 0; x < full.width; ++x) l_full(y, x) = x < 43 ? 25.0f : 80.0f;
    const planef l_low = resize_area(l_full, low);
    const auto a_of = [](double l) { return 0.5 - 0.01 * l; };
    const auto b_of = [](double l) { return 0.6 - 0.012 * l; };
    planar_f ab({std::size_t{2}, low.height, low.width});
    for (std::size_t y = 0; y < low.height; ++y)
        for (std::size_t x = 0; x < low.width; ++x) {
            ab(0, y, x) = float(a_of(l_low(y, x)));
            ab(1, y, x) = float(b_of(l_low(y, x)));
        }
    const auto mean_error = [&](const planar_f& up) {
        double e = 0;
        for (std::size_t y = 0; y < full.height; ++y)
            for (std::size_t x = 0; x < full.width; ++x)
                e += std::abs(up(0, y, x) - a_of(l_full(y, x))) +
                     std::abs(up(1, y, x) - b_of(l_full(y, x)));
        return e / double(2 * full.pixels());
    };
    const double bilinear = mean_error(bilinear_chroma{}(l_low, ab, l_full));
    const double guided = mean_error(guided_chroma{}(l_low, ab, l_full));
    BOOST_TEST_MESSAGE("mean |a,b error|: bilinear " << bilinear << ", guided " << guided);
    BOOST_TEST(bilinear > 0.01); // the smear is real: a tenth of the two colours' distance
    BOOST_TEST(guided < 0.1 * bilinear);
}

BOOST_AUTO_TEST_CASE(flat_chroma_stays_flat) {
    const image_size low{20, 20}, full{64, 48};
    const planef l_full = test_lstar(full);
    const planef l_low = resize_area(l_full, low);
    planar_f ab({std::size_t{2}, low.height, low.width});
    std::fill_n(ab.data(), low.pixels(), 0.25f);
    std::fill_n(ab.data() + low.pixels(), low.pixels(), -0.5f);
    const planar_f up = guided_chroma{}(l_low, ab, l_full);
    // slope = covariance / (variance + epsilon) = 0 up to the rounding of the double means
    for (std::size_t y = 0; y < full.height; ++y)
        for (std::size_t x = 0; x < full.width; ++x) {
            BOOST_TEST(std::abs(up(0, y, x) - 0.25f) <= 1e-5f);
            BOOST_TEST(std::abs(up(1, y, x) + 0.5f) <= 1e-5f);
        }
}

BOOST_AUTO_TEST_CASE(nothing_to_upsample_leaves_chroma_as_it_is) {
    // a frame no larger than the working size: the network's a,b are the frame's, untouched
    const image_size s{20, 12};
    const planef l = test_lstar(s);
    planar_f ab({std::size_t{2}, s.height, s.width});
    for (std::size_t i = 0; i < ab.size(); ++i) ab.data()[i] = float(std::sin(double(i)));
    BOOST_TEST((guided_chroma{}(l, ab, l) == ab));
    BOOST_TEST((bilinear_chroma{}(l, ab, l) == ab));
}

BOOST_AUTO_TEST_CASE(model_settings_carry_the_upsampler_and_its_numbers) {
    nn::model_settings s;
    guided_chroma{6, 2.5}.save(s);
    bool called = false;
    with_chroma_upsampler(s, "m.kcm", [&](const auto& up) {
        using U = std::decay_t<decltype(up)>;
        BOOST_TEST((std::is_same_v<U, guided_chroma>));
        if constexpr (std::is_same_v<U, guided_chroma>) {
            BOOST_TEST(up.radius == 6u);
            BOOST_TEST(up.epsilon == 2.5);
        }
        called = true;
    });
    BOOST_TEST(called);

    // no record (a version 1 model): bilinear, as every recipe then upsampled
    with_chroma_upsampler(nn::model_settings{}, "m.kcm", [](const auto& up) {
        BOOST_TEST((std::is_same_v<std::decay_t<decltype(up)>, bilinear_chroma>));
    });

    const auto refused = [](nn::model_settings bad) {
        try {
            with_chroma_upsampler(bad, "m.kcm", [](const auto&) {});
        } catch (const model_error& e) {
            return std::string(e.what()).find("m.kcm") != std::string::npos;
        }
        return false;
    };
    auto unknown = s;
    unknown.values["chroma_upsampling"] = "bicubic";
    BOOST_TEST(refused(unknown));
    auto radius = s;
    radius.values["chroma_radius"] = "0";
    BOOST_TEST(refused(radius));
    auto epsilon = s;
    epsilon.values["chroma_epsilon"] = "nan";
    BOOST_TEST(refused(epsilon));
    auto missing = s;
    missing.values.erase("chroma_epsilon");
    BOOST_TEST(refused(missing));
    auto trailing = s;
    trailing.values["chroma_radius"] = "4x";
    BOOST_TEST(refused(trailing));

    // an error of the caller's own code is not blamed on the model
    BOOST_CHECK_THROW(
        with_chroma_upsampler(s, "m.kcm", [](const auto&) { throw config_error("--size"); }),
        config_error);
}
