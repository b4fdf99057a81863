#define BOOST_TEST_MODULE thrust_cuda_footage
#include <boost/test/unit_test.hpp>

// The paper's network on a GPU (Thrust's CUDA system + cuBLAS) on a real photo: the output of a
// 256x256 frame and the weights after five Adam steps, measured against the same network in
// double precision, as accurate as the CPU backend's (see test_thrust_network_footage.cpp for the
// host version and backend_comparisons.hpp for the bound). SKIPPED without a device.

#include "backend_comparisons.hpp"
#include "cuda_device.hpp"
#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

namespace cmp = keychroma::test::thrust_compare;

using keychroma::test::cuda_device_required;
BOOST_TEST_GLOBAL_FIXTURE(cuda_device_required);

BOOST_AUTO_TEST_CASE(paper_network_as_accurate_as_the_cpu_backend_on_a_photo) {
    cmp::compare_paper_network_on_photo<keychroma::nn::cuda_backend>(
        keychroma::test::footage("chelsea.png"));
}
