// Keyframe extraction microbenchmarks, run side by side with OpenCV and scikit-learn by
// benchmarks/run_keyframes.sh (which prints the ratios):
//  * histogram (8x8x8) + Hellinger distance from black per frame at 256x256 and 1280x720, on
//    real frames (cockatoo_256x144_yuv444p.rgb, nearest-resized exactly as the Python peer does);
//  * bandwidth estimate + mean shift on 1-D data of 1,800, 27,000 and 108,000 points (the same
//    deterministic data as benchmarks/peers/meanshift_sklearn.py). With
//    KEYCHROMA_BENCH_LABELS_DIR set, the labels are written there for the script to compare;
//  * the paper's whole extraction by its typed extractor and by the tool's run-time one.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "keychroma/paper.hpp"

using namespace keychroma;
using namespace keychroma::keyframes;

namespace {

/// The 30 frames of ffmpeg's rgb24 decoding, nearest-resized to w x h (row (y * 144) / h,
/// column (x * 256) / w), as the Python peer does.
std::vector<rgb8_image> frames_at(std::size_t w, std::size_t h) {
    const std::string path = std::string(KEYCHROMA_FOOTAGE_DIR) + "/cockatoo_256x144_yuv444p.rgb";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "missing %s (run scripts/fetch-footage.sh)\n", path.c_str());
        std::exit(1);
    }
    std::vector<std::uint8_t> raw(30 * 256 * 144 * 3);
    in.read(reinterpret_cast<char*>(raw.data()), static_cast<std::streamsize>(raw.size()));
    std::vector<rgb8_image> out;
    for (std::size_t f = 0; f < 30; ++f) {
        rgb8_image img = rgb8_image::from_shape({h, w, std::size_t{3}});
        for (std::size_t y = 0; y < h; ++y)
            for (std::size_t x = 0; x < w; ++x)
                for (std::size_t c = 0; c < 3; ++c)
                    img.data()[(y * w + x) * 3 + c] =
                        raw[((f * 144 + (y * 144) / h) * 256 + (x * 256) / w) * 3 + c];
        out.push_back(std::move(img));
    }
    return out;
}

void histogram_hellinger(benchmark::State& state) {
    const auto w = static_cast<std::size_t>(state.range(0)),
               h = static_cast<std::size_t>(state.range(1));
    const auto frames = frames_at(w, h);
    const paper::keyframe_extractor paper_stages;
    const auto& binning = paper_stages.binning;
    const auto& distance = paper_stages.distance;
    std::vector<std::uint32_t> counts(512);
    std::vector<double> hist(512), black(512, 0.0);
    black[0] = double(w * h);
    std::size_t i = 0;
    double sink = 0;
    for (auto _ : state) {
        std::fill(counts.begin(), counts.end(), 0u);
        accumulate_histogram(binning, frames[i++ % frames.size()], counts.data());
        for (std::size_t b = 0; b < 512; ++b) hist[b] = counts[b];
        sink += distance(std::span<const double>(hist), std::span<const double>(black));
    }
    benchmark::DoNotOptimize(sink);
    state.counters["frames/s"] =
        benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
    state.counters["Mpixel/s"] =
        benchmark::Counter(double(state.iterations() * w * h) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(histogram_hellinger)->Args({256, 256})->Args({1280, 720})->Unit(benchmark::kMicrosecond);

/// Deterministic paper-like distances (integer hashing, identical in Python): 40% at exactly
/// 10,000, 30% in [9200, 9250), 30% in [5400, 5700).
std::vector<double> paper_like(std::size_t n) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint64_t hsh = (static_cast<std::uint64_t>(i) * 2654435761ULL) % 4294967296ULL;
        const auto g = hsh % 10;
        if (g < 4)
            v[i] = 10000.0;
        else if (g < 7)
            v[i] = 9200.0 + double((hsh >> 8) % 5000) / 100.0;
        else
            v[i] = 5400.0 + double((hsh >> 8) % 30000) / 100.0;
    }
    return v;
}

void bandwidth_and_mean_shift_1d(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = paper_like(n);
    point_matrix pts = point_matrix::from_shape({n, std::size_t{1}});
    std::copy(v.begin(), v.end(), pts.data());
    const paper::keyframe_clustering ms =
        paper::keyframe_extractor{}
            .clustering; // bandwidth 0: estimate (quantile 0.3), then cluster
    clustering_result r;
    for (auto _ : state) {
        r = ms.cluster(pts);
        benchmark::DoNotOptimize(r.labels.data());
    }
    state.counters["clusters"] = double(r.cluster_count());
    state.counters["bandwidth"] = r.bandwidth;
    if (const char* dir = std::getenv("KEYCHROMA_BENCH_LABELS_DIR")) {
        std::ofstream out(std::string(dir) + "/labels_" + std::to_string(n) + ".txt");
        char b[64];
        std::snprintf(b, sizeof b, "%.17g\n", r.bandwidth);
        out << b;
        for (auto l : r.labels) out << l << "\n";
    }
}
BENCHMARK(bandwidth_and_mean_shift_1d)
    ->Arg(1800)
    ->Arg(27000)
    ->Arg(108000)
    ->Unit(benchmark::kMillisecond);

void bandwidth_only_1d(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto v = paper_like(n);
    point_matrix pts = point_matrix::from_shape({n, std::size_t{1}});
    std::copy(v.begin(), v.end(), pts.data());
    for (auto _ : state) benchmark::DoNotOptimize(estimate_bandwidth(pts, 0.3));
}
BENCHMARK(bandwidth_only_1d)->Arg(1800)->Arg(27000)->Arg(108000)->Unit(benchmark::kMillisecond);

/// In-memory frames as a frame source, replayed from the start on each pass.
class replay_source {
public:
    explicit replay_source(const std::vector<rgb8_image>& frames) : frames_(&frames) {}
    [[nodiscard]] io::video_info info() const {
        io::video_info i;
        i.width = (*frames_)[0].shape()[1];
        i.height = (*frames_)[0].shape()[0];
        i.frame_count = static_cast<std::int64_t>(frames_->size());
        return i;
    }
    bool next(rgb8_image& frame) {
        if (pos_ == frames_->size()) return false;
        frame = (*frames_)[pos_++];
        return true;
    }

private:
    const std::vector<rgb8_image>* frames_;
    std::size_t pos_ = 0;
};

/// The paper's extraction of 300 real 256x256 frames (the 30 decoded frames ten times), by the
/// extractor of its types (Arg 0) and by the one keychroma keyframes builds from names at run
/// time (Arg 1, any_policy.hpp): the indirection is one call per frame, so the two should match.
void paper_extraction(benchmark::State& state) {
    const auto thirty = frames_at(256, 256);
    std::vector<rgb8_image> frames;
    for (int r = 0; r < 10; ++r) frames.insert(frames.end(), thirty.begin(), thirty.end());
    const paper::keyframe_extractor typed;
    const auto chosen = registry::make_extractor(paper::keyframe_choice());
    std::size_t keys = 0;
    for (auto _ : state) {
        replay_source src(frames);
        keys = (state.range(0) == 0 ? typed(src) : chosen(src)).keyframes.size();
    }
    state.counters["keyframes"] = double(keys);
    state.counters["frames/s"] =
        benchmark::Counter(double(state.iterations() * frames.size()), benchmark::Counter::kIsRate);
}
BENCHMARK(paper_extraction)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

} // namespace
