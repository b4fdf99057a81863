#define BOOST_TEST_MODULE keyframes_policies
#include <boost/test/unit_test.hpp>

// Binnings against naive floating-point definitions, selections and clusterings against brute
// force.

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
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
/// 1-D points `v`, and each frame's gray error.
frame_features features(const std::vector<double>& v, std::vector<double> gray_error = {}) {
    frame_features f;
    f.points = column(v);
    f.gray_error = std::move(gray_error);
    return f;
}
/// Clusters of 60, 30 and 10 frames in that order, whose gray copies lose 1, 10 and 0 a frame.
struct three_clusters {
    std::vector<std::size_t> labels;
    std::vector<double> lost;
    three_clusters() {
        for (int i = 0; i < 60; ++i) labels.push_back(0), lost.push_back(1.0);
        for (int i = 0; i < 30; ++i) labels.push_back(1), lost.push_back(10.0);
        for (int i = 0; i < 10; ++i) labels.push_back(2), lost.push_back(0.0);
    }
    /// How many of `keyframes` each cluster holds.
    [[nodiscard]] std::array<std::size_t, 3>
    per_cluster(const std::vector<std::size_t>& keyframes) const {
        std::array<std::size_t, 3> per{};
        for (auto k : keyframes) ++per[labels[k]];
        return per;
    }
};
} // namespace

BOOST_AUTO_TEST_CASE(every_nth_takes_positions_within_each_cluster) {
    // cluster 0 = even frames, cluster 1 = odd frames, 100 frames.
    std::vector<std::size_t> labels(100);
    for (std::size_t i = 0; i < 100; ++i) labels[i] = i % 2;
    const auto k = every_nth{}.select(labelled(labels, 2), features(std::vector<double>(100)));
    // Even frames: positions 0, 30 -> frames 0, 60; odd: 1, 61.
    BOOST_TEST(k == (std::vector<std::size_t>{0, 1, 60, 61}), boost::test_tools::per_element());
    every_nth five;
    five.step = 25;
    BOOST_TEST(five.select(labelled(labels, 2), features(std::vector<double>(100))).size() == 4u);
}

BOOST_AUTO_TEST_CASE(medoid_equals_brute_force) {
    std::mt19937 rng(8);
    std::vector<double> v(80);
    std::vector<std::size_t> labels(80);
    for (std::size_t i = 0; i < 80; ++i) {
        labels[i] = rng() % 3;
        v[i] = std::uniform_real_distribution<double>(0, 100)(rng) + 200.0 * labels[i];
    }
    const auto got = medoid_per_cluster{}.select(labelled(labels, 3), features(v));
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
    const auto k = b.select(labelled(labels, 3), features(std::vector<double>(100)));
    BOOST_TEST(k.size() == 10u);
    std::size_t per[3] = {0, 0, 0};
    for (auto f : k) ++per[labels[f]];
    BOOST_TEST(per[0] == 6u);
    BOOST_TEST(per[1] == 3u);
    BOOST_TEST(per[2] == 1u);
    budget two;
    two.count = 2; // more clusters than the budget: the two largest get one each
    const auto k2 = two.select(labelled(labels, 3), features(std::vector<double>(100)));
    BOOST_TEST(k2 == (std::vector<std::size_t>{30, 75}), boost::test_tools::per_element());
    budget all;
    all.count = 1000; // never more than every frame
    BOOST_TEST(all.select(labelled(labels, 3), features(std::vector<double>(100))).size() == 100u);
}

