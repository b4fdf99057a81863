#define BOOST_TEST_MODULE keyframes_extractor
#include <boost/test/unit_test.hpp>

// The composed extractor on small in-memory videos: edge cases (empty, one frame, identical
// frames, fewer frames than the step) and the paper's pipeline against a naive computation.

#include <cmath>
#include <random>
#include <vector>

#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"

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
    const auto r = paper::keyframe_extractor{}(src, resize_to{{8, 4}});
    BOOST_TEST_REQUIRE(r.keyframe_images.size() == r.keyframes.size());
    for (std::size_t k = 0; k < r.keyframes.size(); ++k) {
        BOOST_TEST(r.keyframe_images[k].shape()[0] == 4u);
        BOOST_TEST(r.keyframe_images[k].shape()[1] == 8u);
        BOOST_TEST(r.keyframe_images[k] == resize_area(frames[r.keyframes[k]], {8, 4}));
    }
    memory_source again(frames);
    const auto big = gather_frames(again, r.keyframes, resize_to{{32, 32}});
    BOOST_TEST(big[0] == resize_bilinear(frames[r.keyframes[0]], {32, 32}));
}

BOOST_AUTO_TEST_CASE(other_policies_compose) {
    std::mt19937 rng(9);
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 60; ++i) frames.push_back(frame_with_dark(i < 30 ? 10 : 150, rng));
    {
        memory_source src(frames);
        keyframe_extractor<hsv_uniform<8, 4, 4>, mean_reference, jensen_shannon, kmeans<2>,
                           medoid_per_cluster>
            ex;
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
        keyframe_extractor<luma_uniform<16>, black_reference, l1, shot_threshold, budget<4>> ex;
        const auto r = ex(src);
        BOOST_TEST(r.clusters.cluster_count() == 2u); // one cut at frame 30
        BOOST_TEST(r.clusters.labels[29] == 0u);
        BOOST_TEST(r.clusters.labels[30] == 1u);
        BOOST_TEST(r.keyframes.size() == 4u);
    }
    {
        memory_source src(frames);
        keyframe_extractor<rgb_uniform<4>, no_reference, hellinger,
                           mean_shift<flat_kernel, binned_seeds<>>, every_nth<30>>
            ex;
        const auto r = ex(src);
        BOOST_TEST(r.features.points.shape()[1] == 64u);
        BOOST_TEST(r.clusters.cluster_count() >= 1u);
    }
    BOOST_TEST(paper::keyframe_extractor::description() ==
               "rgb8/black/hellingerx10000/mean_shift(flat)/every30");
}

// given_keyframes (keyframes/given.hpp): a list chosen elsewhere, checked against the video.
BOOST_AUTO_TEST_CASE(given_keyframes_are_sorted_and_checked) {
    const auto frames = identical(6);
    const given_keyframes given(std::vector<std::size_t>{4, 1});
    histogram_table table(given_keyframes::bins);
    for (const auto& f : frames) table.add(given.binning, f);
    const auto r = given.from_histograms(table);
    BOOST_TEST(r.frame_count == 6u);
    BOOST_TEST((r.keyframes == std::vector<std::size_t>{1, 4}));
    BOOST_TEST(r.clusters.labels.size() == 6u);
    BOOST_TEST(r.clusters.cluster_count() == 1u);
    BOOST_TEST(r.features.distance.size() == 6u);
    BOOST_CHECK_THROW(given_keyframes(std::vector<std::size_t>{1, 6}).from_histograms(table),
                      keychroma::format_error);
    BOOST_CHECK_THROW(given_keyframes(std::vector<std::size_t>{2, 2}).from_histograms(table),
                      keychroma::format_error);
    BOOST_CHECK_THROW(given_keyframes(std::vector<std::size_t>{}).from_histograms(table),
                      keychroma::format_error);
    BOOST_CHECK_THROW(
        given_keyframes(std::vector<std::size_t>{0}).from_histograms(histogram_table(1)),
        keychroma::format_error);
}
