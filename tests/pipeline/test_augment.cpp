#define BOOST_TEST_MODULE pipeline_augment
#include <boost/test/unit_test.hpp>

// The crop sampler: every sample is an exact patch of one of the keyframes' views (found by a
// naive search over every view, position and orientation), mirrored about half the time, at
// positions that reach both edges; a step's batch depends only on (seed, step). The frames
// training holds out: never a keyframe, spread over the video, gathered as training pairs.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "keychroma/pipeline/augment.hpp"
#include "keychroma/pipeline/train.hpp"
#include "keychroma/pipeline/working_size.hpp"
#include "memory_video.hpp"

using namespace keychroma;
using namespace keychroma::pipeline;

namespace {

/// A frame with a different colour at every pixel (so a patch's position is unambiguous).
rgb8_image gradient_frame(std::size_t w, std::size_t h, std::uint8_t tint) {
    rgb8_image img({h, w, std::size_t{3}});
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            img(y, x, 0) = static_cast<std::uint8_t>(x * 255 / (w - 1));
            img(y, x, 1) = static_cast<std::uint8_t>(y * 255 / (h - 1));
            img(y, x, 2) = tint;
        }
    return img;
}

struct placement {
    std::size_t view, top, left;
    bool mirrored;
};

/// Where sample i of (x, y) comes from, searching every view, position and orientation.
std::vector<placement> find_sample(const std::vector<training_pair>& views,
                                   const nn::host_tensor& x, const nn::host_tensor& y,
                                   std::size_t i) {
    const std::size_t h = x.shape()[1], w = x.shape()[2];
    std::vector<placement> found;
    for (std::size_t v = 0; v < views.size(); ++v) {
        const auto& in = views[v].input;
        const auto& target = views[v].target;
        const std::size_t vh = in.shape()[0], vw = in.shape()[1];
        if (vh < h || vw < w) continue;
        for (std::size_t top = 0; top + h <= vh; ++top)
            for (std::size_t left = 0; left + w <= vw; ++left)
                for (bool mirrored : {false, true}) {
                    bool same = true;
                    for (std::size_t r = 0; same && r < h; ++r)
                        for (std::size_t c = 0; same && c < w; ++c) {
                            const std::size_t sc = left + (mirrored ? w - 1 - c : c);
                            same = x(i, r, c, 0) == in(top + r, sc) &&
                                   y(i, r, c, 0) == target(0, top + r, sc) &&
                                   y(i, r, c, 1) == target(1, top + r, sc);
                        }
                    if (same) found.push_back({v, top, left, mirrored});
                }
    }
    return found;
}

} // namespace

BOOST_AUTO_TEST_CASE(samples_are_patches_of_the_views) {
    const std::vector<rgb8_image> keys{gradient_frame(64, 48, 10), gradient_frame(64, 48, 200)};
    augmentation aug;
    aug.scales = {1.0, 1.5};
    aug.patch = 0.5;
    const image_size working{32, 32}; // frames 64x48 -> views 32x24 and 48x32 (36 cropped to 8s)
    const crop_sampler sampler(keys, working, frame_fit::scale, aug, 4, 7, /*flip=*/true);
    BOOST_TEST(sampler.patch_size().width == 16u);
    BOOST_TEST(sampler.patch_size().height == 8u); // 12 rounded down to a multiple of 8

    // The views, made independently of the sampler in the same order (keyframe, then scale).
    std::vector<training_pair> views;
    for (const auto& k : keys)
        for (const image_size v : {image_size{32, 32}, image_size{48, 48}}) // 32x24, 48x32
            views.push_back(make_training_pair(k, v, frame_fit::scale));

    nn::host_tensor x, y;
    std::size_t mirrored = 0, samples = 0;
    std::vector<bool> view_used(views.size(), false);
    bool left_edge = false, right_edge = false;
    for (std::uint64_t step = 1; step <= 60; ++step) {
        sampler.fill(step, x, y);
        BOOST_TEST_REQUIRE(x.shape()[0] == 4u);
        BOOST_TEST_REQUIRE(y.shape()[3] == 2u);
        for (std::size_t i = 0; i < 4; ++i) {
            const auto found = find_sample(views, x, y, i);
            BOOST_TEST_REQUIRE(!found.empty(), "step " << step << " sample " << i);
            // the gradient frames make every patch unique up to the two tints' identical L
            const auto& p = found.front();
            view_used[p.view] = true;
            mirrored += p.mirrored;
            left_edge |= p.left == 0;
            right_edge |= p.left + 16 == views[p.view].input.shape()[1];
            ++samples;
        }
    }
    BOOST_TEST(left_edge);
    BOOST_TEST(right_edge);
    for (std::size_t v = 0; v < views.size(); ++v) BOOST_TEST(view_used[v], "view " << v);
    // 240 fair coin flips: outside [80, 160] has probability below 1e-6.
    BOOST_TEST(mirrored >= 80u);
    BOOST_TEST(mirrored <= 160u);
    BOOST_TEST(samples == 240u);
}

