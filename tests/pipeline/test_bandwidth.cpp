#define BOOST_TEST_MODULE pipeline_bandwidth
#include <boost/test/unit_test.hpp>

// Table III arithmetic, checked against the paper's own numbers and by hand.

#include <limits>

#include "keychroma/pipeline/transmission.hpp"

using namespace keychroma::pipeline;

BOOST_AUTO_TEST_CASE(paper_table_three) {
    // 256x256, 24-bit, 15 minutes at 30 fps, a 30 MB model: the paper reports 66% saved.
    const std::uint64_t frames = 15 * 60 * 30;
    const auto r = compute_bandwidth({256, 256, frames, 30.0, 256 * 256 * frames, 30'000'000});
    BOOST_TEST(r.raw_color_bytes == 5'308'416'000ull);
    BOOST_TEST(r.raw_gray_bytes == 1'769'472'000ull);
    BOOST_TEST(r.duration_s == 900.0);
    BOOST_TEST(r.sent_bytes == 1'799'472'000ull);
    BOOST_TEST(r.saved_bytes == 3'508'944'000ll);
    BOOST_TEST(r.saved_percent == 66.1, boost::test_tools::tolerance(0.01));
    BOOST_TEST(r.yuv420_saved_percent == 50.0);
    // 2 * 65536 bytes saved per frame: 30e6 / 131072 = 228.9 -> 229 frames.
    BOOST_TEST(r.break_even_frames == 229u);
}

BOOST_AUTO_TEST_CASE(small_clip_costs_more_than_it_saves) {
    // 32 frames of 64x64 with the float32 paper model (15.6 MB): negative savings, reported.
    const auto r = compute_bandwidth({64, 64, 32, 25.0, 64 * 64 * 32 + 32 * 6 + 40, 15'568'966});
    BOOST_TEST(r.saved_bytes < 0);
    BOOST_TEST(r.saved_percent < -100.0);
    BOOST_TEST(r.raw_color_bytes == 393'216u);
}

BOOST_AUTO_TEST_CASE(odd_sizes_round_chroma_up) {
    const auto r = compute_bandwidth({3, 3, 1, 25.0, 9, 0});
    BOOST_TEST(r.yuv420_bytes == 9u + 2u * 4u);
}

BOOST_AUTO_TEST_CASE(empty_video_rejected) {
    BOOST_CHECK_THROW((void)compute_bandwidth({64, 64, 0, 25.0, 0, 0}), keychroma::config_error);
}

BOOST_AUTO_TEST_CASE(gray_as_large_as_colour_never_breaks_even) {
    const auto r = compute_bandwidth({2, 2, 1, 25.0, 12, 5});
    BOOST_TEST(r.break_even_frames == std::numeric_limits<std::uint64_t>::max());
}

BOOST_AUTO_TEST_CASE(break_even_is_the_first_length_that_sends_less) {
    // 1000 bytes once, 2 a frame instead of 12: at 100 frames 1200 = 1200, at 101 1202 < 1212.
    BOOST_TEST(break_even_frames(1000, 2.0, 12.0).value() == 101u);
    BOOST_TEST(break_even_frames(1000, 2.5, 12.0).value() == 106u); // 105.26 -> 106
    BOOST_TEST(break_even_frames(0, 2.0, 12.0).value() == 1u);
    BOOST_TEST(!break_even_frames(1000, 12.0, 12.0).has_value()); // never cheaper a frame
    BOOST_TEST(!break_even_frames(1000, 13.0, 12.0).has_value());
}
