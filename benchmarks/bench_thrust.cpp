// The Thrust backend next to the CPU backend, on the entries of bench_nn.cpp: each of the paper's
// twelve convolutions at 256x256 (forward; backward = weights + data), inference per frame
// (batch 1 and 8) and a training step per frame (batch 16, Adam, MSE).
//
//   bench_thrust       (g++):  cpu (its default, Winograd for 3x3 stride-1 layers), cpu_gemm
//                              (the CPU backend on im2col + GEMM only: the Thrust backend's
//                              algorithm) and thrust_host (Thrust's OpenMP system), same run,
//                              so the ratios are honest on this machine.
//   bench_thrust_cuda  (nvcc): the same entries on Thrust's CUDA system + cuBLAS (FP32), and the
//                              network entries again with TF32 tensor-core GEMMs allowed.
//                              Without a CUDA device every entry reports an error and is skipped.
//
// Counters: GFLOPs = 2 x multiply-adds per second / 1e9; ms_per_frame. docs/thrust.md turns
// ms_per_frame into the paper's 15-minute-video budget.

#include <array>
#include <cstddef>
#include <string>

#include <benchmark/benchmark.h>

#if defined(__CUDACC__) || __has_include(<thrust/version.h>)

#include "keychroma/nn.hpp"
#include "keychroma/nn/backend/thrust.hpp"
#include "keychroma/nn/backends.hpp"
#include "paper_convs.hpp"

namespace nn = keychroma::nn;

namespace {

using keychroma::bench::paper_convs;

using keychroma::bench::forward_gflop_256;
constexpr double train_gflop_256 = 45.5; // forward + backward data + backward weights

// --- the backends compared ----------------------------------------------------------------------
struct cpu_default {
    using backend = nn::cpu_backend;
    static backend make(int threads, bool) { return nn::make_backend<backend>(threads); }
};
struct cpu_gemm {
    using backend = nn::cpu_backend;
    static backend make(int threads, bool) {
        nn::cpu_options o;
        o.threads = threads;
        o.winograd = false;
        return backend(o);
    }
};
struct thrust_host {
    using backend = nn::thrust_host_backend;
    static backend make(int threads, bool) { return nn::make_backend<backend>(threads); }
};
#if defined(__CUDACC__)
struct cuda {
    using backend = nn::cuda_backend;
    static backend make(int, bool tf32) {
        nn::thrust_options o;
        o.gemm.allow_tf32 = tf32;
        return backend(o);
    }
};
bool cuda_device_present(benchmark::State& state) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        state.SkipWithError("no CUDA device");
        return false;
    }
    return true;
}
#endif

template <class Flavour>
bool available(benchmark::State& state) {
#if defined(__CUDACC__)
    if constexpr (std::is_same_v<Flavour, cuda>) return cuda_device_present(state);
#endif
    (void)state;
    return true;
}

/// args: layer (1-12), backward (0/1), threads (host) or TF32 (CUDA)
template <class Flavour>
void BM_conv(benchmark::State& state) {
    if (!available<Flavour>(state)) return;
    const auto& L = paper_convs[std::size_t(state.range(0)) - 1];
    const bool backward = state.range(1) != 0;
    auto be = Flavour::make(int(state.range(2)), state.range(2) != 0);
    using B = typename Flavour::backend;
    const auto s = nn::make_conv_shape({1, L.side, L.side, L.in_c}, L.out_c, 3, L.stride);
    typename B::buffer in, w, b, out, dw, db, din;
    const auto make = [&](typename B::buffer& buf, std::size_t n, double v) {
        be.allocate(buf, n);
        be.fill(be.data(buf), n, v);
        return be.data(buf);
    };
    float* pin = make(in, L.side * L.side * L.in_c, 0.5);
    float* pw = make(w, s.weight_count(), 0.01);
    float* pb = make(b, L.out_c, 0.1);
    float* pout = make(out, s.out_h * s.out_w * L.out_c, 0.0);
    float* pdw = make(dw, s.weight_count(), 0.0);
    float* pdb = make(db, L.out_c, 0.0);
    float* pdin = make(din, L.side * L.side * L.in_c, 0.0);
    for (auto _ : state) {
        if (!backward) {
            be.template conv_forward<nn::relu>(s, pin, pw, pb, pout);
        } else {
            be.conv_backward_weights(s, pin, pout, pdw, pdb);
            if (L.in_c > 1) be.conv_backward_data(s, pout, pw, pdin);
        }
        be.synchronize();
    }
    const double passes = backward ? (L.in_c > 1 ? 2.0 : 1.0) : 1.0;
    state.counters["GFLOPs"] = benchmark::Counter(2.0 * s.macs() * passes * 1e-9,
                                                  benchmark::Counter::kIsIterationInvariantRate);
}