// Neyman's allocation by hand: clusters of 60, 30 and 10 frames whose gray copies lose 1, 10
// and 0 per frame weigh sqrt(60 * 60) = 60, sqrt(30 * 300) = 94.9 and 0; D'Hondt's quotients
// for 9 seats, largest first: 94.9 (1), 60 (0), 47.4 (1), 31.6 (1), 30 (0), 23.7 (1), 20 (0),
// 19.0 (1), 15.8 (1): 3 and 6 seats, none for the colourless cluster, each share at the middles
// of equal parts of its frames.
BOOST_AUTO_TEST_CASE(colour_budget_is_neyman_allocation) {
    const three_clusters clusters;
    const auto& labels = clusters.labels;
    auto lost = clusters.lost;
    const std::vector<double> v(100);
    const auto k = colour_budget{.count = 9}.select(labelled(labels, 3), features(v, lost));
    BOOST_TEST(k == (std::vector<std::size_t>{10, 30, 50, 62, 67, 72, 77, 82, 87}),
               boost::test_tools::per_element());
    // A cluster's weight is its total, not its frames' count: the same 30 frames' loss on 3 of
    // them (100 each) weighs as much.
    for (int i = 60; i < 90; ++i) lost[i] = i < 63 ? 100.0 : 0.0;
    const auto same = colour_budget{.count = 9}.select(labelled(labels, 3), features(v, lost));
    BOOST_TEST(clusters.per_cluster(same)[1] == 6u);
    // Never more keyframes than the frames of clusters with colour.
    BOOST_TEST(colour_budget{.count = 1000}.select(labelled(labels, 3), features(v, lost)).size() ==
               90u);
    // No colour anywhere: shared by size (quotients 60; 30 and 30, a tie to the lower index;
    // 30; 20).
    const std::vector<double> gray(100, 0.0);
    const auto by_size = colour_budget{.count = 4}.select(labelled(labels, 3), features(v, gray));
    const auto per = clusters.per_cluster(by_size);
    BOOST_TEST(per[0] == 3u);
    BOOST_TEST(per[1] == 1u);
    BOOST_TEST(per[2] == 0u);
    // Without each frame's gray error, or with a budget of 0: a configuration error.
    BOOST_CHECK_THROW((void)colour_budget{}.select(labelled(labels, 3), features(v)),
                      keychroma::config_error);
    BOOST_CHECK_THROW(
        (void)colour_budget{.count = 0}.select(labelled(labels, 3), features(v, lost)),
        keychroma::config_error);
}

