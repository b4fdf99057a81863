#pragma once
// Writes interleaved 8-bit sRGB frames into a container through libavformat/libavcodec:
// .mkv -> FFV1 in an RGB pixel format (lossless, bit-exact), .mp4/.mov -> H.264 (libx264, CRF)
// or MPEG-4 part 2 when no H.264 encoder opens, .avi -> MPEG-4, .webm -> VP9 (VP8 fallback),
// .mpg -> MPEG-2, .y4m -> raw yuv444p (wrapped_avframe, which FFmpeg's y4m muxer requires).
// Time base 1/fps, every packet carries its duration (without one the muxer drops the length
// of the last frame), and the stream's frame rate is stored, so readers see the source's exact
// rational rate (30000/1001 stays 30000/1001). An audio stream can be copied unchanged from
// another file (`audio_from`, io/ffmpeg_audio.hpp). With `lstar` the stream is keychroma's gray
// transmission format instead (ffmpeg_util.hpp): L* codes in the luma plane, gray8 where the
// encoder takes it (FFV1), else with neutral chroma (libx264 here), tagged KEYCHROMA=LSTAR.
// Output goes through atomic_output: nothing appears under the final name until close()
// succeeds.

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/io/encoder_preset.hpp"
#include "keychroma/io/ffmpeg_audio.hpp"
#include "keychroma/io/ffmpeg_util.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/frame_timeline.hpp"
#include "keychroma/io/video_info.hpp"

