#pragma once
// Run-time choice of reader and writer from a path, for the command-line tool, where the format
// is only known from the file name. Library code that knows its format uses the concrete types.
//   *.y4m                                  -> Y4M
//   a directory, a %d pattern, an image    -> image sequence (stb)
//   anything else                          -> FFmpeg (when built with KEYCHROMA_HAS_FFMPEG)

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "keychroma/core/error.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/frame_timeline.hpp"
#include "keychroma/io/image_sequence.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/io/y4m.hpp"
#include "keychroma/io/yuv.hpp"

#ifdef KEYCHROMA_HAS_FFMPEG
#include "keychroma/io/ffmpeg.hpp"
#endif

namespace keychroma::io {

/// Which reader or writer a path selects.
enum class media_kind { y4m, image_sequence, container };

/// Options for `open_source`; each reader takes what concerns it.
struct source_options {
    yuv_matrix matrix = yuv_matrix::bt601; ///< Y4M: Y'CbCr matrix (Y4M does not say)
    std::optional<yuv_range> range;        ///< Y4M: force the range
    rational fps{25, 1};                   ///< image sequences: frame rate to assume
};

/// Options for `open_sink`; each writer takes what concerns it.
struct sink_options {
    y4m_write_options y4m;                           ///< Y4M: colourspace, range, matrix
    image_sequence_write_options images;             ///< image sequences: JPEG quality, start
    std::optional<std::filesystem::path> audio_from; ///< containers: copy audio from here
    std::string codec;                               ///< containers: encoder, "" = by extension
    int crf = 18;                                    ///< containers: quality
    std::string preset; ///< containers: libx264/libx265 speed preset, "" = medium
    /// containers: keep the frame times of this video where they are unevenly spaced (a
    /// container's, timeline_of; see ffmpeg_write_options::timeline). Read only for a container
    /// output; a Y4M or an image sequence source has a constant rate.
    std::optional<std::filesystem::path> times_from;
};

/// Whether FFmpeg containers can be read and written by this build.
[[nodiscard]] constexpr bool has_ffmpeg() noexcept {
#ifdef KEYCHROMA_HAS_FFMPEG
    return true;
#else
    return false;
#endif
}

/// The reader or writer a path selects, from its form alone (the file need not exist).
[[nodiscard]] inline media_kind classify_path(const std::filesystem::path& path) {
    const auto ext = lower_extension(path);
    if (ext == "y4m") return media_kind::y4m;
    std::error_code ec;
    if (is_frame_pattern(path) || std::filesystem::is_directory(path, ec) ||
        is_readable_image_extension(ext))
        return media_kind::image_sequence;
    return media_kind::container;
}

namespace detail {
[[noreturn]] inline void needs_ffmpeg(const std::filesystem::path& path, const char* what) {
    throw format_error(path.string() + ": " + what + " '" + path.extension().string() +
                       "' files needs FFmpeg support (this build has none: rebuild with "
                       "KEYCHROMA_WITH_FFMPEG=ON), or use .y4m or an image sequence");
}
} // namespace detail

/// Opens a video for reading: Y4M, image sequence, or (with FFmpeg) any container.
[[nodiscard]] inline std::unique_ptr<any_source> open_source(const std::filesystem::path& path,
                                                             const source_options& options = {}) {
    switch (classify_path(path)) {
    case media_kind::y4m:
        return std::make_unique<source_adaptor<y4m_reader>>(
            y4m_reader(path, y4m_read_options{options.matrix, options.range}));
    case media_kind::image_sequence:
        return std::make_unique<source_adaptor<image_sequence_reader>>(
            image_sequence_reader(path, image_sequence_options{options.fps}));
    case media_kind::container:
        break;
    }
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw io_error(path.string() + ": cannot open: no such file");
#ifdef KEYCHROMA_HAS_FFMPEG
    return std::make_unique<source_adaptor<ffmpeg_reader>>(ffmpeg_reader(path));
#else
    detail::needs_ffmpeg(path, "reading");
#endif
}

/// When each frame of `source` is shown: a container's timeline (read_frame_timeline), empty
/// for Y4M files and image sequences, whose frames come at a constant rate.
[[nodiscard]] inline std::optional<frame_timeline>
timeline_of(const std::filesystem::path& source) {
    if (classify_path(source) != media_kind::container) return std::nullopt;
#ifdef KEYCHROMA_HAS_FFMPEG
    return read_frame_timeline(source);
#else
    detail::needs_ffmpeg(source, "reading");
#endif
}

/// Opens a video for writing: Y4M, image sequence, or (with FFmpeg) any container. The output
/// appears under its final name only when the sink's `close()` succeeds.
[[nodiscard]] inline std::unique_ptr<any_sink> open_sink(const std::filesystem::path& path,
                                                         const video_info& info,
                                                         const sink_options& options = {}) {
    const auto kind = classify_path(path);
    if (!options.preset.empty() && kind != media_kind::container)
        throw config_error(path.string() +
                           ": a speed preset is for H.264 and H.265 outputs "
                           "(.mp4, .mov), not for " +
                           (kind == media_kind::y4m ? "Y4M" : "image sequences"));
    switch (kind) {
    case media_kind::y4m:
        return std::make_unique<sink_adaptor<y4m_writer>>(y4m_writer(path, info, options.y4m));
    case media_kind::image_sequence:
        return std::make_unique<sink_adaptor<image_sequence_writer>>(
            image_sequence_writer(path, info, options.images));
    case media_kind::container:
        break;
    }
#ifdef KEYCHROMA_HAS_FFMPEG
    ffmpeg_write_options fo;
    fo.audio_from = options.audio_from;
    fo.codec = options.codec;
    fo.crf = options.crf;
    fo.preset = options.preset;
    if (options.times_from) fo.timeline = timeline_of(*options.times_from);
    return std::make_unique<sink_adaptor<ffmpeg_writer>>(ffmpeg_writer(path, info, fo));
#else
    (void)info;
    (void)options;
    detail::needs_ffmpeg(path, "writing");
#endif
}

/// Writes the sound of `source` unchanged into the audio-only Matroska file `output`, counted
/// from the video's first frame (io/ffmpeg_audio.hpp). False, writing nothing, when there is no
/// sound to keep: Y4M and image sequences have none, a container may have none, and a build
/// without FFmpeg reads none.
inline bool copy_audio_track(const std::filesystem::path& source,
                             const std::filesystem::path& output) {
    if (classify_path(source) != media_kind::container) return false;
#ifdef KEYCHROMA_HAS_FFMPEG
    return extract_audio(source, output);
#else
    (void)output;
    return false;
#endif
}

} // namespace keychroma::io
