#pragma once
// A file's frame timeline (frame_timeline.hpp) from the presentation times of its best video
// stream's packets, read without decoding: one pass of demuxing, 8 bytes per frame.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>

#include "keychroma/core/error.hpp"
#include "keychroma/io/ffmpeg_util.hpp"
#include "keychroma/io/frame_timeline.hpp"

namespace keychroma::io {

/// The timeline of `source`'s best video stream. Empty (no times) when a packet has no
/// presentation time, two share one, the times span more than 2^50 ticks or a packet cannot be
/// read: such a file's frames are then written at a constant rate, as before.
[[nodiscard]] inline frame_timeline read_frame_timeline(const std::filesystem::path& source) {
    ffmpeg::quiet_logs_once();
    const std::string name = source.string();
    AVFormatContext* raw = nullptr;
    if (int rc = avformat_open_input(&raw, name.c_str(), nullptr, nullptr); rc < 0)
        throw format_error(name + ": cannot read: " + ffmpeg::error_text(rc));
    ffmpeg::input_context input(raw);
    if (int rc = avformat_find_stream_info(input.get(), nullptr); rc < 0)
        throw format_error(name + ": cannot read stream parameters: " + ffmpeg::error_text(rc));
    const int index = av_find_best_stream(input.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index < 0) throw format_error(name + ": no video stream");
    for (unsigned i = 0; i < input->nb_streams; ++i)
        if (static_cast<int>(i) != index) input->streams[i]->discard = AVDISCARD_ALL;
    const AVRational base = input->streams[index]->time_base;
    if (base.num <= 0 || base.den <= 0) return {};
    frame_timeline timeline;
    timeline.tick = {base.num, base.den};
    auto packet = ffmpeg::make_packet();
    while (true) {
        const int rc = av_read_frame(input.get(), packet.get());
        if (rc == AVERROR_EOF) break;
        if (rc < 0) return {}; // the frames' reader decides what a damaged file gives
        const bool ours = packet->stream_index == index;
        const std::int64_t pts = packet->pts;
        av_packet_unref(packet.get());
        if (!ours) continue;
        if (pts == AV_NOPTS_VALUE) return {};
        timeline.times.push_back(pts);
    }
    // Packets come in decoding order; frames are shown in presentation order.
    std::sort(timeline.times.begin(), timeline.times.end());
    if (std::adjacent_find(timeline.times.begin(), timeline.times.end()) != timeline.times.end())
        return {};
    if (timeline.times.empty()) return timeline;
    // Times a file may claim, counted from the first frame without overflow: up to 2^50 ticks
    // (four centuries at a 1/90000 s tick), which also bounds frame_timeline::at's sums.
    constexpr std::int64_t longest = std::int64_t{1} << 50;
    const std::int64_t first = timeline.times.front();
    if (first < -longest || first > longest || timeline.times.back() > first + longest) return {};
    for (auto& t : timeline.times) t -= first;
    return timeline;
}

} // namespace keychroma::io
