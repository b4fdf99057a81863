#define BOOST_TEST_MODULE keyframes_policies
#include <boost/test/unit_test.hpp>

// Binnings against naive floating-point definitions, selections and clusterings against brute
// force.

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "keychroma/core/color.hpp"
#include "keychroma/keyframes.hpp"

using namespace keychroma;
using namespace keychroma::keyframes;

BOOST_AUTO_TEST_CASE(rgb_uniform_is_value_shifted) {
    const rgb_uniform<8> b8;
    const rgb_uniform<4> b4;
    for (int r = 0; r < 256; r += 3)
        for (int g = 0; g < 256; g += 5)
            for (int b = 0; b < 256; b += 7) {
                BOOST_TEST_REQUIRE(b8.bin_of(r, g, b) ==
                                   std::size_t((r >> 5) * 64 + (g >> 5) * 8 + (b >> 5)));
                BOOST_TEST_REQUIRE(b4.bin_of(r, g, b) ==
                                   std::size_t((r >> 6) * 16 + (g >> 6) * 4 + (b >> 6)));
            }
}

BOOST_AUTO_TEST_CASE(accumulate_equals_per_pixel_bins) {
    std::mt19937 rng(2);
    std::vector<std::uint8_t> px(3 * 1003);
    for (auto& v : px) v = static_cast<std::uint8_t>(rng());
    auto check = [&](const auto& binning) {
        using B = std::decay_t<decltype(binning)>;
        std::vector<std::uint32_t> fast(B::bins, 0), naive(B::bins, 0);
        binning.accumulate(px.data(), 1003, fast.data());
        for (std::size_t i = 0; i < 1003; ++i)
            ++naive[binning.bin_of(px[3 * i], px[3 * i + 1], px[3 * i + 2])];
        BOOST_TEST(fast == naive, boost::test_tools::per_element());
    };
    check(rgb_uniform<8>{}); // SSE4.1 path (K = 3)
    check(rgb_uniform<2>{});
    check(rgb_uniform<4>{});
    check(rgb_uniform<16>{});
    check(rgb_uniform<5>{});  // table path
    check(rgb_uniform<32>{}); // 32,768 bins: shifted fields, direct counting
    check(rgb_uniform<64>{}); // 262,144 bins: the direct path
    check(hsv_uniform<8, 4, 4>{});
    check(lab_uniform<4, 8, 8>{});
    check(luma_uniform<32>{});
}

BOOST_AUTO_TEST_CASE(hsv_bins_equal_floating_point_definition) {
    // Exhaustive over a 2-step grid; the definition in double precision, away from exact ties.
    const hsv_uniform<12, 5, 3> hsv;
    for (int r = 0; r < 256; r += 2)
        for (int g = 0; g < 256; g += 3)
            for (int b = 0; b < 256; b += 5) {
                const double mx = std::max({r, g, b}), mn = std::min({r, g, b}), d = mx - mn;
                double h = 0;
                if (d > 0) {
                    if (mx == r)
                        h = std::fmod((g - b) / d + 6.0, 6.0);
                    else if (mx == g)
                        h = (b - r) / d + 2.0;
                    else
                        h = (r - g) / d + 4.0;
                }
                const double s = mx > 0 ? d / mx : 0.0;
                const std::size_t hb =
                    std::min<std::size_t>(11, std::size_t(std::floor(h / 6.0 * 12 + 1e-9)));
                const std::size_t sb =
                    d > 0 ? std::min<std::size_t>(4, std::size_t(std::floor(s * 5 + 1e-9))) : 0;
                const std::size_t vb = std::size_t(mx * 3 / 256);
                BOOST_TEST_REQUIRE(hsv.bin_of(r, g, b) == (hb * 5 + sb) * 3 + vb);
            }
}

