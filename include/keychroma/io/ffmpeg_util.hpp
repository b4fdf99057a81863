#pragma once
// RAII owners and small helpers around FFmpeg's C API (libavformat, libavcodec, libswscale,
// FFmpeg 5.1+ send/receive API). The io/ffmpeg*.hpp headers are the only ones in keychroma that
// include FFmpeg, so everything FFmpeg-specific stays behind this wall.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/cpu.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"
#include "keychroma/io/video_info.hpp"

namespace keychroma::io::ffmpeg {

/// Frames larger than this (per side, and in pixels) are refused before anything is allocated:
/// a corrupt header must not turn into a multi-gigabyte allocation.
inline constexpr int max_side = 32768;
inline constexpr std::int64_t max_pixels = std::int64_t{1} << 28;

/// Threads for a decoder or an encoder: one per CPU this process may run on (av_cpu_count
/// honours the affinity mask, so `taskset` and cpusets limit it), at most 16, FFmpeg's own cap
/// for automatic threads (beyond it frame threading adds delay and memory for little). A fixed
/// two threads made the encoder the stage that bounds a colorization wherever the network is
/// faster than that (a GPU, many cores): x264 encodes 720p at about 16-18 frames/s a core
/// (docs/pipeline.md).
[[nodiscard]] inline int codec_threads() noexcept {
    return std::clamp(av_cpu_count(), 1, 16);
}

/// FFmpeg's error code as text (av_strerror), for one-line messages.
[[nodiscard]] inline std::string error_text(int code) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {};
    if (av_strerror(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
    return buf;
}

/// FFmpeg's default log level (INFO) prints encoder statistics, stream dumps and its own copy of
/// every error on stderr from inside the library. keychroma reports failures as one-line
/// exceptions instead, so it lowers the level to fatal errors once, unless the application
/// already chose a level of its own (call av_log_set_level to get FFmpeg's messages back).
inline void quiet_logs_once() {
    static const bool done = [] {
        if (av_log_get_level() == AV_LOG_INFO) av_log_set_level(AV_LOG_FATAL);
        return true;
    }();
    (void)done;
}

/// The lower-case extension without the dot ("mp4"), or "" when there is none.
[[nodiscard]] inline std::string lower_extension(const std::filesystem::path& p) {
    auto ext = p.extension().string();
    if (!ext.empty() && ext.front() == '.') ext.erase(0, 1);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

/// True when `name` is one of the comma-separated entries of `list` ("mov,mp4,m4a").
[[nodiscard]] inline bool in_comma_list(const char* list, const std::string& name) {
    if (list == nullptr || name.empty()) return false;
    const std::string l = list;
    std::size_t start = 0;
    while (start <= l.size()) {
        const auto end = std::min(l.find(',', start), l.size());
        if (l.compare(start, end - start, name) == 0) return true;
        start = end + 1;
    }
    return false;
}

struct input_context_deleter {
    void operator()(AVFormatContext* c) const noexcept { avformat_close_input(&c); }
};
/// Demuxer context opened with avformat_open_input.
using input_context = std::unique_ptr<AVFormatContext, input_context_deleter>;

struct output_context_deleter {
    void operator()(AVFormatContext* c) const noexcept {
        if (c == nullptr) return;
        if (c->oformat != nullptr && !(c->oformat->flags & AVFMT_NOFILE)) avio_closep(&c->pb);
        avformat_free_context(c);
    }
};
/// Muxer context from avformat_alloc_output_context2; closes its file too.
using output_context = std::unique_ptr<AVFormatContext, output_context_deleter>;

struct codec_context_deleter {
    void operator()(AVCodecContext* c) const noexcept { avcodec_free_context(&c); }
};
using codec_context = std::unique_ptr<AVCodecContext, codec_context_deleter>;

struct frame_deleter {
    void operator()(AVFrame* f) const noexcept { av_frame_free(&f); }
};
using frame_ptr = std::unique_ptr<AVFrame, frame_deleter>;

struct packet_deleter {
    void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
using packet_ptr = std::unique_ptr<AVPacket, packet_deleter>;

struct sws_deleter {
    void operator()(SwsContext* s) const noexcept { sws_freeContext(s); }
};
using sws_ptr = std::unique_ptr<SwsContext, sws_deleter>;

[[nodiscard]] inline frame_ptr make_frame() {
    frame_ptr f(av_frame_alloc());
    if (!f) throw std::bad_alloc();
    return f;
}

[[nodiscard]] inline packet_ptr make_packet() {
    packet_ptr p(av_packet_alloc());
    if (!p) throw std::bad_alloc();
    return p;
}

/// Re-creates `ctx` only when the conversion parameters changed (sws_getCachedContext), keeping
/// ownership in the unique_ptr.
inline SwsContext* cached_sws(sws_ptr& ctx, int src_w, int src_h, AVPixelFormat src_fmt, int dst_w,
                              int dst_h, AVPixelFormat dst_fmt, int flags) {
    SwsContext* raw = sws_getCachedContext(ctx.release(), src_w, src_h, src_fmt, dst_w, dst_h,
                                           dst_fmt, flags, nullptr, nullptr, nullptr);
    ctx.reset(raw);
    return raw;
}

/// True for the YUV formats whose samples use the full 0..255 range by definition (yuvj*).
[[nodiscard]] inline bool is_jpeg_range_format(AVPixelFormat f) noexcept {
    return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P ||
           f == AV_PIX_FMT_YUVJ440P || f == AV_PIX_FMT_YUVJ411P;
}

/// swscale's coefficient table for a signalled colourspace. Unknown or unsupported values fall
/// back to BT.601, as FFmpeg's own scale filter does (so frames match `ffmpeg -pix_fmt rgb24`).
[[nodiscard]] inline const int* coefficients_for(AVColorSpace cs) noexcept {
    int c = static_cast<int>(cs);
    if (c < 1 || c > 10 || c == 8) c = SWS_CS_ITU601;
    return sws_getCoefficients(c);
}

/// keychroma's gray transmission format in a container: the stream's luma plane holds L* codes
/// (core/lstar.hpp), full range, any chroma planes neutral; the stream is tagged
/// KEYCHROMA=LSTAR (Matroska keeps stream tags, MP4 does not: L* video goes in .mkv).
inline constexpr const char* lstar_tag = "KEYCHROMA";
inline constexpr const char* lstar_tag_value = "LSTAR";

[[nodiscard]] inline bool is_lstar_stream(const AVStream* stream) noexcept {
    const AVDictionaryEntry* e = av_dict_get(stream->metadata, lstar_tag, nullptr, 0);
    return e != nullptr && std::string_view(e->value) == lstar_tag_value;
}

/// True for a format whose first plane is 8-bit luma, one byte a sample (gray, yuv*p, yuvj*p):
/// the formats an L* stream may be decoded to.
[[nodiscard]] inline bool has_luma_plane8(AVPixelFormat f) noexcept {
    const auto* d = av_pix_fmt_desc_get(f);
    return d != nullptr && !(d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) &&
           (d->flags & AV_PIX_FMT_FLAG_PLANAR || d->nb_components == 1) && d->comp[0].plane == 0 &&
           d->comp[0].step == 1 && d->comp[0].depth == 8 && d->comp[0].shift == 0;
}

/// The display rotation of a stream (video_info::rotation): its display matrix's angle, to the
/// nearest quarter turn, in [0, 360); 0 without one.
[[nodiscard]] inline int stream_rotation(const AVStream* stream) noexcept {
    std::size_t size = 0;
    const auto* matrix = reinterpret_cast<const std::int32_t*>(
        av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size));
    if (matrix == nullptr || size < 9 * sizeof(std::int32_t)) return 0;
    const double degrees = av_display_rotation_get(matrix);
    if (!std::isfinite(degrees)) return 0;
    const int quarter = static_cast<int>(std::lround(degrees / 90.0));
    return ((quarter % 4) + 4) % 4 * 90;
}

/// Matroska stores a frame duration in whole nanoseconds and FFmpeg turns it back into a rate
/// with numerator and denominator at most 30000, so 60000/1001 comes back as 19001/317. A rate
/// within a nanosecond-per-frame of an integer rate or of an NTSC rate (k*1000/1001) is that
/// rate; anything else is kept as the demuxer reported it.
[[nodiscard]] inline rational snap_matroska_rate(rational r) noexcept {
    const double v = r.value();
    if (!(v > 0)) return r;
    // A duration off by up to 0.5 ns changes the rate by up to v*v*0.5e-9 (relative v*0.5e-9),
    // widened by the 30000 limit of the reduction (relative error up to ~1e-7 at 60 fps).
    const double tol = v * 1e-6;
    const double k = std::round(v);
    if (std::fabs(v - k) <= tol) return {static_cast<std::int64_t>(k), 1};
    const double kn = std::round(v * 1.001);
    if (std::fabs(v - kn * 1000.0 / 1001.0) <= tol)
        return rational{static_cast<std::int64_t>(kn) * 1000, 1001}.reduced();
    return r;
}

} // namespace keychroma::io::ffmpeg
