#define BOOST_TEST_MODULE keyframes_shared_pass
#include <boost/test/unit_test.hpp>

// The keyframes' pass shared by several ranks (extractor.hpp: frame_shares, feature_pass,
// read_features with a process_group), the ranks being threads (support/thread_group.hpp):
// every frame has one owner; each rank decodes its own frames and the history() frames before
// them and passes over the rest; and for every reference -- streaming with no history, with one
// frame of history, and the ones that keep the whole table -- the completed points and the
// keyframes equal one process's bit for bit, with blocks of 1 frame, of a few, and of a rank's
// whole share.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"
#include "support/thread_group.hpp"

using namespace keychroma;
using namespace keychroma::keyframes;
using keychroma::test::run_on_ranks;

namespace {

/// Frames held in memory that can be passed over, counting what was decoded and what skipped.
class counting_source {
public:
    counting_source(const std::vector<rgb8_image>& frames, bool known_length)
        : frames_(&frames), known_length_(known_length) {}
    [[nodiscard]] io::video_info info() const {
        io::video_info i;
        i.width = (*frames_)[0].shape()[1];
        i.height = (*frames_)[0].shape()[0];
        if (known_length_) i.frame_count = static_cast<std::int64_t>(frames_->size());
        return i;
    }
    bool next(rgb8_image& frame) {
        if (pos_ >= frames_->size()) return false;
        frame = (*frames_)[pos_++];
        ++decoded;
        return true;
    }
    bool skip() {
        if (pos_ >= frames_->size()) return false;
        ++pos_;
        ++skipped;
        return true;
    }
    std::size_t decoded = 0, skipped = 0;

private:
    const std::vector<rgb8_image>* frames_;
    bool known_length_;
    std::size_t pos_ = 0;
};
static_assert(io::skipping_source<counting_source>);

/// A video of `shots` shots: within a shot, one dark share and one palette with noise, so that
/// neighbouring frames differ a little and shots a lot (a cut is a spike of `previous`).
std::vector<rgb8_image> shots_video(std::size_t frames, std::size_t shots) {
    std::mt19937 rng(7);
    std::vector<rgb8_image> video;
    for (std::size_t i = 0; i < frames; ++i) {
        const std::size_t shot = i * shots / frames;
        rgb8_image f = rgb8_image::from_shape({12, 12, 3});
        std::uniform_int_distribution<int> noise(0, 40);
        for (std::size_t p = 0; p < 144; ++p) {
            const bool dark = p < 20 + 25 * shot;
            for (int c = 0; c < 3; ++c) {
                const int base = dark ? 0 : 60 + int((shot * 53 + std::size_t(c) * 71) % 150);
                f.data()[3 * p + std::size_t(c)] = std::uint8_t(base + noise(rng));
            }
        }
        video.push_back(std::move(f));
    }
    return video;
}

/// A rank number and a rank count, no communication: what frame_shares::dealt reads.
class rank_of final : public process_group {
public:
    rank_of(std::size_t rank, std::size_t ranks) : rank_(rank), ranks_(ranks) {}
    [[nodiscard]] std::size_t rank() const noexcept override { return rank_; }
    [[nodiscard]] std::size_t size() const noexcept override { return ranks_; }
    void sum(std::span<float>) override {}
    void sum(std::span<double>) override {}
    void sum(std::span<std::int64_t>) override {}
    [[nodiscard]] std::uint64_t minimum(std::uint64_t v) override { return v; }
    void send(std::size_t, std::span<const std::byte>) override {}
    void receive(std::size_t, std::span<std::byte>) override {}

private:
    std::size_t rank_, ranks_;
};

/// One rank's pass with the given shares (read_features deals them from the frame count).
template <class Bn, class R, class D>
frame_features rank_pass(const std::vector<rgb8_image>& video, const Bn& binning,
                         const R& reference, const D& distance, const frame_shares& shares,
                         process_group& group) {
    counting_source source(video, true);
    feature_pass pass(binning, reference, distance, shares, /*gray_errors=*/true);
    feed(source, pass);
    return std::move(pass).finish(group);
}

template <class R, class D, class Bn = rgb_uniform<8>>
void check_every_sharing(const std::vector<rgb8_image>& video, const R& reference,
                         const D& distance, const Bn& binning = {}) {
    counting_source alone(video, true);
    const frame_features want = read_features(alone, binning, reference, distance,
                                              this_process_only(), ignore_frames{}, true);
    BOOST_TEST_REQUIRE(want.gray_error.size() == video.size());
    for (std::size_t ranks : {2u, 3u})
        for (std::size_t block :
             {std::size_t{1}, std::size_t{4}, (video.size() + ranks - 1) / ranks}) {
            std::vector<frame_features> got(ranks);
            run_on_ranks(ranks, [&](process_group& g) {
                got[g.rank()] = rank_pass(video, binning, reference, distance,
                                          frame_shares{g.rank(), ranks, block}, g);
            });
            for (std::size_t r = 0; r < ranks; ++r) {
                BOOST_TEST_CONTEXT(describe(reference) << ", " << ranks << " ranks, rank " << r
                                                       << ", blocks of " << block) {
                    BOOST_TEST(got[r].points == want.points); // bit for bit
                    BOOST_TEST(got[r].distance == want.distance, boost::test_tools::per_element());
                    BOOST_TEST(got[r].gray_error == want.gray_error,
                               boost::test_tools::per_element());
                }
            }
        }
}

} // namespace