BOOST_AUTO_TEST_CASE(lab_bins_equal_double_precision_lab_away_from_edges) {
    const lab_uniform<4, 8, 8> lab;
    std::mt19937 rng(4);
    std::size_t checked = 0;
    for (int i = 0; i < 200000; ++i) {
        const auto r = std::uint8_t(rng()), g = std::uint8_t(rng()), b = std::uint8_t(rng());
        const auto c = srgb_to_lab_exact({r / 255.0, g / 255.0, b / 255.0});
        const double fl = c.l * 4 / 100, fa = (c.a + 128) * 8 / 256, fb = (c.b + 128) * 8 / 256;
        auto near_edge = [](double v) { return std::fabs(v - std::round(v)) < 1e-4; };
        if (near_edge(fl) || near_edge(fa) || near_edge(fb)) continue; // float32 table may differ
        const std::size_t want = (std::size_t(std::clamp(std::floor(fl), 0.0, 3.0)) * 8 +
                                  std::size_t(std::clamp(std::floor(fa), 0.0, 7.0))) *
                                     8 +
                                 std::size_t(std::clamp(std::floor(fb), 0.0, 7.0));
        BOOST_TEST_REQUIRE(lab.bin_of(r, g, b) == want);
        ++checked;
    }
    BOOST_TEST(checked > 190000u);
}

BOOST_AUTO_TEST_CASE(luma_bins_equal_bt601) {
    const luma_uniform<32> luma;
    for (int r = 0; r < 256; r += 5)
        for (int g = 0; g < 256; g += 5)
            for (int b = 0; b < 256; b += 5) {
                const double y = (77.0 * r + 150.0 * g + 29.0 * b) / 256.0;
                const auto code = std::size_t(std::floor(y + 0.5));
                BOOST_TEST_REQUIRE(luma.bin_of(r, g, b) == std::min<std::size_t>(code, 255) / 8);
            }
}

namespace {
clustering_result labelled(std::vector<std::size_t> labels, std::size_t k) {
    clustering_result c;
    c.labels = std::move(labels);
    c.centres = point_matrix::from_shape({k, 1});
    return c;
}
point_matrix column(const std::vector<double>& v) {
    point_matrix p = point_matrix::from_shape({v.size(), 1});
    std::copy(v.begin(), v.end(), p.data());
    return p;
}
} // namespace

BOOST_AUTO_TEST_CASE(every_nth_takes_positions_within_each_cluster) {
    // cluster 0 = even frames, cluster 1 = odd frames, 100 frames.
    std::vector<std::size_t> labels(100);
    for (std::size_t i = 0; i < 100; ++i) labels[i] = i % 2;
    const auto k = every_nth{}.select(labelled(labels, 2), column(std::vector<double>(100)));
    // Even frames: positions 0, 30 -> frames 0, 60; odd: 1, 61.
    BOOST_TEST(k == (std::vector<std::size_t>{0, 1, 60, 61}), boost::test_tools::per_element());
    every_nth five;
    five.step = 25;
    BOOST_TEST(five.select(labelled(labels, 2), column(std::vector<double>(100))).size() == 4u);
}