BOOST_AUTO_TEST_CASE(a_step_is_a_function_of_seed_and_step) {
    const std::vector<rgb8_image> keys{gradient_frame(40, 40, 90)};
    augmentation aug;
    aug.scales = {1.0, 1.25};
    aug.patch = 0.5;
    const crop_sampler a(keys, {32, 32}, frame_fit::scale, aug, 3, 11);
    const crop_sampler b(keys, {32, 32}, frame_fit::scale, aug, 3, 11);
    const crop_sampler other_seed(keys, {32, 32}, frame_fit::scale, aug, 3, 12);
    nn::host_tensor x1, y1, x2, y2, x3, y3;
    a.fill(5, x1, y1);
    a.fill(6, x3, y3); // another step in between changes nothing
    b.fill(5, x2, y2);
    BOOST_TEST((x1 == x2));
    BOOST_TEST((y1 == y2));
    BOOST_TEST((x1 != x3));
    other_seed.fill(5, x3, y3);
    BOOST_TEST((x1 != x3));
}

BOOST_AUTO_TEST_CASE(without_augmentation_a_batch_is_distinct_training_pairs) {
    // scale 1, patch 1, no flip: a keyframe has one sample, its training pair, so a batch of 5
    // from 3 keyframes is the 3 pairs, each once, in an order that changes with the step.
    const std::vector<rgb8_image> keys{gradient_frame(48, 32, 30), gradient_frame(48, 32, 120),
                                       gradient_frame(48, 32, 250)};
    const crop_sampler s(keys, {24, 16}, frame_fit::scale, augmentation{}, 5, 1);
    BOOST_TEST(s.batch() == 3u);
    std::vector<training_pair> pairs;
    for (const auto& k : keys) pairs.push_back(make_training_pair(k, {24, 16}, frame_fit::scale));
    nn::host_tensor x, y;
    std::vector<std::size_t> first_of_step;
    for (std::uint64_t step = 1; step <= 12; ++step) {
        s.fill(step, x, y);
        BOOST_TEST_REQUIRE(x.shape()[0] == 3u);
        std::vector<bool> seen(3, false);
        for (std::size_t i = 0; i < 3; ++i) {
            const auto found = find_sample(pairs, x, y, i);
            BOOST_TEST_REQUIRE(found.size() == 1u);
            BOOST_TEST(!found[0].mirrored);
            BOOST_TEST(!seen[found[0].view], "step " << step << ": a pair twice");
            seen[found[0].view] = true;
            if (i == 0) first_of_step.push_back(found[0].view);
        }
    }
    // the order is shuffled per step: over 12 steps, more than one keyframe comes first
    BOOST_TEST(std::count(first_of_step.begin(), first_of_step.end(), first_of_step[0]) < 12);
}

