#pragma once
// Reads any container FFmpeg can demux (mp4, mkv, avi, webm, mov, mpg, y4m, ...) frame by frame
// as interleaved 8-bit sRGB. Frames are converted with libswscale using the colour matrix and
// range the stream signals, exactly as `ffmpeg -i IN -pix_fmt rgb24` does, so decoded frames
// match FFmpeg's own command-line output. A stream in keychroma's gray L* format (tagged
// KEYCHROMA=LSTAR, ffmpeg_util.hpp) is an io::lstar_source: next_plane() gives its codes as sent,
// next() the sRGB gray of each code, as for an L* Y4M.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lstar.hpp"
#include "keychroma/io/ffmpeg_util.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/video_info.hpp"

namespace keychroma::io {

/// Streaming decoder of the best video stream of a container file.
class ffmpeg_reader {
public:
    explicit ffmpeg_reader(const std::filesystem::path& path) : path_(path) {
        ffmpeg::quiet_logs_once();
        const auto name = path_.string();
        std::error_code ec;
        if (!std::filesystem::exists(path_, ec))
            throw io_error(name + ": cannot open: no such file");
        if (std::filesystem::is_directory(path_, ec))
            throw io_error(name + ": cannot open: is a directory");

        AVFormatContext* raw = nullptr;
        if (int rc = avformat_open_input(&raw, name.c_str(), nullptr, nullptr); rc < 0) {
            // A file that exists but cannot be opened is either unreadable (permissions, I/O)
            // or not something any demuxer recognises.
            if (rc == AVERROR(EACCES) || rc == AVERROR(EIO) || rc == AVERROR(EPERM))
                throw io_error(name + ": cannot open: " + ffmpeg::error_text(rc));
            throw format_error(name + ": not a video FFmpeg can read: " + ffmpeg::error_text(rc));
        }
        format_.reset(raw);
        if (int rc = avformat_find_stream_info(format_.get(), nullptr); rc < 0)
            throw format_error(name + ": cannot read stream parameters: " + ffmpeg::error_text(rc));

        const AVCodec* decoder = nullptr;
        const int index =
            av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
        if (index == AVERROR_STREAM_NOT_FOUND) throw format_error(name + ": no video stream");
        if (index < 0 || decoder == nullptr) {
            const auto* par = format_->streams[index < 0 ? 0 : index]->codecpar;
            throw format_error(name + ": no decoder for video codec " +
                               (index < 0 ? std::string("?") : avcodec_get_name(par->codec_id)));
        }
        stream_ = format_->streams[index];
        // Only the chosen video stream is demuxed into packets we look at; the rest is skipped.
        for (unsigned i = 0; i < format_->nb_streams; ++i)
            if (static_cast<int>(i) != index) format_->streams[i]->discard = AVDISCARD_ALL;

        const auto* par = stream_->codecpar;
        if (par->width <= 0 || par->height <= 0)
            throw format_error(name + ": video stream has no frame size");
        if (par->width > ffmpeg::max_side || par->height > ffmpeg::max_side ||
            std::int64_t{par->width} * par->height > ffmpeg::max_pixels)
            throw format_error(name + ": frame size " + std::to_string(par->width) + "x" +
                               std::to_string(par->height) + " is larger than supported");

        decoder_.reset(avcodec_alloc_context3(decoder));
        if (!decoder_) throw std::bad_alloc();
        if (int rc = avcodec_parameters_to_context(decoder_.get(), par); rc < 0)
            throw format_error(name + ": bad video stream parameters: " + ffmpeg::error_text(rc));
        decoder_->pkt_timebase = stream_->time_base;
        decoder_->thread_count = ffmpeg::codec_threads();
        if (int rc = avcodec_open2(decoder_.get(), decoder, nullptr); rc < 0)
            throw format_error(name + ": cannot open " + decoder->name +
                               " decoder: " + ffmpeg::error_text(rc));

        packet_ = ffmpeg::make_packet();
        decoded_ = ffmpeg::make_frame();
        lstar_ = ffmpeg::is_lstar_stream(stream_);
        info_ = describe();
    }

    ffmpeg_reader(ffmpeg_reader&&) noexcept = default;
    ffmpeg_reader& operator=(ffmpeg_reader&&) noexcept = default;

    [[nodiscard]] video_info info() const { return info_; }

    /// Codec name of the first audio stream ("aac", "mp3", ...), or empty when there is none.
    [[nodiscard]] std::optional<std::string> audio_codec() const {
        for (unsigned i = 0; i < format_->nb_streams; ++i)
            if (format_->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO)
                return std::string(avcodec_get_name(format_->streams[i]->codecpar->codec_id));
        return std::nullopt;
    }

    /// Packets the decoder rejected as corrupt and skipped (as `ffmpeg` does by default).
    [[nodiscard]] std::int64_t decode_errors() const noexcept { return decode_errors_; }

    /// True for a stream in keychroma's gray L* format.
    [[nodiscard]] bool is_lstar() const noexcept { return lstar_; }

