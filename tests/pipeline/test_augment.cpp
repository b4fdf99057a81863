#define BOOST_TEST_MODULE pipeline_augment
#include <boost/test/unit_test.hpp>

// The crop sampler: every sample is an exact patch of one of the keyframes' views (found by a
// naive search over every view, position and orientation), mirrored about half the time, at
// positions that reach both edges; a step's batch depends only on (seed, step).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "keychroma/pipeline/augment.hpp"
#include "keychroma/pipeline/working_size.hpp"

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
    aug.flip = true;
    const image_size working{32, 32}; // frames 64x48 -> views 32x24 and 48x32 (36 cropped to 8s)
    const crop_sampler sampler(keys, working, frame_fit::scale, aug, 4, 7);
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
