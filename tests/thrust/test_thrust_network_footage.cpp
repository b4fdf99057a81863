#define BOOST_TEST_MODULE thrust_network_footage
#include <boost/test/unit_test.hpp>

// The paper's network on the host-system Thrust backend on a real photo (chelsea.png): the
// output of a 256x256 frame and the weights after five Adam steps, measured against the same
// network in double precision, must be as accurate as the CPU backend's (backend_comparisons.hpp:
// within 4x its error, or the probable error of a float sum where it is smaller).

#if __has_include(<thrust/version.h>)

#include "backend_comparisons.hpp"
#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

namespace cmp = keychroma::test::thrust_compare;

BOOST_AUTO_TEST_CASE(paper_network_matches_cpu_backend_on_a_photo) {
    // the same algorithm (im2col + GEMM) as the backend under test
    cmp::compare_paper_network_on_photo<keychroma::nn::thrust_host_backend>(
        keychroma::test::footage("chelsea.png"), cmp::gemm_cpu_options());
}

BOOST_AUTO_TEST_CASE(paper_network_matches_winograd_cpu_backend_on_a_photo) {
    // The CPU backend's default (Winograd F(4x4,3x3) for 3x3 stride-1 layers), which rounds
    // about 10x more than a direct sum: the Thrust backend is no less accurate than it either.
    keychroma::nn::cpu_options winograd;
    cmp::compare_paper_network_on_photo<keychroma::nn::thrust_host_backend>(
        keychroma::test::footage("chelsea.png"), winograd);
}

#else // built without Thrust's include path

#include "support/skip.hpp"

KEYCHROMA_TEST_SKIP_PROGRAM("built without Thrust (link keychroma::thrust_host, cmake/keychroma-thrust.cmake)")

#endif
