// sRGB <-> Lab throughput on one 1920x1080 frame, one thread (the pointer kernels never start
// threads). benchmarks/run_color.sh runs this next to OpenCV's cvtColor and prints the ratios.
// Counters: items = pixels, so items_per_second is pixels/s.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include <keychroma/core/color.hpp>

namespace {

constexpr std::size_t width = 1920, height = 1080, pixels = width * height;

std::vector<float> random_srgb_interleaved() {
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::vector<float> v(3 * pixels);
    for (auto& x : v) x = u(rng);
    return v;
}

void srgb_to_lab_interleaved_f32(benchmark::State& state) {
    const auto rgb = random_srgb_interleaved();
    std::vector<float> lab(3 * pixels);
    for (auto _ : state) {
        keychroma::srgb_to_lab_interleaved(rgb.data(), lab.data(), pixels);
        benchmark::DoNotOptimize(lab.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(pixels));
}

void lab_to_srgb_interleaved_f32(benchmark::State& state) {
    const auto rgb = random_srgb_interleaved();
    std::vector<float> lab(3 * pixels), out(3 * pixels);
    keychroma::srgb_to_lab_interleaved(rgb.data(), lab.data(), pixels);
    for (auto _ : state) {
        keychroma::lab_to_srgb_interleaved(lab.data(), out.data(), pixels);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(pixels));
}

void srgb_to_lab_planar_f32(benchmark::State& state) {
    const auto v = random_srgb_interleaved(); // used as three planes
    std::vector<float> lab(3 * pixels);
    for (auto _ : state) {
        keychroma::srgb_to_lab(v.data(), v.data() + pixels, v.data() + 2 * pixels, lab.data(),
                               lab.data() + pixels, lab.data() + 2 * pixels, pixels);
        benchmark::DoNotOptimize(lab.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(pixels));
}

void lab_to_srgb_planar_f32(benchmark::State& state) {
    const auto v = random_srgb_interleaved();
    std::vector<float> lab(3 * pixels), out(3 * pixels);
    keychroma::srgb_to_lab(v.data(), v.data() + pixels, v.data() + 2 * pixels, lab.data(),
                           lab.data() + pixels, lab.data() + 2 * pixels, pixels);
    for (auto _ : state) {
        keychroma::lab_to_srgb(lab.data(), lab.data() + pixels, lab.data() + 2 * pixels, out.data(),
                               out.data() + pixels, out.data() + 2 * pixels, pixels);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(pixels));
}

void srgb8_to_lab_u8(benchmark::State& state) {
    std::mt19937 rng(42);
    std::vector<std::uint8_t> rgb(3 * pixels);
    for (auto& x : rgb) x = static_cast<std::uint8_t>(rng() & 255);
    std::vector<float> lab(3 * pixels);
    for (auto _ : state) {
        keychroma::srgb8_to_lab(rgb.data(), lab.data(), lab.data() + pixels,
                                lab.data() + 2 * pixels, pixels);
        benchmark::DoNotOptimize(lab.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(pixels));
}

void lab_to_srgb8_u8(benchmark::State& state) {
    std::mt19937 rng(42);
    std::vector<std::uint8_t> rgb(3 * pixels), out(3 * pixels);
    for (auto& x : rgb) x = static_cast<std::uint8_t>(rng() & 255);
    std::vector<float> lab(3 * pixels);
    keychroma::srgb8_to_lab(rgb.data(), lab.data(), lab.data() + pixels, lab.data() + 2 * pixels,
                            pixels);
    for (auto _ : state) {
        keychroma::lab_to_srgb8(lab.data(), lab.data() + pixels, lab.data() + 2 * pixels,
                                out.data(), pixels);
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(pixels));
}

} // namespace

BENCHMARK(srgb_to_lab_interleaved_f32)->Unit(benchmark::kMillisecond);
BENCHMARK(lab_to_srgb_interleaved_f32)->Unit(benchmark::kMillisecond);
BENCHMARK(srgb_to_lab_planar_f32)->Unit(benchmark::kMillisecond);
BENCHMARK(lab_to_srgb_planar_f32)->Unit(benchmark::kMillisecond);
BENCHMARK(srgb8_to_lab_u8)->Unit(benchmark::kMillisecond);
BENCHMARK(lab_to_srgb8_u8)->Unit(benchmark::kMillisecond);