BOOST_AUTO_TEST_CASE(medoid_equals_brute_force) {
    std::mt19937 rng(8);
    std::vector<double> v(80);
    std::vector<std::size_t> labels(80);
    for (std::size_t i = 0; i < 80; ++i) {
        labels[i] = rng() % 3;
        v[i] = std::uniform_real_distribution<double>(0, 100)(rng) + 200.0 * labels[i];
    }
    const auto got = medoid_per_cluster{}.select(labelled(labels, 3), column(v));
    std::vector<std::size_t> want;
    for (std::size_t k = 0; k < 3; ++k) {
        std::size_t best = 0;
        double best_cost = 1e300;
        for (std::size_t i = 0; i < 80; ++i) {
            if (labels[i] != k) continue;
            double cost = 0;
            for (std::size_t j = 0; j < 80; ++j)
                if (labels[j] == k) cost += std::fabs(v[i] - v[j]);
            if (cost < best_cost - 1e-9 * best_cost) { // ties: the earliest frame
                best_cost = cost;
                best = i;
            }
        }
        want.push_back(best);
    }
    std::sort(want.begin(), want.end());
    BOOST_TEST(got == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(budget_is_proportional_with_one_each) {
    // sizes 60, 30, 10 -> budget 10: 1 each, then D'Hondt on the remaining 7.
    std::vector<std::size_t> labels;
    for (int i = 0; i < 60; ++i) labels.push_back(0);
    for (int i = 0; i < 30; ++i) labels.push_back(1);
    for (int i = 0; i < 10; ++i) labels.push_back(2);
    budget b;
    const auto k = b.select(labelled(labels, 3), column(std::vector<double>(100)));
    BOOST_TEST(k.size() == 10u);
    std::size_t per[3] = {0, 0, 0};
    for (auto f : k) ++per[labels[f]];
    BOOST_TEST(per[0] == 6u);
    BOOST_TEST(per[1] == 3u);
    BOOST_TEST(per[2] == 1u);
    budget two;
    two.count = 2; // more clusters than the budget: the two largest get one each
    const auto k2 = two.select(labelled(labels, 3), column(std::vector<double>(100)));
    BOOST_TEST(k2 == (std::vector<std::size_t>{30, 75}), boost::test_tools::per_element());
    budget all;
    all.count = 1000; // never more than every frame
    BOOST_TEST(all.select(labelled(labels, 3), column(std::vector<double>(100))).size() == 100u);
}

BOOST_AUTO_TEST_CASE(kmeans_reaches_a_lloyd_fixed_point) {
    std::mt19937 rng(12);
    std::normal_distribution<double> n(0, 1);
    point_matrix p = point_matrix::from_shape({300, 2});
    for (std::size_t i = 0; i < 300; ++i) {
        p(i, 0) = n(rng) + 10.0 * double(i % 3);
        p(i, 1) = n(rng) - 7.0 * double(i % 3);
    }
    const auto r = kmeans{.k = 3}.cluster(p);
    BOOST_TEST_REQUIRE(r.cluster_count() == 3u);
    for (std::size_t k = 0; k < 3; ++k) {
        double sx = 0, sy = 0;
        std::size_t c = 0;
        for (std::size_t i = 0; i < 300; ++i)
            if (r.labels[i] == k) {
                sx += p(i, 0);
                sy += p(i, 1);
                ++c;
            }
        BOOST_TEST(std::fabs(r.centres(k, 0) - sx / c) < 1e-9);
        BOOST_TEST(std::fabs(r.centres(k, 1) - sy / c) < 1e-9);
    }
    for (std::size_t i = 0; i < 300; ++i) {
        BOOST_TEST(r.labels[i] == r.labels[i % 3]); // the three blobs are recovered
        double best = 1e300;
        std::size_t arg = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            const double d =
                std::pow(p(i, 0) - r.centres(k, 0), 2) + std::pow(p(i, 1) - r.centres(k, 1), 2);
            if (d < best) {
                best = d;
                arg = k;
            }
        }
        BOOST_TEST(r.labels[i] == arg);
    }
    // Fewer distinct points than k: as many clusters as distinct points.
    const auto few = kmeans{.k = 5}.cluster(column({1, 1, 2, 2}));
    BOOST_TEST(few.cluster_count() == 2u);
}

BOOST_AUTO_TEST_CASE(shot_threshold_cuts_at_jumps) {
    const auto r =
        shot_threshold{.threshold = 5.0}.cluster(column({1, 2, 3, 20, 21, 22, 22, 3, 4}));
    BOOST_TEST(r.labels == (std::vector<std::size_t>{0, 0, 0, 1, 1, 1, 1, 2, 2}),
               boost::test_tools::per_element());
    BOOST_TEST(r.centres(1, 0) == 21.25);
    BOOST_TEST(r.bandwidth == 5.0);
}
