#define BOOST_TEST_MODULE thrust_cuda_footage
#include <boost/test/unit_test.hpp>

// The paper's network on a GPU (Thrust's CUDA system + cuBLAS) against the CPU backend on a real
// photo: the output of a 256x256 frame within 1e-5 and the weights after five Adam steps within
// 1e-4 (see test_thrust_network_footage.cpp for the host version). SKIPPED without a device.

#include "backend_comparisons.hpp"
#include "cuda_device.hpp"
#include "support/footage.hpp"

namespace cmp = keychroma::test::thrust_compare;

using keychroma::test::cuda_device_required;
BOOST_TEST_GLOBAL_FIXTURE(cuda_device_required);

BOOST_AUTO_TEST_CASE(paper_network_matches_cpu_backend_on_a_photo) {
    cmp::compare_paper_network_on_photo<keychroma::nn::cuda_backend>(
        keychroma::test::footage("chelsea.png"), cmp::gemm_cpu_options(), 1e-5, 1e-4);
}
