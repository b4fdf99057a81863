#define BOOST_TEST_MODULE thrust_network_footage
#include <boost/test/unit_test.hpp>

// The paper's network on the host-system Thrust backend on a real photo (chelsea.png): the
// output of a 256x256 frame and the weights after five Adam steps, measured against the same
// network in double precision, must be as accurate as the CPU backend's two float paths (GEMM
// and Winograd; backend_comparisons.hpp: within 4x their error, or the probable error of a
// float sum where that is larger).

#if __has_include(<thrust/version.h>)

#include "backend_comparisons.hpp"
#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

namespace cmp = keychroma::test::thrust_compare;

BOOST_AUTO_TEST_CASE(paper_network_as_accurate_as_the_cpu_backend_on_a_photo) {
    cmp::compare_paper_network_on_photo<keychroma::nn::thrust_host_backend>(
        keychroma::test::footage("chelsea.png"));
}

#else // built without Thrust's include path

#include "support/skip.hpp"

KEYCHROMA_TEST_SKIP_PROGRAM(
    "built without Thrust (link keychroma::thrust_host, cmake/keychroma-thrust.cmake)")

#endif