/// args: train (0/1), batch, threads (host) or TF32 (CUDA)
template <class Flavour>
void BM_network(benchmark::State& state) {
    if (!available<Flavour>(state)) return;
    const bool train = state.range(0) != 0;
    const auto batch = std::size_t(state.range(1));
    const std::size_t side = 256;
    nn::network<nn::paper_stack, typename Flavour::backend> net(
        1, Flavour::make(int(state.range(2)), state.range(2) != 0));
    const keychroma::bench::paper_batch data(batch, side);
    const nn::host_tensor& x = data.input;
    const nn::host_tensor& t = data.target;
    const nn::adam adam;
    // warm-up: the first step sizes every workspace (and creates the cuBLAS handle)
    if (train)
        net.train_step(x, t, adam);
    else
        net.forward(x);
    net.backend().synchronize();
    for (auto _ : state) {
        if (train)
            benchmark::DoNotOptimize(net.train_step(x, t, adam)); // the loss value syncs
        else
            net.forward(x);
        net.backend().synchronize();
    }
    const double frames = double(batch);
    state.counters["ms_per_frame"] = benchmark::Counter(
        frames / 1e3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    state.counters["GFLOPs"] =
        benchmark::Counter((train ? train_gflop_256 : forward_gflop_256) * frames,
                           benchmark::Counter::kIsIterationInvariantRate);
}

#if defined(__CUDACC__)
BENCHMARK_TEMPLATE(BM_conv, cuda)
    ->ArgNames({"layer", "backward", "tf32"})
    ->ArgsProduct({benchmark::CreateDenseRange(1, 12, 1), {0, 1}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_TEMPLATE(BM_network, cuda)
    ->ArgNames({"train", "batch", "tf32"})
    ->ArgsProduct({{0}, {1, 8}, {0, 1}})
    ->Args({1, 16, 0})
    ->Args({1, 16, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
#else
#define KEYCHROMA_HOST_CONV(flavour)                                                               \
    BENCHMARK_TEMPLATE(BM_conv, flavour)                                                           \
        ->ArgNames({"layer", "backward", "threads"})                                               \
        ->ArgsProduct({benchmark::CreateDenseRange(1, 12, 1), {0, 1}, {2}})                        \
        ->Unit(benchmark::kMillisecond)                                                            \
        ->UseRealTime()
#define KEYCHROMA_HOST_NETWORK(flavour)                                                            \
    BENCHMARK_TEMPLATE(BM_network, flavour)                                                        \
        ->ArgNames({"train", "batch", "threads"})                                                  \
        ->Args({0, 1, 2})                                                                          \
        ->Args({1, 16, 2})                                                                         \
        ->Unit(benchmark::kMillisecond)                                                            \
        ->UseRealTime()                                                                            \
        ->MinTime(2.0)
KEYCHROMA_HOST_CONV(cpu_default);
KEYCHROMA_HOST_CONV(cpu_gemm);
KEYCHROMA_HOST_CONV(thrust_host);
KEYCHROMA_HOST_NETWORK(cpu_default);
KEYCHROMA_HOST_NETWORK(cpu_gemm);
KEYCHROMA_HOST_NETWORK(thrust_host);
#endif

} // namespace

#else // compiled without Thrust's include path (benchmarks/CMakeLists.txt's glob, before wiring)

namespace {
void BM_thrust_unavailable(benchmark::State& state) {
    state.SkipWithError("built without Thrust: link keychroma::thrust_host");
    for (auto _ : state) {
    }
}
BENCHMARK(BM_thrust_unavailable);
} // namespace

#endif
