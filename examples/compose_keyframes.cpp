// Three keyframe extractors composed as types and run on the same clip; their keyframes are
// printed side by side.
//   compose_keyframes [VIDEO]   (default: cache/footage/cockatoo_256.y4m)

#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/io/open.hpp"
#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"

namespace kf = keychroma::keyframes;

// 1. The paper: RGB 8x8x8, Hellinger x 10,000 from black, mean shift, every 30th frame.
const keychroma::paper::keyframe_extractor paper_extractor;

// 2. Content instead of darkness: distance from the video's mean histogram (Jensen-Shannon on
//    HSV, x 1,000), mean shift seeded on a grid (scikit-learn's bin_seeding), one medoid per
//    cluster. The types pick the algorithms; the numbers are values.
kf::keyframe_extractor<kf::hsv_uniform<8, 4, 4>, kf::mean_reference, kf::scaled<kf::jensen_shannon>,
                       kf::mean_shift<kf::flat_kernel, kf::binned_seeds>, kf::medoid_per_cluster>
content_extractor() {
    return {.distance = {.factor = 1000}};
}

// 3. Shots: cuts where the Lab histogram jumps, at most 8 keyframes spread over the shots.
kf::keyframe_extractor<kf::lab_uniform<4, 8, 8>, kf::black_reference, kf::hellinger,
                       kf::shot_threshold, kf::budget>
shot_extractor() {
    return {.selection = {.count = 8}};
}

template <class Extractor>
std::pair<std::string, kf::keyframe_result> run(const Extractor& extractor,
                                                const std::string& path) {
    auto source = keychroma::io::open_source(path);
    return {extractor.description(), extractor(*source)};
}

int main(int argc, char** argv) try {
    const std::string path = argc > 1 ? argv[1] : std::string("cache/footage/cockatoo_256.y4m");
    const std::vector<std::pair<std::string, kf::keyframe_result>> runs = {
        run(paper_extractor, path),
        run(content_extractor(), path),
        run(shot_extractor(), path),
    };
    std::printf("%s: %zu frames\n\n", path.c_str(), runs[0].second.frame_count);
    for (std::size_t e = 0; e < runs.size(); ++e)
        std::printf("[%zu] %s\n    %zu clusters, %zu keyframes\n", e + 1, runs[e].first.c_str(),
                    runs[e].second.clusters.cluster_count(), runs[e].second.keyframes.size());
    std::printf("\n%8s %8s %8s\n", "[1]", "[2]", "[3]");
    std::size_t rows = 0;
    for (const auto& r : runs) rows = std::max(rows, r.second.keyframes.size());
    for (std::size_t i = 0; i < rows; ++i) {
        for (const auto& r : runs) {
            if (i < r.second.keyframes.size())
                std::printf(" %8zu", r.second.keyframes[i]);
            else
                std::printf(" %8s", "");
        }
        std::printf("\n");
    }
    return 0;
} catch (const keychroma::error& e) {
    std::fprintf(stderr, "compose_keyframes: %s\n", e.what());
    return e.exit_code();
} catch (const std::exception& e) {
    std::fprintf(stderr, "compose_keyframes: %s\n", e.what());
    return 1;
}
