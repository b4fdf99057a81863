#define BOOST_TEST_MODULE thrust_backend
#include <boost/test/unit_test.hpp>

// The Thrust backend on the host's OpenMP system (the code that runs on a GPU under nvcc)
// against the CPU backend on the same weights and inputs: every primitive, every layer's
// forward output and gradients through a network, optimizer updates, and model files moving
// between the two. Every bound is derived from the sums involved (backend_comparisons.hpp).

#if __has_include(<thrust/version.h>)

#include <omp.h>

#include "backend_comparisons.hpp"
#include "keychroma/nn/backends.hpp"

namespace nn = keychroma::nn;
namespace cmp = keychroma::test::thrust_compare;
using host = nn::thrust_host_backend;
using sequential_host = nn::thrust_backend<thrust::system::cpp::tag>;

BOOST_AUTO_TEST_CASE(default_system_is_openmp_on_the_host) {
    // g++ builds get THRUST_DEVICE_SYSTEM_OMP, so thrust_backend<> is the host backend
    static_assert(std::is_same_v<nn::thrust_backend<>, host>);
    static_assert(nn::backend<host> && nn::backend<sequential_host>);
    BOOST_TEST(std::string(host::name) == "thrust-host");
    BOOST_TEST(host::host_memory);
}

BOOST_AUTO_TEST_CASE(built_in_backends_are_listed_and_chosen_by_name) {
    // a g++ build with Thrust (KEYCHROMA_HAS_THRUST): cpu and thrust-host, no cuda
    BOOST_TEST(nn::backend_names() == "cpu|thrust-host");
    std::string chosen;
    nn::with_backend("thrust-host", [&]<class B>() {
        chosen = std::string(B::name) + (std::is_same_v<B, host> ? "=host" : "");
    });
    BOOST_TEST(chosen == "thrust-host=host");
    const auto n = nn::with_backend("cpu", []<class B>() { return B::name.size(); });
    BOOST_TEST(n == 3u);
    BOOST_CHECK_THROW(nn::with_backend("cuda", []<class B>() {}), keychroma::config_error);
    const auto d = nn::describe_backends();
    BOOST_REQUIRE_EQUAL(d.size(), 2u);
    BOOST_TEST(d[0].name == "cpu");
    BOOST_TEST(d[1].name == "thrust-host");
    BOOST_TEST(d[1].where.find("OpenMP") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_built_in_backend_is_built_with_the_threads_asked) {
    // make_backend is how the tool builds any backend from --threads; Thrust's OpenMP system
    // takes OpenMP's team size, so the count asked must reach it (and is restored after).
    const int before = omp_get_max_threads();
    for (const int threads : {1, 3}) {
        nn::with_backend("cpu", [&]<class B>() {
            BOOST_TEST(nn::make_backend<B>(threads).threads() == threads);
        });
        nn::with_backend("thrust-host", [&]<class B>() {
            BOOST_TEST(nn::make_backend<B>(threads).threads() == threads);
            BOOST_TEST(omp_get_max_threads() == threads);
        });
    }
    // 0 keeps the default
    omp_set_num_threads(before);
    BOOST_TEST(nn::make_backend<host>(0).threads() == before);
    BOOST_TEST(nn::make_backend<nn::cpu_backend>(0).threads() == before);
    BOOST_TEST(nn::make_backend<sequential_host>(4).threads() == 1);
}

BOOST_AUTO_TEST_CASE(convolutions_match_cpu_backend) {
    cmp::compare_convolutions<host>({});
}

BOOST_AUTO_TEST_CASE(convolutions_with_gpu_im2col_match_cpu_backend) {
    // the per-entry im2col the CUDA system uses, run here on the host
    nn::thrust_options o;
    o.im2col = nn::im2col_granularity::per_entry;
    cmp::compare_convolutions<host>(o);
}

BOOST_AUTO_TEST_CASE(convolutions_in_single_image_chunks_match_cpu_backend) {
    for (auto g : {nn::im2col_granularity::per_entry, nn::im2col_granularity::per_run}) {
        nn::thrust_options o;
        o.workspace_bytes = 1; // every batch is split into one-image chunks
        o.im2col = g;
        cmp::compare_convolutions<host>(o);
    }
}

// What colorization counts for the backend's convolutions (count_conv_forward: the column matrix
// of the images one chunk takes) against the workspace it holds after inference passes on every
// batch up to 3: the same bytes, with the default workspace and with one-image chunks.
BOOST_AUTO_TEST_CASE(inference_memory_is_what_the_backend_holds_after_inference) {
    for (const std::size_t workspace : {std::size_t(0), std::size_t(1)}) {
        nn::thrust_options o;
        o.workspace_bytes = workspace;
        nn::network<nn::paper_stack, host> net(5, host(o));
        const nn::tensor_shape largest{3, 24, 40, 1};
        const std::uint64_t counted =
            net.inference_memory(largest) - decltype(net)::inference_bytes(largest);
        for (const std::size_t n : {2, 1, 3}) {
            nn::host_tensor x({n, 24, 40, 1});
            const auto values = cmp::random_values(x.size(), n);
            std::copy(values.begin(), values.end(), x.begin());
            (void)net.predict(x);
        }
        BOOST_TEST(net.backend().workspace_bytes_held() == counted, workspace);
    }
}

BOOST_AUTO_TEST_CASE(sequential_system_convolutions_match_cpu_backend) {
    cmp::compare_convolutions<sequential_host>({});
}

BOOST_AUTO_TEST_CASE(activations_match_cpu_backend) {
    cmp::compare_activation<host, nn::relu>("relu");
    cmp::compare_activation<host, nn::leaky_relu>("leaky relu");
    cmp::compare_activation<host, nn::tanh_act>("tanh");
    cmp::compare_activation<host, nn::sigmoid>("sigmoid");
    cmp::compare_activation<host, nn::identity_activation>("identity");
}

BOOST_AUTO_TEST_CASE(upsampling_matches_cpu_backend) {
    cmp::compare_upsampling<host>();
}

BOOST_AUTO_TEST_CASE(batch_norm_matches_cpu_backend) {
    cmp::compare_batch_norm<host>();
}

BOOST_AUTO_TEST_CASE(losses_match_cpu_backend) {
    cmp::compare_loss<host, nn::mse>("mse");
    cmp::compare_loss<host, nn::l1>("l1");
    cmp::compare_loss<host, nn::huber>("huber");
    cmp::compare_loss<host, nn::expectile_mse>("expectile-mse");
}

BOOST_AUTO_TEST_CASE(optimizers_match_cpu_backend) {
    cmp::compare_optimizers<host>();
}

BOOST_AUTO_TEST_CASE(network_outputs_and_gradients_match_cpu_backend) {
    cmp::compare_network_gradients<host>();
    cmp::compare_network_gradients<sequential_host>();
}

BOOST_AUTO_TEST_CASE(model_files_move_between_backends) {
    cmp::compare_model_file_interchange<host>();
}

#else // built without Thrust's include path

#include "support/skip.hpp"

KEYCHROMA_TEST_SKIP_PROGRAM(
    "built without Thrust (link keychroma::thrust_host, cmake/keychroma-thrust.cmake)")

#endif
