#pragma once
// File outputs of an extraction: frames.csv (frame, distance, cluster, is_keyframe) and the
// keyframes as PNG images. Every file is written under a temporary name and renamed.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/keyframes/extractor.hpp"

namespace keychroma::keyframes {

/// frames.csv: one line per frame; distances with 17 significant digits (round-trip exact).
inline void write_frames_csv(const std::filesystem::path& path, const keyframe_result& r) {
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

/// One RGB image as PNG.
inline void write_png(const std::filesystem::path& path, const rgb8_image& img) {
    atomic_output out(path);
    const int w = static_cast<int>(img.shape()[1]), h = static_cast<int>(img.shape()[0]);
    if (stbi_write_png(out.temp_path().c_str(), w, h, 3, img.data(), w * 3) == 0)
        throw io_error(path.string() + ": cannot write PNG");
    out.commit();
}

/// File name of keyframe `frame`: keyframe_000123.png.
[[nodiscard]] inline std::string keyframe_file_name(std::size_t frame) {
    char b[40];
    std::snprintf(b, sizeof b, "keyframe_%06zu.png", frame);
    return b;
}

} // namespace keychroma::keyframes
