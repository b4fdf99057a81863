#pragma once
// keychroma's gray transmission format (design.md §4) in its three codings, chosen by the sender
// at run time: the L* codes raw in a Y4M (Cmono XKEYCHROMA=LSTAR, the paper's), or in Matroska
// through FFV1 (lossless: the same codes arrive) or H.264 (libx264 at a CRF; 0 is lossless).
// Every reader of the format is an io::lstar_source, so the receiver reads the codes as sent
// whichever coding carried them.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"
#include "keychroma/io/encoder_preset.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/frame_timeline.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/io/y4m.hpp"

#ifdef KEYCHROMA_HAS_FFMPEG
#include "keychroma/io/ffmpeg_writer.hpp"
#endif

namespace keychroma::io {

enum class gray_codec { raw, ffv1, h264 };

inline constexpr gray_codec gray_codecs[] = {gray_codec::raw, gray_codec::ffv1, gray_codec::h264};

/// The name a user gives (`send --gray-codec`) and the package manifest records.
[[nodiscard]] constexpr std::string_view gray_codec_name(gray_codec c) noexcept {
    switch (c) {
    case gray_codec::ffv1:
        return "ffv1";
    case gray_codec::h264:
        return "h264";
    default:
        return "raw";
    }
}

[[nodiscard]] inline std::optional<gray_codec> parse_gray_codec(std::string_view name) noexcept {
    for (const auto c : gray_codecs)
        if (gray_codec_name(c) == name) return c;
    return std::nullopt;
}

/// The file extension each coding is written with: Y4M for raw, Matroska (which keeps the
/// KEYCHROMA=LSTAR stream tag) for the others.
[[nodiscard]] constexpr std::string_view gray_extension(gray_codec c) noexcept {
    return c == gray_codec::raw ? ".y4m" : ".mkv";
}

/// How a gray video is coded.
struct gray_video_options {
    gray_codec codec = gray_codec::raw;
    int crf = 18;       ///< h264 only: libx264's CRF (0 = lossless)
    std::string preset; ///< h264 only: libx264's speed preset (encoder_preset.hpp), "" = medium
    /// ffv1 and h264: the source's frame times, kept where they are unevenly spaced
    /// (ffmpeg_write_options::timeline); a raw Y4M has a constant rate only.
    std::optional<frame_timeline> timeline;
};

/// config_error unless `options` name a coding that can be written: a speed preset is a known
/// one, for h264 (the other codings have none). A sender checks this before its long work.
inline void check_gray_video_options(const gray_video_options& options) {
    if (options.preset.empty()) return;
    if (options.codec != gray_codec::h264)
        throw config_error("a speed preset is for the h264 gray coding, not " +
                           std::string(gray_codec_name(options.codec)));
    check_encoder_preset(options.preset);
}

/// Opens a writer of the gray L* format at `path` (whose extension must be the coding's):
/// each sRGB frame written is stored as its L* codes. config_error for options
/// check_gray_video_options refuses, format_error when this build has no FFmpeg for a coding
/// that needs it.
[[nodiscard]] inline std::unique_ptr<any_sink> open_gray_sink(const std::filesystem::path& path,
                                                              const video_info& info,
                                                              const gray_video_options& options) {
    check_gray_video_options(options);
    if (path.extension() != gray_extension(options.codec))
        throw config_error(path.string() + ": a " + std::string(gray_codec_name(options.codec)) +
                           " gray video is written to a " +
                           std::string(gray_extension(options.codec)) + " file");
    if (options.codec == gray_codec::raw) {
        y4m_write_options y4m;
        y4m.chroma = y4m_chroma::mono_lstar;
        return std::make_unique<sink_adaptor<y4m_writer>>(y4m_writer(path, info, y4m));
    }
#ifdef KEYCHROMA_HAS_FFMPEG
    ffmpeg_write_options f;
    f.codec = options.codec == gray_codec::ffv1 ? "ffv1" : "libx264";
    f.crf = options.crf;
    f.preset = options.preset;
    f.lstar = true;
    f.timeline = options.timeline;
    return std::make_unique<sink_adaptor<ffmpeg_writer>>(ffmpeg_writer(path, info, f));
#else
    (void)info;
    throw format_error(path.string() + ": the " + std::string(gray_codec_name(options.codec)) +
                       " gray coding needs FFmpeg support (this build has none: rebuild with "
                       "KEYCHROMA_WITH_FFMPEG=ON), or use raw");
#endif
}

} // namespace keychroma::io