namespace keychroma::io {

/// How an ffmpeg_writer encodes.
struct ffmpeg_write_options {
    /// Copy the best audio stream of this file into the output (unchanged, no re-encoding).
    /// A file without audio is accepted and gives a silent output.
    std::optional<std::filesystem::path> audio_from;
    /// Encoder name ("libx264", "ffv1", "mpeg4", "libvpx-vp9", ...) or codec name ("h264");
    /// "" chooses from the extension.
    std::string codec;
    /// Quality: CRF for libx264 / libvpx; mapped to a fixed quantiser (crf/6) for MPEG-2/4.
    /// libx264 at 0 is lossless.
    int crf = 18;
    /// Speed preset of libx264 / libx265 (encoder_preset.hpp); "" keeps the encoder's default
    /// (medium). An encoder without these presets refuses one (config_error).
    std::string preset;
    /// Write keychroma's gray L* format: write() stores each frame's L* codes, write_plane()
    /// takes the codes themselves.
    bool lstar = false;
    /// When each frame is shown (a source's, read by read_frame_timeline): a timeline whose
    /// frames are unevenly spaced is kept, frame i stamped with its time in the source's tick;
    /// otherwise frame i is shown at i / fps. MPEG-1/2 (.mpg) hold a constant rate only.
    std::optional<frame_timeline> timeline;
};

namespace ffmpeg {

/// Encoders to try, in order, for an output; the first one that opens is used.
[[nodiscard]] inline std::vector<const AVCodec*>
encoder_candidates(const std::string& requested, const std::string& ext,
                   const AVOutputFormat* container) {
    std::vector<const AVCodec*> out;
    auto add = [&](const AVCodec* c) {
        if (c != nullptr && av_codec_is_encoder(c) &&
            std::find(out.begin(), out.end(), c) == out.end())
            out.push_back(c);
    };
    // Every software encoder of a codec id (hardware ones need devices we cannot assume).
    auto add_id = [&](AVCodecID id) {
        void* it = nullptr;
        while (const AVCodec* c = av_codec_iterate(&it))
            if (c->id == id && av_codec_is_encoder(c) &&
                !(c->capabilities & (AV_CODEC_CAP_HARDWARE | AV_CODEC_CAP_EXPERIMENTAL)))
                add(c);
    };
    auto add_h264 = [&] {
        add(avcodec_find_encoder_by_name("libx264"));
        add_id(AV_CODEC_ID_H264);
    };

    if (!requested.empty()) {
        if (requested == "h264" || requested == "libx264") add_h264();
        add(avcodec_find_encoder_by_name(requested.c_str()));
        if (const auto* d = avcodec_descriptor_get_by_name(requested.c_str())) add_id(d->id);
        return out;
    }
    if (ext == "mkv") {
        add(avcodec_find_encoder(AV_CODEC_ID_FFV1));
    } else if (ext == "mp4" || ext == "mov" || ext == "m4v") {
        add_h264();
        add(avcodec_find_encoder(AV_CODEC_ID_MPEG4));
    } else if (ext == "avi") {
        add(avcodec_find_encoder(AV_CODEC_ID_MPEG4));
    } else if (ext == "webm") {
        add(avcodec_find_encoder_by_name("libvpx-vp9"));
        add_id(AV_CODEC_ID_VP9);
        add(avcodec_find_encoder_by_name("libvpx"));
    } else if (ext == "y4m") {
        add(avcodec_find_encoder(AV_CODEC_ID_WRAPPED_AVFRAME));
    } else if (ext == "mpg" || ext == "mpeg") {
        add(avcodec_find_encoder(AV_CODEC_ID_MPEG2VIDEO));
    }
    if (out.empty() && container != nullptr && container->video_codec != AV_CODEC_ID_NONE)
        add_id(container->video_codec);
    return out;
}

[[nodiscard]] inline bool supports(const AVCodec* c, AVPixelFormat f) {
    if (c->pix_fmts == nullptr) return true;
    for (const AVPixelFormat* p = c->pix_fmts; *p != AV_PIX_FMT_NONE; ++p)
        if (*p == f) return true;
    return false;
}

[[nodiscard]] inline bool is_subsampled(AVPixelFormat f) {
    const auto* d = av_pix_fmt_desc_get(f);
    return d != nullptr && (d->log2_chroma_w > 0 || d->log2_chroma_h > 0);
}

[[nodiscard]] inline bool is_rgb(AVPixelFormat f) {
    const auto* d = av_pix_fmt_desc_get(f);
    return d != nullptr && (d->flags & AV_PIX_FMT_FLAG_RGB);
}

/// The pixel format an encoder gets: RGB for FFV1 (so the round trip is bit-exact), yuv420p
/// where it fits (what players expect of H.264/MPEG-4/VP9), else the closest format to rgb24.
/// An L* stream gets gray8, else the least chroma the encoder takes (the chroma is constant).
[[nodiscard]] inline AVPixelFormat choose_pixel_format(const AVCodec* c, int width, int height,
                                                       bool lstar) {
    const bool even = width % 2 == 0 && height % 2 == 0;
    if (lstar) {
        for (auto f :
             {AV_PIX_FMT_GRAY8, even ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_NONE, AV_PIX_FMT_YUV444P})
            if (f != AV_PIX_FMT_NONE && c->pix_fmts != nullptr && supports(c, f)) return f;
        return AV_PIX_FMT_NONE;
    }
    if (c->id == AV_CODEC_ID_FFV1) {
        for (auto f : {AV_PIX_FMT_BGR0, AV_PIX_FMT_GBRP})
            if (supports(c, f)) return f;
    }
    if (c->id == AV_CODEC_ID_WRAPPED_AVFRAME || c->pix_fmts == nullptr) return AV_PIX_FMT_YUV444P;
    if (even && supports(c, AV_PIX_FMT_YUV420P)) return AV_PIX_FMT_YUV420P;
    if (supports(c, AV_PIX_FMT_YUV444P)) return AV_PIX_FMT_YUV444P;
    return avcodec_find_best_pix_fmt_of_list(c->pix_fmts, AV_PIX_FMT_RGB24, 0, nullptr);
}

} // namespace ffmpeg

/// Streaming encoder + muxer of an sRGB frame sequence into a container file.
class ffmpeg_writer {
public:
    ffmpeg_writer(const std::filesystem::path& path, const video_info& info,
                  const ffmpeg_write_options& options = {})
        : out_(path), width_(static_cast<int>(info.width)), height_(static_cast<int>(info.height)),
          lstar_(options.lstar) {
        ffmpeg::quiet_logs_once();
        const auto name = path.string();
        check_encoder_preset(options.preset, name + ": ");
        if (info.width == 0 || info.height == 0 || info.width > ffmpeg::max_side ||
            info.height > ffmpeg::max_side ||
            static_cast<std::int64_t>(info.width * info.height) > ffmpeg::max_pixels)
            throw config_error(name + ": cannot write a " + std::to_string(info.width) + "x" +
                               std::to_string(info.height) + " video");
        const auto fps = info.fps.reduced();
        if (fps.num <= 0 || fps.den <= 0 || fps.num > INT_MAX || fps.den > INT_MAX)
            throw config_error(name + ": invalid frame rate " + std::to_string(fps.num) + "/" +
                               std::to_string(fps.den));
        const AVRational rate{static_cast<int>(fps.num), static_cast<int>(fps.den)};

        // The temporary name keeps the extension, so the muxer is chosen from it.
        const auto temp = out_.temp_path().string();
        AVFormatContext* raw = nullptr;
        if (avformat_alloc_output_context2(&raw, nullptr, nullptr, temp.c_str()) < 0 || !raw)
            throw format_error(name + ": no container format for extension '" +
                               path.extension().string() + "'");
        muxer_.reset(raw);

        if (options.timeline && options.timeline->varies() && options.timeline->tick.num > 0 &&
            options.timeline->tick.num <= INT_MAX && options.timeline->tick.den > 0 &&
            options.timeline->tick.den <= INT_MAX)
            timeline_ = options.timeline;
        open_encoder(name, ffmpeg::lower_extension(path), options, rate);

        video_ = avformat_new_stream(muxer_.get(), nullptr);
        if (!video_) throw std::bad_alloc();
        video_->time_base = encoder_->time_base; // a hint; the muxer may choose its own
        video_->avg_frame_rate = rate;
        video_->r_frame_rate = rate;
        if (int rc = avcodec_parameters_from_context(video_->codecpar, encoder_.get()); rc < 0)
            throw format_error(name + ": " + ffmpeg::error_text(rc));
        if (lstar_) av_dict_set(&video_->metadata, ffmpeg::lstar_tag, ffmpeg::lstar_tag_value, 0);
        if (info.rotation % 360 != 0) { // a display matrix: mp4/mov keep it, others drop it
            auto* matrix = reinterpret_cast<std::int32_t*>(av_stream_new_side_data(
                video_, AV_PKT_DATA_DISPLAYMATRIX, 9 * sizeof(std::int32_t)));
            if (!matrix) throw std::bad_alloc();
            // av_display_rotation_set turns clockwise, av_display_rotation_get reads
            // counter-clockwise (libavutil/display.h): the minus makes them round-trip.
            av_display_rotation_set(matrix, -static_cast<double>(info.rotation));
        }

        if (options.audio_from) add_audio(name, *options.audio_from);

        if (!(muxer_->oformat->flags & AVFMT_NOFILE)) {
            if (int rc = avio_open(&muxer_->pb, temp.c_str(), AVIO_FLAG_WRITE); rc < 0)
                throw io_error(name + ": cannot write: " + ffmpeg::error_text(rc));
        }
        if (int rc = avformat_write_header(muxer_.get(), nullptr); rc < 0)
            throw format_error(name + ": cannot write " + muxer_->oformat->name +
                               " header: " + ffmpeg::error_text(rc));

        frame_ = ffmpeg::make_frame();
        frame_->format = encoder_->pix_fmt;
        frame_->width = width_;
        frame_->height = height_;
        if (int rc = av_frame_get_buffer(frame_.get(), 0); rc < 0)
            throw format_error(name + ": " + ffmpeg::error_text(rc));
        packet_ = ffmpeg::make_packet();

        if (lstar_) return; // write_plane() fills the planes itself
        sws_.reset(sws_getContext(
            width_, height_, AV_PIX_FMT_RGB24, width_, height_, encoder_->pix_fmt,
            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
        if (!sws_)
            throw format_error(name + ": cannot convert rgb24 to " +
                               av_get_pix_fmt_name(encoder_->pix_fmt));
        const int* matrix = ffmpeg::coefficients_for(encoder_->colorspace);
        sws_setColorspaceDetails(sws_.get(), matrix, 1, matrix,
                                 encoder_->color_range == AVCOL_RANGE_JPEG ? 1 : 0, 0, 1 << 16,
                                 1 << 16);
    }

    ffmpeg_writer(ffmpeg_writer&&) noexcept = default;
    ffmpeg_writer& operator=(ffmpeg_writer&&) = delete;
    ~ffmpeg_writer() = default; // unclosed: contexts close the file, atomic_output removes it

    /// The encoder actually used ("libx264", "ffv1", "mpeg4", ...).
    [[nodiscard]] std::string encoder_name() const { return encoder_->codec->name; }
    /// The pixel format frames are encoded in ("yuv420p", "bgr0", ...).
    [[nodiscard]] std::string pixel_format() const {
        return av_get_pix_fmt_name(encoder_->pix_fmt);
    }
    /// True when an audio stream is being copied.
    [[nodiscard]] bool has_audio() const noexcept { return audio_out_ != nullptr; }

    /// Encodes one frame ({height, width, 3} sRGB, the size given at construction); an L*
    /// stream stores the frame's L* codes.
    void write(const rgb8_image& frame) {
        check_frame(frame.dimension() == 3 && frame.shape()[2] == 3, frame.shape()[1],
                    frame.shape()[0]);
        if (lstar_) {
            rgb8_to_lstar_codes(frame, codes_);
            write_plane(codes_);
            return;
        }
        writable_frame();
        const std::uint8_t* src[4] = {frame.data(), nullptr, nullptr, nullptr};
        const int src_stride[4] = {width_ * 3, 0, 0, 0};
        sws_scale(sws_.get(), src, src_stride, 0, height_, frame_->data, frame_->linesize);
        frame_->pts = timeline_ ? timeline_->at(frames_) : std::int64_t(frames_);
        ++frames_;
        encode(frame_.get());
    }

    /// Encodes one frame of an L* stream from its codes ({height, width}).
    void write_plane(const plane8& codes) {
        if (!lstar_) throw config_error(out_.final_path().string() + ": not an L* stream");
        check_frame(true, codes.shape()[1], codes.shape()[0]);
        writable_frame();
        for (int y = 0; y < height_; ++y)
            std::memcpy(frame_->data[0] + std::ptrdiff_t{y} * frame_->linesize[0],
                        codes.data() + std::size_t(y) * std::size_t(width_), std::size_t(width_));
        // Neutral chroma, written every frame: a fresh buffer from make_writable holds a copy
        // of the last frame, but nothing promises that for the encoder's first one.
        const auto* d = av_pix_fmt_desc_get(encoder_->pix_fmt);
        const int chroma_h = -((-height_) >> d->log2_chroma_h);
        for (int p = 1; p < 4 && frame_->data[p] != nullptr; ++p)
            std::memset(frame_->data[p], 128, std::size_t(frame_->linesize[p]) * chroma_h);
        frame_->pts = timeline_ ? timeline_->at(frames_) : std::int64_t(frames_);
        ++frames_;
        encode(frame_.get());
    }

    /// Flushes the encoder, copies the rest of the audio, writes the trailer and moves the file
    /// to its final name. Calling it again does nothing.
    void close() {
        if (closed_) return;
        closed_ = true; // a failure below leaves the writer closed; the temp file is removed
        encode(nullptr);
        copy_audio_until(AV_NOPTS_VALUE, {1, 1});
        if (int rc = av_write_trailer(muxer_.get()); rc < 0)
            throw io_error(out_.final_path().string() +
                           ": cannot finish: " + ffmpeg::error_text(rc));
        muxer_.reset(); // closes the file before it is renamed
        out_.commit();
    }

private:
    /// Refuses a write after close() or a frame of another size.
    void check_frame(bool shape_ok, std::size_t width, std::size_t height) const {
        const auto name = out_.final_path().string();
        if (closed_) throw config_error(name + ": write after close");
        if (!shape_ok || width != static_cast<std::size_t>(width_) ||
            height != static_cast<std::size_t>(height_))
            throw config_error(name + ": frame is " + std::to_string(width) + "x" +
                               std::to_string(height) + ", the video is " + std::to_string(width_) +
                               "x" + std::to_string(height_));
    }

    /// The encoder may still hold a reference to the previous frame's buffers.
    void writable_frame() {
        if (int rc = av_frame_make_writable(frame_.get()); rc < 0)
            throw format_error(out_.final_path().string() + ": " + ffmpeg::error_text(rc));
    }

    void open_encoder(const std::string& name, const std::string& ext,
                      const ffmpeg_write_options& options, AVRational rate) {
        const auto candidates = ffmpeg::encoder_candidates(options.codec, ext, muxer_->oformat);
        if (candidates.empty())
            throw format_error(
                name + ": no video encoder available for " +
                (options.codec.empty() ? "'" + ext + "' files" : "codec '" + options.codec + "'"));
        std::string failures;
        for (const AVCodec* codec : candidates) {
            if (avformat_query_codec(muxer_->oformat, codec->id, FF_COMPLIANCE_NORMAL) == 0) {
                failures += std::string(failures.empty() ? "" : "; ") + "the " +
                            muxer_->oformat->name + " container cannot hold " +
                            avcodec_get_name(codec->id);
                continue;
            }
            const auto pix = ffmpeg::choose_pixel_format(codec, width_, height_, lstar_);
            if (lstar_ && pix == AV_PIX_FMT_NONE) {
                failures += std::string(failures.empty() ? "" : "; ") + codec->name +
                            " takes no gray or Y'CbCr frames";
                continue;
            }
            if (pix == AV_PIX_FMT_NONE ||
                (ffmpeg::is_subsampled(pix) && (width_ % 2 != 0 || height_ % 2 != 0))) {
                failures += std::string(failures.empty() ? "" : "; ") + codec->name +
                            " needs an even width and height";
                continue;
            }
            ffmpeg::codec_context ctx(avcodec_alloc_context3(codec));
            if (!ctx) throw std::bad_alloc();
            configure(ctx.get(), codec, pix, rate, options);
            const int rc = avcodec_open2(ctx.get(), codec, nullptr);
            if (rc == 0) {
                encoder_ = std::move(ctx);
                if (!stamps(codec)) timeline_.reset();
                return;
            }
            failures += std::string(failures.empty() ? "" : "; ") + codec->name + ": " +
                        ffmpeg::error_text(rc);
            if (codec->id == AV_CODEC_ID_MPEG1VIDEO || codec->id == AV_CODEC_ID_MPEG2VIDEO)
                failures += " (MPEG-1/2 code only frame rates near the standard ones, and " +
                            std::to_string(rate.num) + "/" + std::to_string(rate.den) +
                            " frames/s may not be one: .mp4 and .mkv take any rate)";
        }
        throw format_error(name + ": cannot open a video encoder (" + failures + ")");
    }

    /// Whether `codec` stamps frames with the kept timeline: MPEG-1/2 allow only standard
    /// constant rates.
    [[nodiscard]] bool stamps(const AVCodec* codec) const noexcept {
        return timeline_ && codec->id != AV_CODEC_ID_MPEG1VIDEO &&
               codec->id != AV_CODEC_ID_MPEG2VIDEO;
    }

    void configure(AVCodecContext* ctx, const AVCodec* codec, AVPixelFormat pix, AVRational rate,
                   const ffmpeg_write_options& options) const {
        ctx->width = width_;
        ctx->height = height_;
        ctx->pix_fmt = pix;
        // one tick per frame (pts = frame index), or the source's tick when its times are kept
        ctx->time_base = stamps(codec) ? AVRational{static_cast<int>(timeline_->tick.num),
                                                    static_cast<int>(timeline_->tick.den)}
                                       : av_inv_q(rate);
        ctx->framerate = rate;
        ctx->sample_aspect_ratio = {1, 1};
        ctx->thread_count = ffmpeg::codec_threads();
        if (ffmpeg::is_rgb(pix)) {
            ctx->colorspace = AVCOL_SPC_RGB;
            ctx->color_range = AVCOL_RANGE_JPEG;
        } else if (lstar_) {
            ctx->color_range = AVCOL_RANGE_JPEG; // codes 0..255, not studio-range luma
        } else {
            // BT.601 matrix: what every reader (and `ffmpeg` itself) assumes when a container
            // cannot signal the matrix (y4m, MPEG-4 part 2 in avi), so all outputs decode alike.
            ctx->colorspace = AVCOL_SPC_SMPTE170M;
            ctx->color_range =
                ffmpeg::is_jpeg_range_format(pix) ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
        }
        if (!lstar_) { // L* codes are neither sRGB-encoded nor of any primaries
            ctx->color_primaries = AVCOL_PRI_BT709; // sRGB primaries
            ctx->color_trc = AVCOL_TRC_IEC61966_2_1;
        }
        if (muxer_->oformat->flags & AVFMT_GLOBALHEADER) ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

        if (!options.preset.empty() &&
            av_opt_set(ctx->priv_data, "preset", options.preset.c_str(), 0) < 0)
            throw config_error(out_.final_path().string() + ": the " + codec->name +
                               " encoder takes no speed preset (libx264 and libx265 do: .mp4, "
                               ".mov)");
        const int quality = std::clamp(options.crf, 0, 63);
        switch (codec->id) {
        case AV_CODEC_ID_H264:
        case AV_CODEC_ID_HEVC:
            av_opt_set(ctx->priv_data, "crf", std::to_string(quality).c_str(), 0);
            break;
        case AV_CODEC_ID_VP8:
        case AV_CODEC_ID_VP9:
            av_opt_set_int(ctx->priv_data, "crf", quality, 0);
            av_opt_set(ctx->priv_data, "deadline", "good", 0);
            av_opt_set_int(ctx->priv_data, "cpu-used", 4, 0);
            av_opt_set_int(ctx->priv_data, "row-mt", 1, 0);
            // VP9 constant quality needs bitrate 0; VP8 treats the bitrate as a ceiling.
            ctx->bit_rate = codec->id == AV_CODEC_ID_VP9 ? 0 : 20'000'000;
            break;
        case AV_CODEC_ID_MPEG4:
        case AV_CODEC_ID_MPEG2VIDEO:
        case AV_CODEC_ID_MPEG1VIDEO: {
            // No CRF in these encoders: a fixed quantiser of about crf/6 (18 -> 3).
            const int q = std::clamp(static_cast<int>(std::lround(quality / 6.0)), 1, 31);
            ctx->flags |= AV_CODEC_FLAG_QSCALE;
            ctx->global_quality = FF_QP2LAMBDA * q;
            // MPEG-2 stores rates like 20 fps only through its extension fields.
            ctx->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
            break;
        }
        default:
            break;
        }
    }

    void add_audio(const std::string& name, const std::filesystem::path& source) {
        audio_.emplace(source);
        if (!audio_->has_audio()) { // no audio there: the output is silent, as the source was
            audio_.reset();
            return;
        }
        const auto codec_id = audio_->parameters()->codec_id;
        if (avformat_query_codec(muxer_->oformat, codec_id, FF_COMPLIANCE_NORMAL) == 0)
            throw format_error(name + ": the " + muxer_->oformat->name +
                               " container cannot hold the " + avcodec_get_name(codec_id) +
                               " audio of " + source.string());
        audio_out_ = avformat_new_stream(muxer_.get(), nullptr);
        if (!audio_out_) throw std::bad_alloc();
        if (int rc = avcodec_parameters_copy(audio_out_->codecpar, audio_->parameters()); rc < 0)
            throw format_error(name + ": " + ffmpeg::error_text(rc));
        audio_out_->codecpar->codec_tag = 0; // the source container's tag may not fit ours
        audio_out_->time_base = audio_->time_base();
        audio_packet_ = ffmpeg::make_packet();
    }

    /// Copies audio packets whose decoding time is not after `limit` (AV_NOPTS_VALUE: all of
    /// them), so audio and video reach the muxer's interleaver in step.
    void copy_audio_until(std::int64_t limit, AVRational limit_tb) {
        if (!audio_ || audio_done_) return;
        const auto name = out_.final_path().string();
        while (true) {
            if (!audio_pending_) {
                if (!audio_->next(audio_packet_.get())) {
                    audio_done_ = true;
                    return;
                }
                av_packet_rescale_ts(audio_packet_.get(), audio_->time_base(),
                                     audio_out_->time_base);
                audio_packet_->stream_index = audio_out_->index;
                audio_pending_ = true;
            }
            const auto t =
                audio_packet_->dts != AV_NOPTS_VALUE ? audio_packet_->dts : audio_packet_->pts;
            if (limit != AV_NOPTS_VALUE && t != AV_NOPTS_VALUE &&
                av_compare_ts(t, audio_out_->time_base, limit, limit_tb) > 0)
                return;
            audio_pending_ = false;
            if (int rc = av_interleaved_write_frame(muxer_.get(), audio_packet_.get()); rc < 0)
                throw io_error(name + ": cannot write audio: " + ffmpeg::error_text(rc));
        }
    }

    /// Sends a frame (nullptr: end of stream) and writes every packet the encoder returns.
    void encode(AVFrame* frame) {
        const auto name = out_.final_path().string();
        if (int rc = avcodec_send_frame(encoder_.get(), frame); rc < 0)
            throw format_error(name + ": cannot encode: " + ffmpeg::error_text(rc));
        while (true) {
            const int rc = avcodec_receive_packet(encoder_.get(), packet_.get());
            if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) return;
            if (rc < 0) throw format_error(name + ": cannot encode: " + ffmpeg::error_text(rc));
            packet_->stream_index = video_->index;
            // Every frame lasts one tick of the 1/fps time base. Without a duration the muxer
            // cannot know how long the last frame lasts and the file comes out one frame short.
            if (packet_->duration <= 0) packet_->duration = 1;
            av_packet_rescale_ts(packet_.get(), encoder_->time_base, video_->time_base);
            copy_audio_until(packet_->dts != AV_NOPTS_VALUE ? packet_->dts : packet_->pts,
                             video_->time_base);
            if (int w = av_interleaved_write_frame(muxer_.get(), packet_.get()); w < 0)
                throw io_error(name + ": cannot write video: " + ffmpeg::error_text(w));
        }
    }

    atomic_output out_; // first member: destroyed last, after the contexts closed the file
    int width_;
    int height_;
    bool lstar_;
    plane8 codes_; // write() of an L* stream: the frame's codes
    ffmpeg::output_context muxer_;
    ffmpeg::codec_context encoder_;
    ffmpeg::frame_ptr frame_;
    ffmpeg::packet_ptr packet_;
    ffmpeg::sws_ptr sws_;
    AVStream* video_ = nullptr; // owned by muxer_
    std::optional<audio_packets> audio_;
    ffmpeg::packet_ptr audio_packet_;
    AVStream* audio_out_ = nullptr;          // owned by muxer_
    std::size_t frames_ = 0;                 ///< frames written
    std::optional<frame_timeline> timeline_; ///< the times frames are stamped with, if kept
    bool audio_pending_ = false;
    bool audio_done_ = false;
    bool closed_ = false;
};

static_assert(frame_sink<ffmpeg_writer>);

} // namespace keychroma::io
