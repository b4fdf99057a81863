#define BOOST_TEST_MODULE keyframes_extractor
#include <boost/test/unit_test.hpp>

// The composed extractor on small in-memory videos: edge cases (empty, one frame, identical
// frames, fewer frames than the step) and the paper's pipeline against a naive computation.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/report/cluster_plot.hpp"

using namespace keychroma;
using namespace keychroma::keyframes;

namespace {

/// A frame source over frames held in memory.
class memory_source {
public:
    explicit memory_source(std::vector<rgb8_image> frames) : frames_(std::move(frames)) {}
    [[nodiscard]] io::video_info info() const {
        io::video_info i;
        if (!frames_.empty()) {
            i.width = frames_[0].shape()[1];
            i.height = frames_[0].shape()[0];
        }
        i.frame_count = static_cast<std::int64_t>(frames_.size());
        i.format = "memory";
        return i;
    }
    bool next(rgb8_image& frame) {
        if (pos_ >= frames_.size()) return false;
        frame = frames_[pos_++];
        return true;
    }

private:
    std::vector<rgb8_image> frames_;
    std::size_t pos_ = 0;
};
static_assert(io::frame_source<memory_source>);

/// A 16x16 frame whose first `dark` pixels are near-black and the rest bright, with noise.
rgb8_image frame_with_dark(std::size_t dark, std::mt19937& rng) {
    rgb8_image f = rgb8_image::from_shape({16, 16, 3});
    std::uniform_int_distribution<int> lo(0, 31), hi(32, 255);
    for (std::size_t i = 0; i < 256; ++i)
        for (int c = 0; c < 3; ++c)
            f.data()[3 * i + c] = static_cast<std::uint8_t>(i < dark ? lo(rng) : hi(rng));
    return f;
}

std::vector<rgb8_image> identical(std::size_t n) {
    std::mt19937 rng(1);
    const auto f = frame_with_dark(40, rng);
    return std::vector<rgb8_image>(n, f);
}

} // namespace