BOOST_AUTO_TEST_CASE(every_frame_has_exactly_one_owner) {
    for (std::size_t ranks = 1; ranks <= 4; ++ranks)
        for (std::size_t block = 1; block <= 7; ++block)
            for (std::size_t frame = 0; frame < 60; ++frame) {
                std::size_t owners = 0;
                for (std::size_t r = 0; r < ranks; ++r)
                    owners += frame_shares{r, ranks, block}.owns(frame) ? 1 : 0;
                BOOST_TEST(owners == 1u);
            }
}

// most_owned (what a rank's histogram table reserves) is the largest share, counted frame by
// frame with owns().
BOOST_AUTO_TEST_CASE(most_owned_is_the_largest_share) {
    for (std::size_t ranks = 1; ranks <= 4; ++ranks)
        for (std::size_t block = 1; block <= 7; ++block)
            for (std::size_t frames = 0; frames < 40; ++frames) {
                std::size_t largest = 0;
                for (std::size_t r = 0; r < ranks; ++r) {
                    std::size_t own = 0;
                    for (std::size_t f = 0; f < frames; ++f)
                        own += frame_shares{r, ranks, block}.owns(f) ? 1 : 0;
                    largest = std::max(largest, own);
                }
                BOOST_TEST_INFO(ranks << " ranks, blocks of " << block << ", " << frames
                                      << " frames");
                const frame_shares shares{0, ranks, block};
                BOOST_TEST(shares.most_owned(frames) == largest);
            }
}

BOOST_AUTO_TEST_CASE(a_known_count_gives_each_rank_one_contiguous_range) {
    const auto range_of = [](std::size_t rank, std::size_t ranks, std::int64_t count) {
        std::vector<std::size_t> own;
        const rank_of group(rank, ranks);
        const auto s = frame_shares::dealt(group, count);
        for (std::size_t f = 0; f < std::size_t(count); ++f)
            if (s.owns(f)) own.push_back(f);
        return own;
    };
    BOOST_TEST(range_of(0, 3, 10) == (std::vector<std::size_t>{0, 1, 2, 3}),
               boost::test_tools::per_element());
    BOOST_TEST(range_of(1, 3, 10) == (std::vector<std::size_t>{4, 5, 6, 7}),
               boost::test_tools::per_element());
    BOOST_TEST(range_of(2, 3, 10) == (std::vector<std::size_t>{8, 9}),
               boost::test_tools::per_element());
    BOOST_TEST(range_of(0, 1, 5).size() == 5u);
}

BOOST_AUTO_TEST_CASE(history_frames_are_the_ones_just_before_a_rank_s_blocks) {
    const frame_shares s{1, 2, 3}; // owns 3-5, 9-11, ...
    BOOST_TEST(s.is_history(2, 1));
    BOOST_TEST(!s.is_history(1, 1));
    BOOST_TEST(s.is_history(1, 2));
    BOOST_TEST(!s.is_history(3, 1)); // its own
    BOOST_TEST(s.is_history(8, 1));
    BOOST_TEST(!s.is_history(2, 0));
    const frame_shares first{0, 2, 3}; // owns 0-2, 6-8: no frame before 0
    BOOST_TEST(first.is_history(5, 1));
    BOOST_TEST(!first.is_history(4, 1));
}