// The power of a cluster's mean loss, by hand on the clusters above (60 frames losing 1 each,
// 30 losing 10, 10 none): at 1/4 they weigh 60 * 1 = 60 and 30 * 10^(1/4) = 53.3, and D'Hondt's
// 9 quotients, largest first, are 60 (0), 53.3 (1), 30 (0), 26.7 (1), 20 (0), 17.8 (1), 15 (0),
// 13.3 (1), 12 (0): 5 and 4 seats. At 0 the weights are the sizes among the clusters with colour:
// 6 and 3. A negative or non-finite power is a configuration error.
BOOST_AUTO_TEST_CASE(colour_budget_power_moves_seats_toward_colour) {
    const three_clusters clusters;
    const auto c = labelled(clusters.labels, 3);
    const auto f = features(std::vector<double>(100), clusters.lost);
    const colour_budget quarter{.count = 9, .power = 0.25};
    BOOST_TEST(quarter.select(c, f) ==
                   (std::vector<std::size_t>{6, 18, 30, 42, 54, 63, 71, 78, 86}),
               boost::test_tools::per_element());
    const colour_budget sizes{.count = 9, .power = 0};
    const auto per = clusters.per_cluster(sizes.select(c, f));
    BOOST_TEST(per[0] == 6u);
    BOOST_TEST(per[1] == 3u);
    BOOST_TEST(per[2] == 0u);
    for (double bad :
         {-0.25, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
        BOOST_CHECK_THROW((void)colour_budget{.power = bad}.select(c, f), keychroma::config_error);
}

// A budget that follows the clip's length: one keyframe per N frames, rounded up, spent as the
// fixed budget of that many would be -- the 100 frames above at one per 11 are 10 keyframes
// (ceil(100 / 11)), at one per 10 as well, at one per 12 nine; a count given beside it is not
// read (0 would be refused on its own).
BOOST_AUTO_TEST_CASE(a_budget_per_frames_follows_the_length) {
    const three_clusters clusters;
    const auto c = labelled(clusters.labels, 3);
    const auto f = features(std::vector<double>(100), clusters.lost);
    for (const auto& [per, want] : {std::pair{11u, 10u}, std::pair{10u, 10u}, std::pair{12u, 9u},
                                    std::pair{1u, 100u}, std::pair{1000u, 1u}}) {
        const budget by_size_per{.count = 0, .frames_per_keyframe = per};
        const colour_budget by_colour_per{.count = 0, .frames_per_keyframe = per};
        BOOST_TEST(by_size_per.select(c, f) == budget{.count = want}.select(c, f),
                   boost::test_tools::per_element());
        BOOST_TEST(by_colour_per.select(c, f) == colour_budget{.count = want}.select(c, f),
                   boost::test_tools::per_element());
    }
    // the 90 frames with colour at most, however dense the budget
    BOOST_TEST(colour_budget{.frames_per_keyframe = 1}.select(c, f).size() == 90u);
    // a shorter clip, fewer keyframes: the first 60 frames (one cluster) at one per 10
    const auto first = labelled(std::vector<std::size_t>(60, 0), 1);
    BOOST_TEST(colour_budget{.frames_per_keyframe = 10}
                   .select(first, features(std::vector<double>(60),
                                           std::vector<double>(clusters.lost.begin(),
                                                               clusters.lost.begin() + 60)))
                   .size() == 6u);
}

// gray_error against the exact conversions: each sampled pixel's L* (double precision) rounded
// to its transmission code, the gray (L*, 0, 0) of that code in 8-bit sRGB, the squared channel
// differences averaged. A 16x12 frame is read whole; a 300x200 one on every 4th row and column
// (at most 2^12 pixels).
BOOST_AUTO_TEST_CASE(gray_error_equals_the_exact_conversion) {
    std::mt19937 rng(31);
    const auto naive = [](const rgb8_image& f, std::size_t step) {
        double sum = 0;
        std::size_t n = 0;
        for (std::size_t y = 0; y < f.shape()[0]; y += step)
            for (std::size_t x = 0; x < f.shape()[1]; x += step, ++n) {
                const double l =
                    srgb_to_lab_exact({f(y, x, 0) / 255.0, f(y, x, 1) / 255.0, f(y, x, 2) / 255.0})
                        .l;
                const double code = std::clamp(std::nearbyint(l * 255.0 / 100.0), 0.0, 255.0);
                const double gray =
                    std::nearbyint(255.0 * lab_to_srgb_exact({code * 100.0 / 255.0, 0, 0}).g);
                for (int c = 0; c < 3; ++c) sum += (f(y, x, c) - gray) * (f(y, x, c) - gray);
            }
        return sum / (3.0 * double(n));
    };
    for (const auto [h, w, step] : {std::array<std::size_t, 3>{16, 12, 1}, {300, 200, 4}}) {
        BOOST_TEST(gray_error_step(h, w) == step);
        rgb8_image f = rgb8_image::from_shape({h, w, 3});
        for (auto& v : f) v = static_cast<std::uint8_t>(rng());
        BOOST_TEST(gray_error(f) == naive(f, step), boost::test_tools::tolerance(1e-12));
        // A gray picture loses only its L* code's rounding: at most a level, here far less.
        for (std::size_t i = 0; i < h * w; ++i)
            f.data()[3 * i + 1] = f.data()[3 * i + 2] = f.data()[3 * i];
        BOOST_TEST(gray_error(f) == naive(f, step), boost::test_tools::tolerance(1e-12));
        BOOST_TEST(gray_error(f) <= 1.0);
    }
    BOOST_TEST(gray_error_step(1280, 720) == 16u); // 80 x 45 = 3,600 pixels; 15: 86 x 48
    BOOST_TEST(gray_error(rgb8_image::from_shape({0, 0, 3})) == 0.0);
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
