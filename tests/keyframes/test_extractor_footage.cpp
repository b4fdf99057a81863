#define BOOST_TEST_MODULE keyframes_extractor_footage
#include <boost/test/unit_test.hpp>

// The paper's extractor on a real clip (cockatoo_256.y4m, 280 frames), checked against a naive
// per-pixel computation of the same quantities and the general mean-shift path.

#include <cmath>

#include "keychroma/io/y4m.hpp"
#include "keychroma/paper.hpp"
#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

using namespace keychroma;
using namespace keychroma::keyframes;

BOOST_AUTO_TEST_CASE(paper_extractor_on_cockatoo_matches_naive_computation) {
    const auto path = keychroma::test::footage("cockatoo_256.y4m");
    io::y4m_reader source(path);
    const auto r = paper::keyframe_extractor{}(source);
    BOOST_TEST_REQUIRE(r.frame_count == 280u);

    // Naive: per frame, the share p0 of pixels whose three channels are < 32.
    io::y4m_reader again(path);
    rgb8_image frame;
    point_matrix naive = point_matrix::from_shape({280, 1});
    std::size_t i = 0;
    while (again.next(frame)) {
        std::size_t dark = 0;
        const std::size_t n = frame.shape()[0] * frame.shape()[1];
        for (std::size_t p = 0; p < n; ++p) {
            const auto* px = frame.data() + 3 * p;
            dark += px[0] < 32 && px[1] < 32 && px[2] < 32;
        }
        naive(i, 0) = 10000.0 * std::sqrt(1.0 - std::sqrt(double(dark) / double(n)));
        BOOST_TEST(std::fabs(r.features.distance[i] - naive(i, 0)) < 1e-8);
        ++i;
    }
    BOOST_TEST_REQUIRE(i == 280u);

    const auto general = paper::keyframe_clustering{}.cluster_general(naive);
    BOOST_TEST(r.clusters.labels == general.labels, boost::test_tools::per_element());
    BOOST_TEST(std::fabs(r.clusters.bandwidth - estimate_bandwidth(naive, 0.3)) <=
               1e-9 * r.clusters.bandwidth);
    const auto want = every_nth{}.select(general, frame_features{.points = naive});
    BOOST_TEST(r.keyframes == want, boost::test_tools::per_element());
    BOOST_TEST(r.keyframes.size() >= 10u); // 280 frames: at least one per 30 frames
    BOOST_TEST(r.keyframes.front() == 0u);
}