BOOST_AUTO_TEST_CASE(streaming_references_declare_their_history) {
    BOOST_TEST(black_reference::history() == 0u);
    BOOST_TEST(solid_reference::history() == 0u);
    BOOST_TEST(previous_frame::history() == 1u);
    BOOST_TEST(any_reference(previous_frame{}).history() == 1u);
    BOOST_TEST(any_reference(black_reference{}).history() == 0u);
    BOOST_TEST(any_reference(mean_reference{}).history() == 0u); // does not stream
}

BOOST_AUTO_TEST_CASE(shared_points_equal_one_process_points_for_every_reference) {
    const auto video = shots_video(37, 5);
    check_every_sharing(video, black_reference{}, scaled<hellinger>{{}, 10000.0});
    check_every_sharing(video, solid_reference{{255, 255, 255}}, hellinger{});
    check_every_sharing(video, previous_frame{}, hellinger{});
    check_every_sharing(video, previous_frame{}, chi_square{});
    check_every_sharing(video, any_reference(previous_frame{}), any_distance(hellinger{}),
                        any_binning(rgb_uniform<8>{}));
    check_every_sharing(video, mean_reference{}, hellinger{});
    check_every_sharing(video, no_reference{}, l1{});
}

BOOST_AUTO_TEST_CASE(each_rank_decodes_its_own_frames_and_their_history_only) {
    const auto video = shots_video(30, 3);
    for (const bool previous : {false, true}) {
        std::vector<std::size_t> decoded(3), skipped(3);
        run_on_ranks(3, [&](process_group& g) {
            counting_source source(video, true); // 30 frames, 3 ranks: ranges of 10
            if (previous)
                (void)read_features(source, rgb_uniform<8>{}, previous_frame{}, hellinger{}, g);
            else
                (void)read_features(source, rgb_uniform<8>{}, black_reference{}, hellinger{}, g);
            decoded[g.rank()] = source.decoded;
            skipped[g.rank()] = source.skipped;
        });
        for (std::size_t r = 0; r < 3; ++r) {
            BOOST_TEST_CONTEXT("previous " << previous << ", rank " << r) {
                // for `previous`, each also decodes the frame before its range (rank 0: frame
                // 29, before the frame 30 it would own in a longer video)
                const std::size_t want = 10 + (previous ? 1 : 0);
                BOOST_TEST(decoded[r] == want);
                BOOST_TEST(decoded[r] + skipped[r] == 30u);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_rank_given_a_per_frame_callable_sees_every_frame) {
    const auto video = shots_video(20, 2);
    std::vector<std::size_t> seen(2), decoded(2);
    run_on_ranks(2, [&](process_group& g) {
        counting_source source(video, true);
        if (g.is_root())
            (void)read_features(source, rgb_uniform<8>{}, black_reference{}, hellinger{}, g,
                                [&](const rgb8_image&) { ++seen[0]; });
        else
            (void)read_features(source, rgb_uniform<8>{}, black_reference{}, hellinger{}, g);
        decoded[g.rank()] = source.decoded;
    });
    BOOST_TEST(seen[0] == 20u);
    BOOST_TEST(decoded[0] == 20u);
    BOOST_TEST(decoded[1] == 10u);
}

BOOST_AUTO_TEST_CASE(an_unknown_length_is_shared_in_blocks_with_the_same_keyframes) {
    // no frame count: blocks of 256 frames dealt in turn; 700 frames over 2 ranks
    const auto video = shots_video(700, 9);
    const paper::keyframe_extractor extractor;
    counting_source alone(video, false);
    const auto want = extractor(alone);
    std::vector<keyframe_result> got(2);
    std::vector<std::size_t> decoded(2);
    run_on_ranks(2, [&](process_group& g) {
        counting_source source(video, false);
        got[g.rank()] = extractor.scan(source, g);
        decoded[g.rank()] = source.decoded;
    });
    BOOST_TEST(decoded[0] == 256u + 188u); // blocks 0 and 2
    BOOST_TEST(decoded[1] == 256u);
    for (const auto& r : got) {
        BOOST_TEST(r.frame_count == 700u);
        BOOST_TEST(r.keyframes == want.keyframes, boost::test_tools::per_element());
        BOOST_TEST(r.clusters.labels == want.clusters.labels, boost::test_tools::per_element());
    }
    BOOST_TEST(want.keyframes.size() > 1u);
}
