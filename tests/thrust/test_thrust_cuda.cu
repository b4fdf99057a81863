#define BOOST_TEST_MODULE thrust_cuda
#include <boost/test/unit_test.hpp>

// The Thrust backend on a GPU (nvcc, Thrust's CUDA system, cuBLAS) against the CPU backend:
// the same comparisons as test_thrust_backend.cpp runs on the host. Without a CUDA device the
// program reports SKIPPED with the reason.

#include "backend_comparisons.hpp"
#include "cuda_device.hpp"
#include "keychroma/nn/backends.hpp"

namespace nn = keychroma::nn;
namespace cmp = keychroma::test::thrust_compare;
using gpu = nn::cuda_backend;

using keychroma::test::cuda_device_required;
BOOST_TEST_GLOBAL_FIXTURE(cuda_device_required);

BOOST_AUTO_TEST_CASE(device_system_is_cuda) {
    static_assert(std::is_same_v<nn::thrust_backend<>, gpu>);
    static_assert(nn::backend<gpu>);
    BOOST_TEST(std::string(gpu::name) == "cuda");
    BOOST_TEST(!gpu::host_memory);
    BOOST_TEST_MESSAGE(gpu::describe());
}

BOOST_AUTO_TEST_CASE(built_in_backends_include_cuda_with_the_device_name) {
    BOOST_TEST(nn::backend_names() == "cpu|thrust-host|cuda");
    const auto d = nn::describe_backends();
    BOOST_REQUIRE_EQUAL(d.size(), 3u);
    cudaDeviceProp p{};
    BOOST_REQUIRE(cudaGetDeviceProperties(&p, 0) == cudaSuccess);
    BOOST_TEST(d[2].where.find(p.name) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(convolutions_match_cpu_backend) {
    cmp::compare_convolutions<gpu>({});
    nn::thrust_options o;
    o.workspace_bytes = 1; // one-image chunks
    o.im2col = nn::im2col_granularity::per_run;
    cmp::compare_convolutions<gpu>(o);
}

BOOST_AUTO_TEST_CASE(activations_match_cpu_backend) {
    cmp::compare_activation<gpu, nn::relu>("relu");
    cmp::compare_activation<gpu, nn::leaky_relu>("leaky relu");
    cmp::compare_activation<gpu, nn::tanh_act>("tanh");
    cmp::compare_activation<gpu, nn::sigmoid>("sigmoid");
    cmp::compare_activation<gpu, nn::identity_activation>("identity");
}

BOOST_AUTO_TEST_CASE(upsampling_matches_cpu_backend) {
    cmp::compare_upsampling<gpu>();
}

BOOST_AUTO_TEST_CASE(batch_norm_matches_cpu_backend) {
    cmp::compare_batch_norm<gpu>();
}

BOOST_AUTO_TEST_CASE(losses_match_cpu_backend) {
    cmp::compare_loss<gpu, nn::mse>("mse");
    cmp::compare_loss<gpu, nn::l1>("l1");
    cmp::compare_loss<gpu, nn::huber>("huber");
    cmp::compare_loss<gpu, nn::expectile_mse>("expectile-mse");
}

BOOST_AUTO_TEST_CASE(optimizers_match_cpu_backend) {
    cmp::compare_optimizers<gpu>();
}

BOOST_AUTO_TEST_CASE(network_outputs_and_gradients_match_cpu_backend) {
    cmp::compare_network_gradients<gpu>();
}

BOOST_AUTO_TEST_CASE(model_files_move_between_backends) {
    cmp::compare_model_file_interchange<gpu>();
}

BOOST_AUTO_TEST_CASE(host_and_device_systems_in_one_binary) {
    // the OpenMP system is usable next to the CUDA one (the CLI's thrust-host in a CUDA build)
    cmp::compare_network_gradients<nn::thrust_host_backend>();
}
