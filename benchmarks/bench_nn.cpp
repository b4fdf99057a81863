// The paper's network on the CPU backend: per-layer convolution GFLOP/s at 256x256 next to this
// machine's sgemm rate (measured here, same process), inference per frame (batch 1 and 8) and a
// training step per frame (batch 16), at 1 and 2 threads. benchmarks/run_nn.sh runs this next to
// the PyTorch peer (benchmarks/peers/nn_torch.py) and prints keychroma/PyTorch ratios.
// BM_sgemm times one big product on each kernel path (the BLAS's and keychroma's), BM_peak
// the core's multiply-add ceiling; KEYCHROMA_KERNELS picks the path the network runs on.
//
// BM_conv runs the backend's default kernels, BM_conv_im2col the im2col + GEMM fallback.
// Counters: GFLOPs = floating-point operations per second / 1e9 (2 x multiply-adds of the
// direct method, also for Winograd, so the rates compare the time per layer);
// ms_per_frame; peak_rss_MB (train only: the process's peak resident set so far).

#include <array>
#include <cstddef>
#include <string>
#include <vector>

#include <immintrin.h>

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include "keychroma/nn.hpp"
#include "paper_convs.hpp"

namespace nn = keychroma::nn;

namespace {

using keychroma::bench::paper_convs;

std::vector<float> filled(std::size_t n, float v) {
    return std::vector<float>(n, v);
}

/// The rate of one GEMM the size of a big layer on kernel path `path` (0 blas, 1 avx2,
/// 2 avx512: cpu::all_kernel_paths), the backend's way: row tiles over OpenMP threads, one
/// single-threaded product per tile.
void BM_sgemm(benchmark::State& state) {
    const auto threads = int(state.range(0));
    const auto path = nn::cpu::all_kernel_paths[std::size_t(state.range(1))];
    if (!nn::cpu::cpu_supports(path)) return state.SkipWithError("the CPU lacks this path");
    const std::size_t m = 4096, n = 256, k = 2304; // the shape of conv 5 over 64x64 pixels
    auto a = filled(m * k, 0.5f), b = filled(k * n, 0.25f), c = filled(m * n, 0);
    nn::cpu::set_blas_threads(1);
    for (auto _ : state) {
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int t = 0; t < threads; ++t) {
            const std::size_t r0 = m * std::size_t(t) / std::size_t(threads),
                              r1 = m * std::size_t(t + 1) / std::size_t(threads);
            nn::cpu::gemm<float>(path, false, false, r1 - r0, n, k, 1.0f, a.data() + r0 * k, k,
                                 b.data(), n, 0.0f, c.data() + r0 * n, n);
        }
        benchmark::DoNotOptimize(c.data());
    }
    state.SetLabel(std::string(nn::cpu::to_string(path)));
    state.counters["GFLOPs"] = benchmark::Counter(2.0 * double(m * n * k) * 1e-9,
                                                  benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_sgemm)
    ->ArgNames({"threads", "path"})
    ->ArgsProduct({{1, 2}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

/// This machine's peak on one core and path (1 avx2, 2 avx512, 3 avx512-bf16): independent
/// chains of fused multiply-adds (bfloat16 pair dot products on avx512-bf16, two multiply-adds
/// a lane), enough of them to cover the latency on two pipes, and nothing else. The ceiling for
/// the GFLOP/s of the kernels (docs/performance.md).
[[gnu::target("avx2,fma")]] float fma_chains_avx2(std::size_t steps) {
    __m256 acc[12];
    for (int i = 0; i < 12; ++i) acc[i] = _mm256_set1_ps(float(i) * 1e-3f);
    const __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-4f);
    for (std::size_t s = 0; s < steps; ++s)
#pragma GCC unroll 12
        for (int i = 0; i < 12; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    alignas(32) float lanes[8];
    float sum = 0;
    for (int i = 0; i < 12; ++i) {
        _mm256_store_ps(lanes, acc[i]);
        sum += lanes[0];
    }
    return sum;
}
[[gnu::target("avx512f")]] float fma_chains_avx512(std::size_t steps) {
    __m512 acc[24];
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
    const __m512 x = _mm512_set1_ps(0.999f), y = _mm512_set1_ps(1e-4f);
    for (std::size_t s = 0; s < steps; ++s)
#pragma GCC unroll 24
        for (int i = 0; i < 24; ++i) acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    float sum = 0;
    for (int i = 0; i < 24; ++i) sum += _mm512_reduce_add_ps(acc[i]);
    return sum;
}
[[gnu::target("avx512f,avx512bf16")]] float dot_chains_avx512_bf16(std::size_t steps) {
    __m512 acc[24];
    for (int i = 0; i < 24; ++i) acc[i] = _mm512_set1_ps(float(i) * 1e-3f);
    const auto x = (__m512bh)_mm512_set1_epi32(0x3f803f80); // the pair (1, 1)
    const auto y = (__m512bh)_mm512_set1_epi32(0x38003800); // the pair (2^-15, 2^-15)
    for (std::size_t s = 0; s < steps; ++s)
#pragma GCC unroll 24
        for (int i = 0; i < 24; ++i) acc[i] = _mm512_dpbf16_ps(acc[i], x, y);
    float sum = 0;
    for (int i = 0; i < 24; ++i) sum += _mm512_reduce_add_ps(acc[i]);
    return sum;
}
void BM_peak(benchmark::State& state) {
    const auto path = nn::cpu::all_kernel_paths[std::size_t(state.range(0))];
    if (!nn::cpu::cpu_supports(path)) return state.SkipWithError("the CPU lacks this path");
    const std::size_t steps = 1 << 20;
    const auto chains = [&] {
        switch (path) {
        case nn::cpu::kernel_path::avx512_bf16:
            return dot_chains_avx512_bf16(steps);
        case nn::cpu::kernel_path::avx512:
            return fma_chains_avx512(steps);
        default:
            return fma_chains_avx2(steps);
        }
    };
    // a core that was idle runs at a lower clock for the first few hundred milliseconds
    for (int warm = 0; warm < 64; ++warm) benchmark::DoNotOptimize(chains());
    for (auto _ : state) benchmark::DoNotOptimize(chains());
    state.SetLabel(std::string(nn::cpu::to_string(path)));
    const double flops = path == nn::cpu::kernel_path::avx512_bf16 ? 24.0 * 64 * double(steps)
                         : path == nn::cpu::kernel_path::avx512    ? 24.0 * 32 * double(steps)
                                                                   : 12.0 * 16 * double(steps);
    state.counters["GFLOPs"] =
        benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_peak)->ArgName("path")->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond);

/// One of the paper's convolutions, forward or backward (weights + data), with the backend's
/// default kernels (Winograd for stride-1 layers, phase-split backward data) or, with
/// `fallback`, im2col + GEMM only (the path every shape can take), for comparison.
void conv_case(benchmark::State& state, bool fallback) {
    const auto& L = paper_convs[std::size_t(state.range(0)) - 1];
    const bool backward = state.range(1) != 0;
    const auto threads = int(state.range(2));
    const auto s = nn::make_conv_shape({1, L.side, L.side, L.in_c}, L.out_c, 3, L.stride);
    nn::cpu_options options{threads};
    options.winograd = !fallback;
    options.phase_backward_data = !fallback;
    nn::cpu_backend be(options);
    auto in = filled(L.side * L.side * L.in_c, 0.5f), w = filled(s.weight_count(), 0.01f),
         b = filled(L.out_c, 0.1f), out = filled(s.out_h * s.out_w * L.out_c, 0),
         dw = filled(s.weight_count(), 0), db = filled(L.out_c, 0), din = filled(in.size(), 0);
    for (auto _ : state) {
        if (!backward) {
            be.conv_forward<nn::relu>(s, in.data(), w.data(), b.data(), out.data());
        } else {
            be.conv_backward_weights(s, in.data(), out.data(), dw.data(), db.data());
            if (L.in_c > 1) be.conv_backward_data(s, out.data(), w.data(), din.data());
        }
        benchmark::DoNotOptimize(out.data());
    }
    const double passes = backward ? (L.in_c > 1 ? 2.0 : 1.0) : 1.0;
    state.counters["GFLOPs"] = benchmark::Counter(2.0 * s.macs() * passes * 1e-9,
                                                  benchmark::Counter::kIsIterationInvariantRate);
}
void BM_conv(benchmark::State& state) {
    conv_case(state, false);
}
void BM_conv_im2col(benchmark::State& state) {
    conv_case(state, true);
}
BENCHMARK(BM_conv)
    ->ArgNames({"layer", "backward", "threads"})
    ->ArgsProduct({benchmark::CreateDenseRange(1, 12, 1), {0, 1}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_conv_im2col)
    ->ArgNames({"layer", "backward", "threads"})
    ->ArgsProduct({benchmark::CreateDenseRange(1, 12, 1), {0, 1}, {1}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

using keychroma::bench::forward_gflop_256;
constexpr double train_gflop_256 = 45.5; // forward + backward data + backward weights

void BM_network(benchmark::State& state) {
    const bool train = state.range(0) != 0;
    const auto batch = std::size_t(state.range(1));
    const auto threads = int(state.range(2));
    const std::size_t side = 256;
    nn::network<nn::paper_stack, nn::cpu_backend> net(1, nn::cpu_backend(nn::cpu_options{threads}));
    const keychroma::bench::paper_batch data(batch, side);
    const nn::host_tensor& x = data.input;
    const nn::host_tensor& t = data.target;
    const nn::adam adam;
    // warm-up: the first step sizes every workspace; in inference the second keeps the packed
    // kernels (cpu_kept_weights.hpp), as every later frame of a video finds them
    if (train)
        net.train_step(x, t, adam);
    else
        for (int pass = 0; pass < 2; ++pass) net.forward(x);
    for (auto _ : state) {
        if (train)
            benchmark::DoNotOptimize(net.train_step(x, t, adam));
        else
            net.forward(x);
    }
    const auto& kernels = nn::cpu::active_kernel_choice();
    state.SetLabel(std::string(nn::cpu::to_string(kernels.path)) + " kernels (" + kernels.reason +
                   ")");
    const double frames = double(batch);
    state.counters["ms_per_frame"] = benchmark::Counter(
        frames / 1e3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    state.counters["GFLOPs"] =
        benchmark::Counter((train ? train_gflop_256 : forward_gflop_256) * frames,
                           benchmark::Counter::kIsIterationInvariantRate);
    if (train) {
        rusage ru{};
        getrusage(RUSAGE_SELF, &ru);
        state.counters["peak_rss_MB"] = double(ru.ru_maxrss) / 1024.0;
    }
}
BENCHMARK(BM_network)
    ->ArgNames({"train", "batch", "threads"})
    ->Args({0, 1, 1})
    ->Args({0, 8, 1})
    ->Args({0, 1, 2})
    ->Args({0, 8, 2})
    ->Args({1, 16, 1})
    ->Args({1, 16, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

} // namespace
