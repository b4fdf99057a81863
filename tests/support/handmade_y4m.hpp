#pragma once
// Y4M files written byte by byte, so that CLI tests do not depend on keychroma's own writer, and
// the one-line error check the CLI tests share.

#include <filesystem>
#include <fstream>
#include <string>

namespace keychroma::test {

/// A C444 Y4M file of `frames` frames: a horizontal Y ramp; with `colour`, U and V ramps that
/// move from frame to frame (something for a network to learn), else neutral chroma (128).
inline void write_y4m_444(const std::filesystem::path& p, int w, int h, int frames,
                          bool colour = false) {
    std::ofstream f(p, std::ios::binary);
    f << "YUV4MPEG2 W" << w << " H" << h << " F30000:1001 Ip A1:1 C444\n";
    for (int i = 0; i < frames; ++i) {
        f << "FRAME\n";
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) f.put(static_cast<char>(16 + (x * 219) / (w - 1)));
        for (int c = 0; c < 2; ++c)
            for (int y = 0; y < h; ++y)
                for (int x = 0; x < w; ++x)
                    f.put(static_cast<char>(colour ? 64 + ((c ? y : x) * 128) / (c ? h : w) + 4 * i
                                                   : 128));
    }
}

/// A Y4M header and no frames.
inline void write_y4m_no_frames(const std::filesystem::path& p, int w, int h) {
    std::ofstream(p, std::ios::binary) << "YUV4MPEG2 W" << w << " H" << h << " F25:1 C444\n";
}

/// One line on stderr, starting "keychroma: " (docs/cli.md).
inline bool one_line(const std::string& s) {
    return !s.empty() && s.find('\n') == s.size() - 1 && s.rfind("keychroma: ", 0) == 0;
}

} // namespace keychroma::test