BOOST_AUTO_TEST_CASE(empty_video_is_a_clear_error) {
    memory_source src({});
    try {
        (void)paper::keyframe_extractor{}(src);
        BOOST_FAIL("no exception");
    } catch (const keychroma::format_error& e) {
        BOOST_TEST(std::string(e.what()).find("no frames") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(one_frame_gives_one_keyframe) {
    memory_source src(identical(1));
    const auto r = paper::keyframe_extractor{}(src);
    BOOST_TEST(r.frame_count == 1u);
    BOOST_TEST(r.clusters.cluster_count() == 1u);
    BOOST_TEST(r.keyframes == std::vector<std::size_t>{0}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(identical_frames_form_one_cluster_every_30th_is_a_keyframe) {
    memory_source src(identical(95));
    const auto r = paper::keyframe_extractor{}(src);
    BOOST_TEST(r.clusters.cluster_count() == 1u);
    BOOST_TEST(r.clusters.bandwidth == 0.0);
    BOOST_TEST(r.keyframes == (std::vector<std::size_t>{0, 30, 60, 90}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(fewer_frames_than_the_step_give_the_first_of_each_cluster) {
    std::mt19937 rng(3);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 6; ++i) frames.push_back(frame_with_dark(0, rng));   // 10,000
    for (int i = 0; i < 5; ++i) frames.push_back(frame_with_dark(200, rng)); // dark
    memory_source src(frames);
    const auto r = paper::keyframe_extractor{}(src);
    BOOST_TEST_REQUIRE(r.clusters.cluster_count() == 2u);
    BOOST_TEST(r.keyframes == (std::vector<std::size_t>{0, 6}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(paper_pipeline_matches_naive_computation) {
    // Three "scenes" of different darkness, interleaved in time.
    std::mt19937 rng(11);
    std::vector<rgb8_image> frames;
    std::vector<std::size_t> dark;
    for (int i = 0; i < 120; ++i) {
        const std::size_t base = (i / 20) % 3 == 0 ? 0 : ((i / 20) % 3 == 1 ? 64 : 192);
        const std::size_t d = base == 0 ? 0 : base + static_cast<std::size_t>(rng() % 5);
        dark.push_back(d);
        frames.push_back(frame_with_dark(d, rng));
    }
    memory_source src(frames);
    const auto r = paper::keyframe_extractor{}(src);
    // Naive: distance = 10000 sqrt(1 - sqrt(p0)).
    std::vector<double> naive(frames.size());
    point_matrix pts = point_matrix::from_shape({frames.size(), 1});
    for (std::size_t i = 0; i < frames.size(); ++i) {
        naive[i] = 10000.0 * std::sqrt(1.0 - std::sqrt(double(dark[i]) / 256.0));
        pts(i, 0) = naive[i];
        BOOST_TEST(std::fabs(r.features.distance[i] - naive[i]) < 1e-9);
    }
    // Clustering of the naive distances through the general path, then every 30th.
    const auto c = mean_shift<>{}.cluster_general(pts);
    BOOST_TEST(r.clusters.labels == c.labels, boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(r.clusters.cluster_count() == 3u);
    std::vector<std::size_t> want;
    for (std::size_t k = 0; k < 3; ++k) {
        std::size_t seen = 0;
        for (std::size_t i = 0; i < frames.size(); ++i)
            if (c.labels[i] == k && seen++ % 30 == 0) want.push_back(i);
    }
    std::sort(want.begin(), want.end());
    BOOST_TEST(r.keyframes == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(kept_pixels_are_the_keyframes) {
    std::mt19937 rng(5);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 40; ++i) frames.push_back(frame_with_dark(i < 20 ? 0 : 128, rng));
    memory_source src(frames);
    const auto r = paper::keyframe_extractor{}(src, keep_as_is{});
    BOOST_TEST_REQUIRE(r.keyframe_images.size() == r.keyframes.size());
    for (std::size_t k = 0; k < r.keyframes.size(); ++k)
        BOOST_TEST(r.keyframe_images[k] == frames[r.keyframes[k]]);
    memory_source again(frames);
    const auto second = gather_frames(again, r.keyframes);
    BOOST_TEST_REQUIRE(second.size() == r.keyframes.size());
    for (std::size_t k = 0; k < r.keyframes.size(); ++k)
        BOOST_TEST(second[k] == frames[r.keyframes[k]]);
}

BOOST_AUTO_TEST_CASE(kept_pixels_at_a_working_size) {
    std::mt19937 rng(6);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 40; ++i) frames.push_back(frame_with_dark(i < 20 ? 0 : 128, rng));
    memory_source src(frames);
    const auto r = paper::keyframe_extractor{}(src, fit_to{{8, 4}});
    BOOST_TEST_REQUIRE(r.keyframe_images.size() == r.keyframes.size());
    for (std::size_t k = 0; k < r.keyframes.size(); ++k) {
        BOOST_TEST(r.keyframe_images[k].shape()[0] == 4u);
        BOOST_TEST(r.keyframe_images[k].shape()[1] == 8u);
        BOOST_TEST(r.keyframe_images[k] == resize_area(frames[r.keyframes[k]], {8, 4}));
    }
    memory_source again(frames);
    const auto big = gather_frames(again, r.keyframes, fit_to{{32, 32}});
    BOOST_TEST(big[0] == resize_bilinear(frames[r.keyframes[0]], {32, 32}));
}

BOOST_AUTO_TEST_CASE(other_policies_compose) {
    std::mt19937 rng(9);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 60; ++i) frames.push_back(frame_with_dark(i < 30 ? 10 : 150, rng));
    {
        memory_source src(frames);
        keyframe_extractor<hsv_uniform<8, 4, 4>, mean_reference, jensen_shannon, kmeans,
                           medoid_per_cluster>
            ex;
        ex.clustering.k = 2;
        const auto r = ex(src);
        BOOST_TEST(r.clusters.cluster_count() == 2u);
        BOOST_TEST(r.keyframes.size() == 2u);
        BOOST_TEST(r.clusters.labels[0] != r.clusters.labels[59]);
    }
    {
        // Two shots of identical frames: one jump, above mean + 3 sd of all jumps.
        std::vector<rgb8_image> shots(30, frames[0]);
        shots.insert(shots.end(), 30, frames[59]);
        memory_source src(shots);
        keyframe_extractor<luma_uniform<16>, black_reference, l1, shot_threshold, budget> ex;
        ex.selection.count = 4;
        const auto r = ex(src);
        BOOST_TEST(r.clusters.cluster_count() == 2u); // one cut at frame 30
        BOOST_TEST(r.clusters.labels[29] == 0u);
        BOOST_TEST(r.clusters.labels[30] == 1u);
        BOOST_TEST(r.keyframes.size() == 4u);
    }
    {
        memory_source src(frames);
        keyframe_extractor<rgb_uniform<4>, no_reference, hellinger,
                           mean_shift<flat_kernel, binned_seeds>, every_nth>
            ex;
        const auto r = ex(src);
        BOOST_TEST(r.features.points.shape()[1] == 64u);
        BOOST_TEST(r.clusters.cluster_count() >= 1u);
    }
    BOOST_TEST(paper::keyframe_extractor{}.description() ==
               "rgb8/black/hellingerx10000/mean-shift(q=0.3)/every(30)");
}

// Shots of a synthetic video, and keyframes where the colour is: 40 gray frames, 20 of strong
// colour, 40 of faint colour (noise around one colour each, so that every shot is one cluster).
// The feature pass measures each frame's gray error as gray_error() does on the frame; the
// colour budget spends none of its 6 keyframes on the gray shot, most on the strong one, while
// the budget by size gives the gray shot 3.
BOOST_AUTO_TEST_CASE(colour_budget_spends_keyframes_on_the_coloured_shots) {
    std::mt19937 rng(41);
    std::uniform_int_distribution<int> noise(-8, 8);
    const auto shot = [&](std::size_t n, int r, int g, int b) {
        std::vector<rgb8_image> out;
        for (std::size_t k = 0; k < n; ++k) {
            rgb8_image f = rgb8_image::from_shape({24, 24, 3});
            for (std::size_t i = 0; i < 24 * 24; ++i) {
                const int d = noise(rng);
                f.data()[3 * i] = std::uint8_t(r + d);
                f.data()[3 * i + 1] = std::uint8_t(g + d);
                f.data()[3 * i + 2] = std::uint8_t(b + d);
            }
            out.push_back(std::move(f));
        }
        return out;
    };
    std::vector<rgb8_image> video = shot(40, 128, 128, 128);
    for (auto& f : shot(20, 200, 60, 40)) video.push_back(std::move(f));
    for (auto& f : shot(40, 110, 140, 120)) video.push_back(std::move(f));

    keyframe_extractor<rgb_uniform<8>, no_reference, hellinger, shot_threshold, colour_budget> ex;
    ex.selection.count = 6;
    memory_source src(video);
    const auto r = ex(src);
    BOOST_TEST_REQUIRE(r.clusters.cluster_count() == 3u);
    BOOST_TEST_REQUIRE(r.features.gray_error.size() == 100u);
    for (std::size_t i = 0; i < 100; ++i)
        BOOST_TEST(r.features.gray_error[i] == gray_error(video[i]));
    std::size_t per_shot[3] = {0, 0, 0};
    for (auto f : r.keyframes) ++per_shot[f < 40 ? 0 : (f < 60 ? 1 : 2)];
    BOOST_TEST(r.keyframes.size() == 6u);
    BOOST_TEST(per_shot[0] == 0u);
    BOOST_TEST(per_shot[1] > per_shot[2]);
    BOOST_TEST(per_shot[2] >= 1u);

    keyframe_extractor<rgb_uniform<8>, no_reference, hellinger, shot_threshold, budget> by_size;
    by_size.selection.count = 6;
    memory_source again(video);
    const auto s = by_size(again);
    std::size_t gray_shot = 0;
    for (auto f : s.keyframes) gray_shot += f < 40;
    // one each, then D'Hondt: 40 (a tie, the lower index), 40, 13.3 (a tie)
    BOOST_TEST(gray_shot == 3u);
    // a selection that does not read gray errors does not pay for them
    BOOST_TEST(s.features.gray_error.empty());
    BOOST_TEST(reads_gray_error(any_selection(colour_budget{})));
    BOOST_TEST(!reads_gray_error(any_selection(budget{})));

    // Points from stored histograms carry no gray error: a clear error, not a guess.
    memory_source third(video);
    BOOST_CHECK_THROW((void)ex.from_histograms(read_histograms(third, ex.binning)),
                      keychroma::config_error);
}

// Stages chosen at run time (any_policy.hpp, registry.hpp): an extractor the registry makes from
// names and values extracts exactly what the extractor of the same policies as types does, and
// describes itself the same way.
BOOST_AUTO_TEST_CASE(registry_extractor_equals_the_typed_extractor) {
    namespace reg = keyframes::registry;
    std::mt19937 rng(21);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 90; ++i)
        frames.push_back(frame_with_dark(i < 30 ? 10 : (i < 60 ? 150 : 240), rng));
    const auto same = [&](const auto& typed, const reg::extractor_choice& choice) {
        const reg::any_extractor chosen = reg::make_extractor(choice);
        BOOST_TEST(chosen.description() == typed.description());
        memory_source a(frames), b(frames);
        const auto want = typed(a);
        const auto got = chosen(b);
        BOOST_TEST(got.features.distance == want.features.distance,
                   boost::test_tools::per_element());
        BOOST_TEST((got.features.points == want.features.points));
        BOOST_TEST(got.features.gray_error == want.features.gray_error,
                   boost::test_tools::per_element());
        BOOST_TEST(got.clusters.labels == want.clusters.labels, boost::test_tools::per_element());
        BOOST_TEST(got.keyframes == want.keyframes, boost::test_tools::per_element());
        BOOST_TEST((got.clusters.bandwidth == want.clusters.bandwidth ||
                    (std::isnan(got.clusters.bandwidth) && std::isnan(want.clusters.bandwidth))));
    };
    {
        reg::extractor_choice paper_choice{"rgb8", "black", "hellinger", "mean-shift", "every", {}};
        paper_choice.values.scale = 10000;
        same(paper::keyframe_extractor{}, paper_choice);
    }
    {
        keyframe_extractor<hsv_uniform<8, 4, 4>, mean_reference, scaled<jensen_shannon>, kmeans,
                           medoid_per_cluster>
            typed;
        typed.distance.factor = 1000;
        typed.clustering.k = 2;
        reg::extractor_choice c{"hsv", "mean", "jensen-shannon", "kmeans", "medoid", {}};
        c.values.scale = 1000;
        c.values.clusters = 2;
        same(typed, c);
    }
    {
        keyframe_extractor<rgb_uniform<4>, no_reference, hellinger,
                           mean_shift<flat_kernel, binned_seeds>, every_nth>
            typed;
        typed.clustering.min_bin_freq = 3;
        typed.selection.step = 7;
        reg::extractor_choice c{"rgb4", "none", "hellinger", "mean-shift-binned", "every", {}};
        c.values.min_bin_freq = 3;
        c.values.step = 7;
        same(typed, c);
    }
    {
        keyframe_extractor<luma_uniform<32>, previous_frame, l1, shot_threshold, budget> typed;
        typed.selection.count = 4;
        reg::extractor_choice c{"luma", "previous", "l1", "shots", "budget", {}};
        c.values.budget_count = 4;
        same(typed, c);
    }
    {
        keyframe_extractor<rgb_uniform<8>, no_reference, hellinger, shot_threshold, colour_budget>
            typed;
        typed.selection.count = 5;
        reg::extractor_choice c{"rgb8", "none", "hellinger", "shots", "colour-budget", {}};
        c.values.budget_count = 5;
        same(typed, c);
    }
}

// The registry offers each policy under the policy's own name(), once: exactly the names the
// tool documents (docs/keyframes.md#the-tool), so a policy renamed or dropped breaks here, not
// in a user's script. An unknown name or an empty stage is a configuration error, not a crash;
// a reference chosen at run time streams exactly when the policy it holds does.
BOOST_AUTO_TEST_CASE(registry_names_are_the_policies_names) {
    namespace reg = keyframes::registry;
    using names = std::vector<std::string>;
    BOOST_TEST(reg::names(reg::binnings()) ==
                   (names{"rgb8", "rgb4", "rgb16", "hsv", "lab", "luma"}),
               boost::test_tools::per_element());
    BOOST_TEST(reg::names(reg::references()) == (names{"black", "mean", "previous", "none"}),
               boost::test_tools::per_element());
    BOOST_TEST(reg::names(reg::distances()) ==
                   (names{"hellinger", "chi-square", "chi-square-alt", "intersection", "l1", "l2",
                          "jensen-shannon", "bhattacharyya-coefficient"}),
               boost::test_tools::per_element());
    BOOST_TEST(reg::names(reg::clusterings()) == (names{"mean-shift", "mean-shift-binned",
                                                        "mean-shift-gaussian", "kmeans", "shots"}),
               boost::test_tools::per_element());
    BOOST_TEST(reg::names(reg::selections()) ==
                   (names{"every", "medoid", "budget", "colour-budget"}),
               boost::test_tools::per_element());
    // what the tool's defaults name is the paper's extractor
    BOOST_TEST(reg::make_extractor(paper::keyframe_choice()).description() ==
               paper::keyframe_extractor{}.description());

    reg::extractor_choice bad{"rgb8", "black", "hellinger", "mean-shift", "every", {}};
    bad.clustering = "dbscan";
    try {
        (void)reg::make_extractor(bad);
        BOOST_FAIL("an unknown clustering was accepted");
    } catch (const keychroma::config_error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("'dbscan'") != std::string::npos);
        BOOST_TEST(what.find("mean-shift, ") != std::string::npos);
    }
    BOOST_CHECK_THROW((void)any_binning{}.name(), keychroma::config_error);
    memory_source src(identical(3));
    BOOST_CHECK_THROW((void)reg::any_extractor{}(src), keychroma::config_error);

    const any_binning b(rgb_uniform<8>{});
    const any_distance d(hellinger{});
    BOOST_TEST(b.bins == 512u);
    BOOST_TEST(any_reference(black_reference{}).streams());
    BOOST_TEST(feature_pass(b, any_reference(previous_frame{}), d).streams());
    BOOST_TEST(!any_reference(mean_reference{}).streams());
    BOOST_TEST(!feature_pass(b, any_reference(no_reference{}), d).streams());
}

// description() spells the values a policy runs with, not the ones its type was written with.
BOOST_AUTO_TEST_CASE(descriptions_report_the_values_used) {
    BOOST_TEST(kmeans{.k = 7}.description() == "kmeans(7)");
    BOOST_TEST(any_clustering(kmeans{.k = 7, .seed = 3}).description() == "kmeans(7, seed=3)");
    BOOST_TEST(every_nth{.step = 12}.description() == "every(12)");
    BOOST_TEST(budget{.count = 39}.description() == "budget(39)");
    BOOST_TEST(colour_budget{.count = 39}.description() == "colour-budget(39)");
    BOOST_TEST(colour_budget{.frames_per_keyframe = 10}.description() ==
               "colour-budget(1 per 10 frames)");
    BOOST_TEST((colour_budget{.frames_per_keyframe = 10, .power = 0.25}.description() ==
                "colour-budget(1 per 10 frames, power 0.25)"));
    BOOST_TEST(
        (budget{.count = 3, .frames_per_keyframe = 7}.description() == "budget(1 per 7 frames)"));
    BOOST_TEST(shot_threshold{}.description() == "shots(auto)");
    BOOST_TEST(shot_threshold{.threshold = 2.5}.description() == "shots(2.5)");
    BOOST_TEST(mean_shift<>{.bandwidth = 120}.description() == "mean-shift(bandwidth=120)");
    BOOST_TEST((mean_shift<gaussian_kernel, binned_seeds>{.min_bin_freq = 3}.description() ==
                "mean-shift-gaussian-binned(q=0.3, min=3)"));
    BOOST_TEST(scaled<l2>{.factor = 0.5}.description() == "l2x0.5");
    BOOST_TEST((solid_reference{.colour = {255, 0, 0}}.description() == "solid(255,0,0)"));
    BOOST_TEST((hsv_uniform<8, 4, 4>::name() == "hsv"));
    BOOST_TEST((hsv_uniform<16, 4, 4>::name() == "hsv16x4x4"));
    BOOST_TEST(describe(rgb_uniform<8>{}) == "rgb8");
}

// given_keyframes (keyframes/given.hpp): a list chosen elsewhere, checked against the video.
BOOST_AUTO_TEST_CASE(given_keyframes_are_sorted_and_checked) {
    const given_keyframes given(std::vector<std::size_t>{4, 1});
    memory_source src(identical(6));
    std::size_t seen = 0;
    const auto r = given.scan(src, [&](const rgb8_image&) { ++seen; });
    BOOST_TEST(seen == 6u);
    BOOST_TEST(r.frame_count == 6u);
    BOOST_TEST((r.keyframes == std::vector<std::size_t>{1, 4}));
    BOOST_TEST(r.clusters.labels.size() == 6u);
    BOOST_TEST(r.clusters.cluster_count() == 1u);
    BOOST_TEST(r.features.distance.size() == 6u);
    BOOST_CHECK_THROW(given_keyframes(std::vector<std::size_t>{1, 6}).from_count(6),
                      keychroma::format_error);
    BOOST_CHECK_THROW(given_keyframes(std::vector<std::size_t>{2, 2}).from_count(6),
                      keychroma::format_error);
    BOOST_CHECK_THROW(given_keyframes(std::vector<std::size_t>{}).from_count(6),
                      keychroma::format_error);
    memory_source empty({});
    BOOST_CHECK_THROW(
        (void)given_keyframes(std::vector<std::size_t>{0}).scan(empty, [](const rgb8_image&) {}),
        keychroma::format_error);
}

// A reference that needs no later frame gives each frame its point as the frame arrives
// (feature_pass keeps one number per frame): the points equal a naive computation from each
// frame's histogram, through the stream and through the stored table alike.
BOOST_AUTO_TEST_CASE(streamed_points_equal_naive_points) {
    std::mt19937 rng(13);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 50; ++i) frames.push_back(frame_with_dark((i * 37) % 256, rng));
    const auto as_doubles = [](const std::vector<std::uint32_t>& c) {
        return std::vector<double>(c.begin(), c.end());
    };
    const auto check = [&](auto binning, auto reference, auto distance, auto naive) {
        static_assert(
            streaming_reference<decltype(reference), decltype(binning), decltype(distance)>);
        BOOST_TEST(feature_pass(binning, reference, distance).streams());
        memory_source src(frames), again(frames);
        const auto streamed = read_features(src, binning, reference, distance);
        const auto stored = reference.features(binning, read_histograms(again, binning), distance);
        BOOST_TEST_REQUIRE(streamed.distance.size() == frames.size());
        BOOST_TEST_REQUIRE(streamed.points.shape()[0] == frames.size());
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const double want = naive(i);
            BOOST_TEST(streamed.distance[i] == want);
            BOOST_TEST(streamed.points(i, 0) == want);
            BOOST_TEST(stored.distance[i] == want);
        }
    };
    const auto solid = [&](auto binning, auto distance, std::uint8_t r, std::uint8_t g,
                           std::uint8_t b) {
        return [=](std::size_t i) {
            const auto h = as_doubles(histogram_of(frames[i], binning));
            std::vector<double> ref(h.size(), 0.0);
            ref[binning.bin_of(r, g, b)] = 256.0; // the 16x16 frame's pixels
            return distance(std::span<const double>(h), std::span<const double>(ref));
        };
    };
    check(rgb_uniform<8>{}, black_reference{}, scaled<hellinger>{.factor = 10000},
          solid(rgb_uniform<8>{}, scaled<hellinger>{.factor = 10000}, 0, 0, 0));
    check(hsv_uniform<8, 4, 4>{}, solid_reference{.colour = {255, 255, 255}}, chi_square{},
          solid(hsv_uniform<8, 4, 4>{}, chi_square{}, 255, 255, 255));
    check(luma_uniform<16>{}, previous_frame{}, l1{}, [&](std::size_t i) {
        const auto prev = as_doubles(histogram_of(frames[i == 0 ? 0 : i - 1], luma_uniform<16>{}));
        const auto cur = as_doubles(histogram_of(frames[i], luma_uniform<16>{}));
        return l1{}(std::span<const double>(prev), std::span<const double>(cur));
    });
    static_assert(!streaming_reference<mean_reference, rgb_uniform<8>, hellinger>);
    static_assert(!streaming_reference<no_reference, rgb_uniform<8>, hellinger>);
    BOOST_TEST(!feature_pass(rgb_uniform<8>{}, mean_reference{}, hellinger{}).streams());

    // The extractor's one pass sees every frame once and extracts what the stages give.
    paper::keyframe_extractor extractor;
    memory_source src(frames), again(frames);
    std::size_t seen = 0;
    const auto r = extractor.scan(src, [&](const rgb8_image& f) {
        BOOST_TEST((f == frames[seen]));
        ++seen;
    });
    BOOST_TEST(seen == frames.size());
    const auto staged = extractor.from_histograms(read_histograms(again, extractor.binning));
    BOOST_TEST(r.features.distance == staged.features.distance, boost::test_tools::per_element());
    BOOST_TEST(r.clusters.labels == staged.clusters.labels, boost::test_tools::per_element());
    BOOST_TEST(r.keyframes == staged.keyframes, boost::test_tools::per_element());
}

// clusters.svg (report/cluster_plot.hpp): every frame is drawn up to 3,000 frames; above, one mark
// per pixel a cluster covers, so two million frames make a file of kilobytes, not hundreds of MB.
BOOST_AUTO_TEST_CASE(cluster_plot_draws_every_frame_or_every_pixel_once) {
    const auto plot = [](std::size_t n) {
        std::vector<double> distance(n);
        clustering_result c;
        c.labels.resize(n);
        c.centres = point_matrix::from_shape({2, 1});
        c.centres(0, 0) = 0.0;
        c.centres(1, 0) = 1.0;
        std::vector<std::size_t> keys;
        for (std::size_t i = 0; i < n; ++i) {
            c.labels[i] = i % 2;
            distance[i] = static_cast<double>(i % 2) + 1e-3 * static_cast<double>(i % 7);
            if (i % 30 == 0) keys.push_back(i);
        }
        std::ostringstream s;
        report::write_cluster_plot_svg(s, distance, c, keys);
        return s.str();
    };
    const auto count = [](const std::string& svg, const std::string& what) {
        std::size_t n = 0;
        for (auto p = svg.find(what); p != std::string::npos; p = svg.find(what, p + 1)) ++n;
        return n;
    };
    // the squares of one cluster's path: one "M" each in its d attribute
    const auto squares = [](const std::string& svg, const std::string& colour) {
        const auto start = svg.find("<path fill=\"" + colour + "\" d=\"");
        BOOST_TEST_REQUIRE(start != std::string::npos);
        const auto d = svg.find("d=\"", start) + 3;
        const std::string path = svg.substr(d, svg.find('"', d) - d);
        return static_cast<std::size_t>(std::count(path.begin(), path.end(), 'M'));
    };
    const std::string small = plot(2999);
    BOOST_TEST(squares(small, "#1f77b4") == 1500u);
    BOOST_TEST(squares(small, "#ff7f0e") == 1499u);
    BOOST_TEST(count(small, "<circle") == 100u + 1u); // 100 keyframes + the legend's
    const std::string big = plot(2'000'000);
    BOOST_TEST(big.size() < 1'000'000u);
    // 680 pixel columns; each cluster's points cover every column at up to 7 values (1 pixel
    // apart at most, the plot is 440 pixels high and spans about 1.1 distance units)
    for (const char* colour : {"#1f77b4", "#ff7f0e"}) {
        BOOST_TEST(squares(big, colour) >= 680u);
        BOOST_TEST(squares(big, colour) <= 681u * 7u);
    }
    BOOST_TEST(count(big, "<circle") <= 681u * 7u + 1u);
}