BOOST_AUTO_TEST_CASE(impossible_augmentations_are_refused) {
    const std::vector<rgb8_image> keys{gradient_frame(64, 64, 0)};
    augmentation aug;
    aug.scales = {0.5}; // a view smaller than the patch
    BOOST_CHECK_THROW(crop_sampler(keys, {32, 32}, frame_fit::scale, aug, 2, 1), config_error);
    aug.scales = {};
    BOOST_CHECK_THROW(crop_sampler(keys, {32, 32}, frame_fit::scale, aug, 2, 1), config_error);
    aug.scales = {1.0};
    aug.patch = 0.1; // 3 pixels
    BOOST_CHECK_THROW(crop_sampler(keys, {32, 32}, frame_fit::scale, aug, 2, 1), config_error);
    BOOST_CHECK_THROW(crop_sampler({}, {32, 32}, frame_fit::scale, augmentation{}, 2, 1),
                      config_error);
    BOOST_CHECK_THROW(crop_sampler(keys, {32, 32}, frame_fit::scale, augmentation{}, 0, 1),
                      config_error);
}

BOOST_AUTO_TEST_CASE(held_out_frames_avoid_keyframes_and_spread_over_the_video) {
    // the non-keyframes 1..49, 51..99 (98) in 4 stretches of 24.5: their middles are the
    // non-keyframes of rank 12, 36, 61, 85
    BOOST_TEST((held_out_frames(100, {0, 50}, 4) == std::vector<std::size_t>{13, 37, 63, 87}));
    // non-keyframes 1 3 4 5 7 8 9, 3 stretches of 7/3: ranks 1, 3, 5
    BOOST_TEST((held_out_frames(12, {0, 2, 6, 10, 11}, 3) == std::vector<std::size_t>{3, 5, 8}));
    // more asked than there are non-keyframes: each non-keyframe once
    BOOST_TEST((held_out_frames(5, {1, 3}, 10) == std::vector<std::size_t>{0, 2, 4}));
    BOOST_TEST(held_out_frames(3, {0, 1, 2}, 2).empty());
    BOOST_TEST(held_out_frames(100, {5}, 0).empty());
    // a long video: ascending, no keyframe, each within half a stretch of its stretch's middle
    std::vector<std::size_t> keys;
    for (std::size_t k = 0; k < 10000; k += 30) keys.push_back(k);
    const auto h = held_out_frames(10000, keys, 200);
    BOOST_TEST_REQUIRE(h.size() == 200u);
    for (std::size_t i = 0; i < h.size(); ++i) {
        BOOST_TEST(!std::binary_search(keys.begin(), keys.end(), h[i]));
        if (i > 0) BOOST_TEST(h[i] > h[i - 1]);
        const double middle = 25.0 + 50.0 * double(i), off = double(h[i]) - middle;
        BOOST_TEST(std::abs(off) < 25.0, "held-out frame " << h[i] << " for stretch " << i);
    }
    BOOST_CHECK_THROW((void)held_out_frames(10000, keys, max_held_out_frames + 1),
                      keychroma::config_error);
}

BOOST_AUTO_TEST_CASE(gathering_splits_keyframes_from_held_out_pairs) {
    std::vector<rgb8_image> video;
    for (std::uint8_t i = 0; i < 12; ++i)
        video.push_back(gradient_frame(32, 16, std::uint8_t(i * 20)));
    test::memory_source source(video);
    train_options o;
    o.working = {16, 8};
    const std::vector<std::size_t> keys{2, 7}, held{0, 5, 11};
    const auto g = gather_training_frames(source, keys, held, o);
    BOOST_TEST_REQUIRE(g.keyframes.size() == 2u);
    BOOST_TEST((g.keyframes[0] == video[2]));
    BOOST_TEST((g.keyframes[1] == video[7]));
    BOOST_TEST_REQUIRE(g.held_out.size() == 3u);
    const std::size_t plane = 16 * 8;
    for (std::size_t i = 0; i < held.size(); ++i) {
        const auto p = make_training_pair(video[held[i]], o.working, o.fit);
        for (std::size_t k = 0; k < plane; ++k) {
            BOOST_TEST(g.held_out.inputs.data()[i * plane + k] == p.input.data()[k]);
            BOOST_TEST(g.held_out.targets.data()[(i * plane + k) * 2] == p.target.data()[k]);
            BOOST_TEST(g.held_out.targets.data()[(i * plane + k) * 2 + 1] ==
                       p.target.data()[plane + k]);
        }
    }
}
