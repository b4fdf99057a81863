#pragma once
// An RGB image as a PNG file (stb_image_write), written under a temporary name and renamed: the
// keyframes, contact sheets, any picture keychroma shows.

#include <filesystem>

#include <stb_image_write.h>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"

namespace keychroma::report {

/// Writes `img` (interleaved 8-bit RGB) as PNG at `path`, atomically.
inline void write_png(const std::filesystem::path& path, const rgb8_image& img) {
    atomic_output out(path);
    const int w = static_cast<int>(img.shape()[1]), h = static_cast<int>(img.shape()[0]);
    if (stbi_write_png(out.temp_path().c_str(), w, h, 3, img.data(), w * 3) == 0)
        throw io_error(path.string() + ": cannot write PNG");
    out.commit();
}

} // namespace keychroma::report