    /// Decodes the next frame into `frame` ({height, width, 3} sRGB; reallocated only when its
    /// shape differs). Returns false after the last frame.
    bool next(rgb8_image& frame) {
        if (!receive_frame()) return false;
        if (lstar_) {
            luma_plane(codes_);
            resize_frame(frame, {info_.width, info_.height});
            const auto& gray = code_to_srgb8_gray();
            std::uint8_t* rgb = frame.data();
            for (std::size_t i = 0; i < codes_.size(); ++i)
                rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[codes_.data()[i]];
        } else {
            convert(frame);
        }
        av_frame_unref(decoded_.get());
        return true;
    }

    /// Decodes the next frame without converting it (skipping_source). False after the last one.
    bool skip() {
        if (!receive_frame()) return false;
        av_frame_unref(decoded_.get());
        return true;
    }

    /// The next frame's luma plane as decoded: L* codes for an L* stream, Y' samples otherwise.
    /// format_error for a stream whose frames have no 8-bit luma plane.
    bool next_plane(plane8& plane) {
        if (!receive_frame()) return false;
        luma_plane(plane);
        av_frame_unref(decoded_.get());
        return true;
    }

private:
    /// Decodes the next frame into decoded_; false after the last one.
    bool receive_frame() {
        if (finished_) return false;
        while (true) {
            const int rc = avcodec_receive_frame(decoder_.get(), decoded_.get());
            if (rc == 0) {
                ++frames_decoded_;
                return true;
            }
            if (rc == AVERROR_EOF) {
                finished_ = true;
                if (frames_decoded_ == 0)
                    throw format_error(
                        path_.string() + ": no decodable video frame" +
                        (last_error_ ? ": " + ffmpeg::error_text(last_error_) : std::string()));
                return false;
            }
            if (rc != AVERROR(EAGAIN))
                throw format_error(path_.string() +
                                   ": cannot decode video: " + ffmpeg::error_text(rc));
            feed_decoder();
        }
    }

    /// Copies decoded_'s first plane, which must be 8-bit luma of the stream's size.
    void luma_plane(plane8& plane) const {
        const auto fmt = static_cast<AVPixelFormat>(decoded_->format);
        if (!ffmpeg::has_luma_plane8(fmt) || decoded_->width != static_cast<int>(info_.width) ||
            decoded_->height != static_cast<int>(info_.height))
            throw format_error(path_.string() + ": frame " + std::to_string(frames_decoded_) +
                               " is " + safe_name(fmt) + " " + std::to_string(decoded_->width) +
                               "x" + std::to_string(decoded_->height) + ", not 8-bit luma of " +
                               std::to_string(info_.width) + "x" + std::to_string(info_.height));
        if (plane.shape()[0] != info_.height || plane.shape()[1] != info_.width)
            plane.resize({info_.height, info_.width});
        for (std::size_t y = 0; y < info_.height; ++y)
            std::memcpy(plane.data() + y * info_.width,
                        decoded_->data[0] + static_cast<std::ptrdiff_t>(y) * decoded_->linesize[0],
                        info_.width);
    }

    /// Sends the next packet of our stream to the decoder, or the end-of-stream flush.
    void feed_decoder() {
        if (draining_) return; // receive_frame will report EOF
        while (true) {
            const int rc = av_read_frame(format_.get(), packet_.get());
            if (rc == AVERROR_EOF) {
                draining_ = true;
                avcodec_send_packet(decoder_.get(), nullptr); // flush: delayed frames follow
                return;
            }
            if (rc < 0)
                throw format_error(path_.string() +
                                   ": cannot read packet: " + ffmpeg::error_text(rc));
            if (packet_->stream_index != stream_->index) {
                av_packet_unref(packet_.get());
                continue;
            }
            const int sent = avcodec_send_packet(decoder_.get(), packet_.get());
            av_packet_unref(packet_.get());
            if (sent == 0) return;
            if (sent == AVERROR_INVALIDDATA) {
                // A damaged packet: skip it and carry on, like `ffmpeg` does; a file where
                // nothing decodes still ends in format_error (see next()).
                ++decode_errors_;
                last_error_ = sent;
                continue;
            }
            throw format_error(path_.string() +
                               ": cannot decode video: " + ffmpeg::error_text(sent));
        }
    }

