#pragma once
// A file's audio, unchanged (no decoding, no re-encoding): the packets of its best audio stream
// with timestamps counted from the file's first video frame, so that audio laid under frames
// that start at zero stays in sync with them (lip sync). ffmpeg_writer copies these packets into
// the video it writes (`audio_from`); extract_audio() keeps them in an audio-only Matroska file,
// which is how a send package carries a video's sound to the receiver.

#include <cstdint>
#include <filesystem>
#include <string>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/io/ffmpeg_util.hpp"

namespace keychroma::io {

/// The packets of the best audio stream of a file (none when it has no audio).
class audio_packets {
public:
    explicit audio_packets(const std::filesystem::path& source) : name_(source.string()) {
        ffmpeg::quiet_logs_once();
        std::error_code ec;
        if (!std::filesystem::exists(source, ec))
            throw io_error(name_ + ": cannot open audio source: no such file");
        AVFormatContext* raw = nullptr;
        if (int rc = avformat_open_input(&raw, name_.c_str(), nullptr, nullptr); rc < 0)
            throw format_error(name_ + ": cannot read audio source: " + ffmpeg::error_text(rc));
        input_.reset(raw);
        if (int rc = avformat_find_stream_info(input_.get(), nullptr); rc < 0)
            throw format_error(name_ +
                               ": cannot read stream parameters: " + ffmpeg::error_text(rc));
        const int index = av_find_best_stream(input_.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
        if (index < 0) return; // no audio: a silent source
        stream_ = input_->streams[index];
        for (unsigned i = 0; i < input_->nb_streams; ++i)
            if (static_cast<int>(i) != index) input_->streams[i]->discard = AVDISCARD_ALL;
        // The first video frame is time zero of whoever lays this audio under frames. A file
        // without video (an audio file, or a package's audio.mka) is already counted from there.
        const int video = av_find_best_stream(input_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
        if (video >= 0 && input_->streams[video]->start_time != AV_NOPTS_VALUE)
            shift_ = av_rescale_q(input_->streams[video]->start_time,
                                  input_->streams[video]->time_base, stream_->time_base);
    }

    [[nodiscard]] bool has_audio() const noexcept { return stream_ != nullptr; }
    [[nodiscard]] const std::string& source_name() const noexcept { return name_; }
    /// The stream's codec parameters (has_audio() only).
    [[nodiscard]] const AVCodecParameters* parameters() const noexcept { return stream_->codecpar; }
    [[nodiscard]] AVRational time_base() const noexcept { return stream_->time_base; }

    /// The next packet, its timestamps counted from the first video frame in time_base();
    /// false at the end (or when there is no audio).
    bool next(AVPacket* packet) {
        if (!stream_) return false;
        while (true) {
            const int rc = av_read_frame(input_.get(), packet);
            if (rc == AVERROR_EOF) return false;
            if (rc < 0)
                throw format_error(name_ + ": cannot read audio: " + ffmpeg::error_text(rc));
            if (packet->stream_index != stream_->index) {
                av_packet_unref(packet);
                continue;
            }
            if (packet->pts != AV_NOPTS_VALUE) packet->pts -= shift_;
            if (packet->dts != AV_NOPTS_VALUE) packet->dts -= shift_;
            packet->pos = -1;
            return true;
        }
    }

private:
    std::string name_;
    ffmpeg::input_context input_;
    AVStream* stream_ = nullptr; // owned by input_
    std::int64_t shift_ = 0;
};

/// Writes the audio of `source` unchanged into the audio-only Matroska file `output`, counted
/// from the source's first video frame; audio that plays before that frame is left out, as no
/// frame would show with it. Returns false, writing nothing, when the source has no audio. The
/// file appears only complete (atomic_output).
inline bool extract_audio(const std::filesystem::path& source,
                          const std::filesystem::path& output) {
    audio_packets in(source);
    if (!in.has_audio()) return false;
    const auto name = output.string();
    atomic_output out(output);
    AVFormatContext* raw = nullptr;
    if (avformat_alloc_output_context2(&raw, nullptr, "matroska", out.temp_path().c_str()) < 0 ||
        !raw)
        throw format_error(name + ": this FFmpeg cannot write Matroska");
    ffmpeg::output_context muxer(raw);
    AVStream* stream = avformat_new_stream(muxer.get(), nullptr);
    if (!stream) throw std::bad_alloc();
    if (int rc = avcodec_parameters_copy(stream->codecpar, in.parameters()); rc < 0)
        throw format_error(name + ": " + ffmpeg::error_text(rc));
    stream->codecpar->codec_tag = 0; // the source container's tag may not fit Matroska
    stream->time_base = in.time_base();
    if (int rc = avio_open(&muxer->pb, out.temp_path().c_str(), AVIO_FLAG_WRITE); rc < 0)
        throw io_error(name + ": cannot write: " + ffmpeg::error_text(rc));
    if (int rc = avformat_write_header(muxer.get(), nullptr); rc < 0)
        throw format_error(name + ": cannot write the Matroska header for the " +
                           avcodec_get_name(in.parameters()->codec_id) + " audio of " +
                           source.string() + ": " + ffmpeg::error_text(rc));
    auto packet = ffmpeg::make_packet();
    while (in.next(packet.get())) {
        if (packet->pts != AV_NOPTS_VALUE && packet->pts < 0) {
            av_packet_unref(packet.get());
            continue;
        }
        av_packet_rescale_ts(packet.get(), in.time_base(), stream->time_base);
        packet->stream_index = stream->index;
        if (int rc = av_interleaved_write_frame(muxer.get(), packet.get()); rc < 0)
            throw io_error(name + ": cannot write audio: " + ffmpeg::error_text(rc));
    }
    if (int rc = av_write_trailer(muxer.get()); rc < 0)
        throw io_error(name + ": cannot finish: " + ffmpeg::error_text(rc));
    muxer.reset(); // closes the file before it is renamed
    out.commit();
    return true;
}

} // namespace keychroma::io
