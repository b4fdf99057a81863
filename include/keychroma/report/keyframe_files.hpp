#pragma once
// File outputs of an extraction: frames.csv (frame, distance, cluster, is_keyframe) and the
// names of the keyframes' PNG images (report/png.hpp writes them). Every file is written under a
// temporary name and renamed.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/keyframes/extractor.hpp"
#include "keychroma/report/png.hpp"

namespace keychroma::report {

/// frames.csv: one line per frame; distances with 17 significant digits (round-trip exact).
inline void write_frames_csv(const std::filesystem::path& path,
                             const keyframes::keyframe_result& r) {
    atomic_output out(path);
    {
        std::ofstream f(out.temp_path(), std::ios::binary);
        f << "frame,distance,cluster,is_keyframe\n";
        char line[128];
        std::size_t next = 0;
        for (std::size_t i = 0; i < r.frame_count; ++i) {
            const bool key = next < r.keyframes.size() && r.keyframes[next] == i;
            if (key) ++next;
            std::snprintf(line, sizeof line, "%zu,%.17g,%zu,%d\n", i, r.features.distance[i],
                          r.clusters.labels[i], key ? 1 : 0);
            f << line;
        }
        if (!f.flush()) throw io_error(path.string() + ": cannot write");
    }
    out.commit();
}

/// File name of keyframe `frame`: keyframe_000123.png.
[[nodiscard]] inline std::string keyframe_file_name(std::size_t frame) {
    char b[40];
    std::snprintf(b, sizeof b, "keyframe_%06zu.png", frame);
    return b;
}

} // namespace keychroma::report