    void convert(rgb8_image& frame) {
        const int out_w = static_cast<int>(info_.width);
        const int out_h = static_cast<int>(info_.height);
        const auto fmt = static_cast<AVPixelFormat>(decoded_->format);
        // Bicubic is what `ffmpeg`'s auto-inserted scale filter uses; with equal sizes it only
        // matters for chroma upsampling, and keeping it makes our frames match FFmpeg's.
        SwsContext* sws = ffmpeg::cached_sws(sws_, decoded_->width, decoded_->height, fmt, out_w,
                                             out_h, AV_PIX_FMT_RGB24, SWS_BICUBIC);
        if (sws == nullptr)
            throw format_error(path_.string() + ": cannot convert pixel format " + safe_name(fmt) +
                               " to rgb24");
        // The colour matrix and range come from the frame's signalling (unspecified -> BT.601,
        // limited range unless yuvj*); they are set again only when they change.
        const colour_key key{fmt, decoded_->width, decoded_->height, decoded_->colorspace,
                             decoded_->color_range};
        if (key != colour_) {
            int src_full = 0, dst_full = 0, brightness = 0, contrast = 0, saturation = 0;
            int *src_table = nullptr, *dst_table = nullptr;
            sws_getColorspaceDetails(sws, &src_table, &src_full, &dst_table, &dst_full, &brightness,
                                     &contrast, &saturation);
            if (decoded_->color_range != AVCOL_RANGE_UNSPECIFIED)
                src_full = decoded_->color_range == AVCOL_RANGE_JPEG ? 1 : 0;
            else
                src_full = ffmpeg::is_jpeg_range_format(fmt) ? 1 : src_full;
            sws_setColorspaceDetails(sws, ffmpeg::coefficients_for(decoded_->colorspace), src_full,
                                     dst_table, 1, brightness, contrast, saturation);
            colour_ = key;
        }

        resize_frame(frame, {info_.width, info_.height});
        std::uint8_t* dst[4] = {frame.data(), nullptr, nullptr, nullptr};
        int dst_stride[4] = {out_w * 3, 0, 0, 0};
        const int rows = sws_scale(sws, decoded_->data, decoded_->linesize, 0, decoded_->height,
                                   dst, dst_stride);
        if (rows != out_h)
            throw format_error(path_.string() + ": pixel conversion from " + safe_name(fmt) +
                               " failed");
    }

    static std::string safe_name(AVPixelFormat f) {
        const char* n = av_get_pix_fmt_name(f);
        return n ? n : "unknown";
    }

    [[nodiscard]] video_info describe() const {
        video_info v;
        v.width = static_cast<std::size_t>(stream_->codecpar->width);
        v.height = static_cast<std::size_t>(stream_->codecpar->height);
        AVRational rate = stream_->avg_frame_rate;
        if (rate.num <= 0 || rate.den <= 0) rate = stream_->r_frame_rate;
        if (rate.num <= 0 || rate.den <= 0)
            rate = av_guess_frame_rate(format_.get(), stream_, nullptr);
        if (rate.num <= 0 || rate.den <= 0)
            throw format_error(path_.string() + ": video stream has no frame rate");
        v.fps = rational{rate.num, rate.den}.reduced();
        if (std::string_view(format_->iformat->name).find("matroska") != std::string_view::npos)
            v.fps = ffmpeg::snap_matroska_rate(v.fps);
        // Only a count the container states; an estimate from the duration would be wrong for
        // variable frame rate video, so it stays empty instead.
        if (stream_->nb_frames > 0) v.frame_count = stream_->nb_frames;
        v.format = format_name();
        v.pixel_format = lstar_ ? "gray-lstar" : safe_name(decoder_->pix_fmt);
        v.rotation = ffmpeg::stream_rotation(stream_);
        return v;
    }

    /// The demuxer's name, narrowed to the file's extension when the demuxer lists it
    /// ("mov,mp4,m4a,3gp,3g2,mj2" read from a.mp4 -> "mp4"; "matroska,webm" from a.mkv -> "mkv").
    [[nodiscard]] std::string format_name() const {
        const auto* ifmt = format_->iformat;
        const auto ext = ffmpeg::lower_extension(path_);
        if (ffmpeg::in_comma_list(ifmt->name, ext) || ffmpeg::in_comma_list(ifmt->extensions, ext))
            return ext;
        std::string first = ifmt->name;
        return first.substr(0, first.find(','));
    }

    /// The conversion state last given to swscale.
    struct colour_key {
        // Every parameter that makes sws_getCachedContext build a new context is part of the key,
        // so a new context (which starts with default colour details) is always detected.
        AVPixelFormat format = AV_PIX_FMT_NONE;
        int width = 0;
        int height = 0;
        AVColorSpace space = AVCOL_SPC_UNSPECIFIED;
        AVColorRange range = AVCOL_RANGE_UNSPECIFIED;
        friend bool operator==(const colour_key&, const colour_key&) = default;
    };

    std::filesystem::path path_;
    ffmpeg::input_context format_;
    ffmpeg::codec_context decoder_;
    ffmpeg::packet_ptr packet_;
    ffmpeg::frame_ptr decoded_;
    ffmpeg::sws_ptr sws_;
    AVStream* stream_ = nullptr; // owned by format_
    colour_key colour_;
    video_info info_;
    plane8 codes_; // next() of an L* stream
    bool lstar_ = false;
    std::int64_t frames_decoded_ = 0;
    std::int64_t decode_errors_ = 0;
    int last_error_ = 0;
    bool draining_ = false;
    bool finished_ = false;
};

static_assert(lstar_source<ffmpeg_reader>);
static_assert(skipping_source<ffmpeg_reader>);

} // namespace keychroma::io
