// Y4M decode throughput: file bytes -> interleaved sRGB frames, for 4:4:4 and 4:2:0 (mpeg2
// siting) at 256x256 (the paper's size) and 1280x720, with the fixed-point (default) and float
// arithmetic. Reported as MB/s of Y4M payload and frames/s. The files are synthetic (written by
// y4m_writer into a temporary directory) and sit in the page cache, so this measures the
// decoder, not the disk. Peer: benchmarks/peers/y4m_decode.py (numpy + OpenCV cvtColor) through
// benchmarks/run_y4m.sh.

#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <string>

#include "keychroma/io/y4m.hpp"

using namespace keychroma;
using namespace keychroma::io;
namespace fs = std::filesystem;

namespace {

constexpr int frames_per_file = 24;

/// Writes (once) a synthetic clip and returns its path.
fs::path clip(std::size_t w, std::size_t h, y4m_chroma chroma) {
    static std::map<std::string, fs::path> made;
    const std::string name = "keychroma-bench-" + std::to_string(w) + "x" + std::to_string(h) +
                             "-" + std::string(y4m_colourspace_tag(chroma)) + ".y4m";
    if (auto it = made.find(name); it != made.end()) return it->second;
    const auto path = fs::temp_directory_path() / name;
    video_info info;
    info.width = w;
    info.height = h;
    y4m_writer writer(path, info, {chroma, std::nullopt, yuv_matrix::bt601});
    rgb8_image frame({h, w, 3});
    for (int k = 0; k < frames_per_file; ++k) {
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x) {
                frame(y, x, 0) = static_cast<std::uint8_t>(128 + 100 * std::sin(0.05 * x + k));
                frame(y, x, 1) = static_cast<std::uint8_t>((x + y + k) & 255);
                frame(y, x, 2) = static_cast<std::uint8_t>(128 + 100 * std::cos(0.03 * y));
            }
        writer.write(frame);
    }
    writer.close();
    made[name] = path;
    return path;
}

template <class Arithmetic>
void decode(benchmark::State& state, y4m_chroma chroma) {
    const auto w = static_cast<std::size_t>(state.range(0));
    const auto h = static_cast<std::size_t>(state.range(1));
    const auto path = clip(w, h, chroma);
    auto reader = std::make_unique<basic_y4m_reader<Arithmetic>>(path);
    const auto frame_bytes = reader->header().frame_bytes();
    rgb8_image frame;
    std::int64_t frames = 0;
    for (auto _ : state) {
        if (!reader->next(frame)) {
            state.PauseTiming();
            reader = std::make_unique<basic_y4m_reader<Arithmetic>>(path);
            state.ResumeTiming();
            reader->next(frame);
        }
        benchmark::DoNotOptimize(frame.data());
        ++frames;
    }
    state.SetBytesProcessed(frames * static_cast<std::int64_t>(frame_bytes + 6));
    state.counters["frames/s"] =
        benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}

void BM_y4m_decode_444(benchmark::State& s) {
    decode<fixed_point_arithmetic>(s, y4m_chroma::c444);
}
void BM_y4m_decode_420(benchmark::State& s) {
    decode<fixed_point_arithmetic>(s, y4m_chroma::c420mpeg2);
}
void BM_y4m_decode_444_float(benchmark::State& s) {
    decode<floating_point_arithmetic>(s, y4m_chroma::c444);
}
void BM_y4m_decode_420_float(benchmark::State& s) {
    decode<floating_point_arithmetic>(s, y4m_chroma::c420mpeg2);
}
void BM_y4m_read_plane_lstar(benchmark::State& state) {
    const auto w = static_cast<std::size_t>(state.range(0));
    const auto h = static_cast<std::size_t>(state.range(1));
    const auto path = clip(w, h, y4m_chroma::mono_lstar);
    auto reader = std::make_unique<y4m_reader>(path);
    plane8 plane;
    std::int64_t frames = 0;
    for (auto _ : state) {
        if (!reader->next_plane(plane)) {
            state.PauseTiming();
            reader = std::make_unique<y4m_reader>(path);
            state.ResumeTiming();
            reader->next_plane(plane);
        }
        benchmark::DoNotOptimize(plane.data());
        ++frames;
    }
    state.SetBytesProcessed(frames * static_cast<std::int64_t>(w * h + 6));
    state.counters["frames/s"] =
        benchmark::Counter(static_cast<double>(frames), benchmark::Counter::kIsRate);
}

void sizes(benchmark::internal::Benchmark* b) {
    // Wall-clock time, as the Python peer measures it.
    b->Args({256, 256})->Args({1280, 720})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

} // namespace

BENCHMARK(BM_y4m_decode_444)->Apply(sizes);
BENCHMARK(BM_y4m_decode_420)->Apply(sizes);
BENCHMARK(BM_y4m_decode_444_float)->Apply(sizes);
BENCHMARK(BM_y4m_decode_420_float)->Apply(sizes);
BENCHMARK(BM_y4m_read_plane_lstar)->Apply(sizes);
