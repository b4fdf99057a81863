#pragma once
// FFmpeg's command-line tools as the independent witness of what keychroma reads and writes:
// `ffmpeg` makes test clips, `ffprobe` describes outputs. A program that needs them skips itself
// when they are not installed (a global fixture: support/skip.hpp).

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "skip.hpp"

namespace keychroma::test {

/// Global fixture: the program is skipped, before any case runs, without ffmpeg and ffprobe.
struct ffmpeg_cli_required {
    ffmpeg_cli_required() {
        if (std::system("ffmpeg -hide_banner -version >/dev/null 2>&1") != 0 ||
            std::system("ffprobe -hide_banner -version >/dev/null 2>&1") != 0)
            skip_program("the ffmpeg/ffprobe command-line tools are not installed");
    }
};

/// What a shell command prints on stdout, without the trailing newline.
inline std::string capture(const std::string& cmd) {
    std::string out;
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, f)) out += buf;
        ::pclose(f);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

/// One entry of ffprobe's description of the first stream of a type ("v" or "a"); "" when the
/// file has no such stream.
inline std::string probe(const std::filesystem::path& file, const std::string& stream,
                         const std::string& entry, const std::string& extra = "") {
    return capture("ffprobe -v error " + extra + " -select_streams " + stream +
                   ":0 -show_entries stream=" + entry + " -of default=nw=1:nk=1 '" + file.string() +
                   "'");
}

} // namespace keychroma::test
