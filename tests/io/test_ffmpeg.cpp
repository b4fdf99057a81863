#define BOOST_TEST_MODULE ffmpeg
#include <boost/test/unit_test.hpp>

// Synthetic videos written with ffmpeg_writer and read back with ffmpeg_reader: FFV1/mkv is
// bit-exact, lossy codecs stay within a PSNR bound, frame counts and exact rational frame
// rates survive every container, and bad input ends in the documented error types.

#ifdef KEYCHROMA_HAS_FFMPEG

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "keychroma/core/lab_scaling.hpp"
#include "keychroma/io/ffmpeg.hpp"
#include "keychroma/io/gray_video.hpp"
#include "keychroma/io/open.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

// a skipped case (webm without a VP9/VP8 encoder) shows in ctest only when all others passed
using keychroma::test::report_skipped_cases;
BOOST_TEST_GLOBAL_FIXTURE(report_skipped_cases);

using namespace keychroma;
using namespace keychroma::io;

namespace {

/// Smooth gradients plus a bright square that moves 3 px per frame, so consecutive frames
/// differ clearly and the last one can be told from the one before it.
rgb8_image smooth_frame(std::size_t w, std::size_t h, int index) {
    rgb8_image f = xt::zeros<std::uint8_t>({h, w, std::size_t{3}});
    auto* p = f.data();
    const int sx = (index * 3) % static_cast<int>(w);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x, p += 3) {
            p[0] = static_cast<std::uint8_t>(40 + 160 * x / w);
            p[1] = static_cast<std::uint8_t>(30 + 180 * y / h);
            p[2] = static_cast<std::uint8_t>(200 - 120 * (x + y) / (w + h));
            const int dx = static_cast<int>(x) - sx;
            if (dx >= 0 && dx < 12 && y >= h / 4 && y < h / 4 + 12) p[0] = p[1] = p[2] = 235;
        }
    return f;
}

/// Every byte pseudo-random: only a lossless path reproduces it.
rgb8_image noise_frame(std::size_t w, std::size_t h, std::uint32_t seed) {
    rgb8_image f({h, w, std::size_t{3}});
    std::uint32_t s = seed * 2654435761u + 1;
    for (auto& v : f) {
        s = s * 1664525u + 1013904223u;
        v = static_cast<std::uint8_t>(s >> 24);
    }
    return f;
}

double psnr(const rgb8_image& a, const rgb8_image& b) {
    BOOST_REQUIRE(a.shape() == b.shape());
    double se = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a.data()[i]) - double(b.data()[i]);
        se += d * d;
    }
    const double mse = se / double(a.size());
    return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

video_info make_info(std::size_t w, std::size_t h, rational fps) {
    video_info v;
    v.width = w;
    v.height = h;
    v.fps = fps;
    return v;
}

std::vector<rgb8_image> read_all(const std::filesystem::path& p) {
    ffmpeg_reader r(p);
    std::vector<rgb8_image> frames;
    rgb8_image f;
    while (r.next(f)) frames.push_back(f);
    BOOST_TEST(!r.next(f)); // stays at the end
    return frames;
}

/// Writes `frames`, reads them back, checks size, count and exact rate, returns min PSNR.
double round_trip(const std::filesystem::path& p, const std::vector<rgb8_image>& frames,
                  rational fps, const ffmpeg_write_options& opt = {}) {
    const auto w = frames.front().shape()[1], h = frames.front().shape()[0];
    {
        ffmpeg_writer wr(p, make_info(w, h, fps), opt);
        for (const auto& f : frames) wr.write(f);
        wr.close();
    }
    ffmpeg_reader r(p);
    const auto info = r.info();
    BOOST_TEST(info.width == w);
    BOOST_TEST(info.height == h);
    BOOST_TEST(info.fps.reduced().num == fps.reduced().num);
    BOOST_TEST(info.fps.reduced().den == fps.reduced().den);
    const auto back = read_all(p);
    BOOST_REQUIRE_EQUAL(back.size(), frames.size()); // the last frame is not lost
    double worst = 99;
    for (std::size_t i = 0; i < back.size(); ++i) worst = std::min(worst, psnr(back[i], frames[i]));
    BOOST_TEST_MESSAGE(p.filename().string()
                       << ": " << frames.size() << " frames, min PSNR " << worst << " dB");
    return worst;
}

template <class E, class F>
std::string message_of(F&& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    }
    BOOST_FAIL("expected exception not thrown");
    return {};
}

/// A minimal PCM WAV file (16-bit mono sine), the only audio we can make without the CLI.
void write_wav(const std::filesystem::path& p, int rate, double seconds) {
    const auto n = static_cast<std::uint32_t>(rate * seconds);
    std::ofstream o(p, std::ios::binary);
    auto u32 = [&](std::uint32_t v) { o.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&](std::uint16_t v) { o.write(reinterpret_cast<const char*>(&v), 2); };
    o.write("RIFF", 4);
    u32(36 + n * 2);
    o.write("WAVEfmt ", 8);
    u32(16);
    u16(1); // PCM
    u16(1); // mono
    u32(static_cast<std::uint32_t>(rate));
    u32(static_cast<std::uint32_t>(rate * 2));
    u16(2);
    u16(16);
    o.write("data", 4);
    u32(n * 2);
    for (std::uint32_t i = 0; i < n; ++i)
        u16(static_cast<std::uint16_t>(
            static_cast<std::int16_t>(8000 * std::sin(2 * 3.14159265358979 * 440.0 * i / rate))));
}

} // namespace

static_assert(frame_source<ffmpeg_reader>);
static_assert(frame_sink<ffmpeg_writer>);

BOOST_AUTO_TEST_CASE(mkv_ffv1_round_trip_is_bit_exact_at_ntsc_rate) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (std::uint32_t i = 0; i < 12; ++i) frames.push_back(noise_frame(67, 43, i)); // odd size
    const auto p = dir / "noise.mkv";
    {
        ffmpeg_writer w(p, make_info(67, 43, {30000, 1001}));
        BOOST_TEST(w.encoder_name() == "ffv1");
        BOOST_TEST((w.pixel_format() == "bgr0" || w.pixel_format() == "gbrp"));
        for (const auto& f : frames) w.write(f);
        w.close();
    }
    ffmpeg_reader r(p);
    const auto info = r.info();
    BOOST_TEST(info.format == "mkv");
    BOOST_TEST((info.pixel_format == "bgr0" || info.pixel_format == "gbrp"));
    BOOST_TEST(info.fps.num == 30000);
    BOOST_TEST(info.fps.den == 1001);
    const auto back = read_all(p);
    BOOST_REQUIRE_EQUAL(back.size(), frames.size());
    for (std::size_t i = 0; i < back.size(); ++i)
        BOOST_TEST((back[i] == frames[i]), "frame " << i << " differs");
}

// skip() decodes a frame without converting it: the frames that follow are the ones a reader
// that converted every frame gives, also behind the run-time face (any_source).
BOOST_AUTO_TEST_CASE(skip_passes_over_frames_of_an_inter_coded_stream) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 9; ++i) frames.push_back(smooth_frame(64, 48, i));
    const auto p = dir / "skip.mp4"; // H.264: frames that depend on the skipped ones
    {
        ffmpeg_writer w(p, make_info(64, 48, {25, 1}));
        for (const auto& f : frames) w.write(f);
        w.close();
    }
    const auto all = read_all(p);
    BOOST_REQUIRE(all.size() == 9u);
    ffmpeg_reader r(p);
    source_adaptor<ffmpeg_reader> any(ffmpeg_reader{p});
    rgb8_image f;
    for (std::size_t i = 0; i < 9; ++i) {
        if (i % 3 == 2) {
            BOOST_REQUIRE(r.next(f));
            BOOST_TEST((f == all[i]), "frame " << i);
            BOOST_REQUIRE(any.next(f));
            BOOST_TEST((f == all[i]), "frame " << i << " through any_source");
        } else {
            BOOST_TEST(r.skip());
            BOOST_TEST(any.skip());
        }
    }
    BOOST_TEST(!r.skip());
    BOOST_TEST(!any.skip());
}

BOOST_AUTO_TEST_CASE(mp4_round_trip_within_psnr_bound_and_keeps_last_frame) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 15; ++i) frames.push_back(smooth_frame(96, 64, i));
    const auto p = dir / "smooth.mp4";
    {
        ffmpeg_writer w(p, make_info(96, 64, {30000, 1001}));
        BOOST_TEST((w.encoder_name() == "libx264" || w.encoder_name() == "mpeg4"));
        BOOST_TEST(w.pixel_format() == "yuv420p");
        for (const auto& f : frames) w.write(f);
        w.close();
    }
    ffmpeg_reader r(p);
    BOOST_TEST(r.info().format == "mp4");
    BOOST_TEST(r.info().pixel_format == "yuv420p");
    BOOST_REQUIRE(r.info().frame_count.has_value());
    BOOST_TEST(*r.info().frame_count == 15);
    BOOST_TEST(r.info().fps.num == 30000);
    BOOST_TEST(r.info().fps.den == 1001);
    const auto back = read_all(p);
    BOOST_REQUIRE_EQUAL(back.size(), 15u);
    for (std::size_t i = 0; i < back.size(); ++i) {
        const double q = psnr(back[i], frames[i]);
        BOOST_TEST(q >= 38.0, "frame " << i << " PSNR " << q);
    }
    // The decoded last frame is the written last frame, not a repeat of the one before.
    BOOST_TEST(psnr(back[14], frames[14]) > psnr(back[14], frames[13]) + 6.0);
}

BOOST_AUTO_TEST_CASE(odd_sized_mp4_uses_444_and_mpeg4_refuses_odd_sizes) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 4; ++i) frames.push_back(smooth_frame(65, 47, i));
    if (avcodec_find_encoder_by_name("libx264")) {
        ffmpeg_writer w(dir / "odd.mp4", make_info(65, 47, {25, 1}));
        BOOST_TEST(w.pixel_format() == "yuv444p");
        w.close();
        BOOST_TEST(round_trip(dir / "odd2.mp4", frames, {25, 1}) >= 38.0);
    }
    ffmpeg_write_options opt;
    opt.codec = "mpeg4";
    const auto msg = message_of<format_error>([&] {
        ffmpeg_writer w(dir / "odd.avi", make_info(65, 47, {25, 1}), opt);
    });
    BOOST_TEST(msg.find("even width and height") != std::string::npos, msg);
    BOOST_TEST(msg.find("odd.avi") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(avi_mpeg4_round_trip) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 10; ++i) frames.push_back(smooth_frame(96, 64, i));
    const auto p = dir / "smooth.avi";
    BOOST_TEST(round_trip(p, frames, {25, 1}) >= 30.0);
    BOOST_TEST(ffmpeg_reader(p).info().format == "avi");
    BOOST_TEST(ffmpeg_reader(p).info().pixel_format == "yuv420p");
}

BOOST_AUTO_TEST_CASE(webm_round_trip, *test::skip_unless(
                                          [] {
                                              return avcodec_find_encoder_by_name("libvpx-vp9") ||
                                                     avcodec_find_encoder_by_name("libvpx");
                                          },
                                          "no VP9/VP8 encoder in this FFmpeg")) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 8; ++i) frames.push_back(smooth_frame(96, 64, i));
    BOOST_TEST(round_trip(dir / "smooth.webm", frames, {24000, 1001}) >= 35.0);
    BOOST_TEST(ffmpeg_reader(dir / "smooth.webm").info().format == "webm");
}

BOOST_AUTO_TEST_CASE(mpg_keeps_a_nonstandard_mpeg2_rate) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 10; ++i) frames.push_back(smooth_frame(96, 64, i));
    BOOST_TEST(round_trip(dir / "smooth.mpg", frames, {20, 1}) >= 30.0);
}

BOOST_AUTO_TEST_CASE(mpg_refuses_a_rate_mpeg2_cannot_code_and_says_what_can) {
    // 768000/42497 frames/s: the mean rate of a variable-rate phone clip
    test::temp_dir dir;
    video_info info;
    info.width = 32;
    info.height = 32;
    info.fps = {768000, 42497};
    try {
        ffmpeg_writer w(dir / "odd.mpg", info);
        BOOST_FAIL("opened an MPEG-2 encoder at 768000/42497 frames/s");
    } catch (const format_error& e) {
        const std::string what = e.what();
        BOOST_TEST(what.find("768000/42497 frames/s") != std::string::npos, what);
        BOOST_TEST(what.find(".mp4 and .mkv take any rate") != std::string::npos, what);
    }
    BOOST_TEST(!std::filesystem::exists(dir / "odd.mpg"));
}

BOOST_AUTO_TEST_CASE(y4m_through_wrapped_avframe) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 6; ++i) frames.push_back(smooth_frame(64, 48, i));
    const auto p = dir / "smooth.y4m";
    BOOST_TEST(round_trip(p, frames, {30000, 1001}) >= 45.0);
    // Independent check of what the muxer wrote: the Y4M stream header in plain text.
    std::ifstream in(p, std::ios::binary);
    std::string header;
    std::getline(in, header);
    BOOST_TEST(header.rfind("YUV4MPEG2 W64 H48 F30000:1001", 0) == 0, header);
    BOOST_TEST(header.find("C444") != std::string::npos, header);
    BOOST_TEST(std::filesystem::file_size(p) ==
               header.size() + 1 + 6 * (6 + 64 * 48 * 3)); // "FRAME\n" + 3 planes
    BOOST_TEST(ffmpeg_reader(p).info().format == "y4m");
}

BOOST_AUTO_TEST_CASE(frame_rates_and_counts_survive_each_container) {
    test::temp_dir dir;
    const rational rates[] = {{24000, 1001}, {24, 1}, {25, 1}, {20, 1}, {60000, 1001}, {50, 1}};
    const char* exts[] = {".mkv", ".mp4", ".avi"};
    int n = 0;
    for (const auto& fps : rates)
        for (const char* ext : exts) {
            const int count = 1 + (n++ % 5); // includes single-frame videos
            std::vector<rgb8_image> frames;
            for (int i = 0; i < count; ++i) frames.push_back(smooth_frame(32, 32, i));
            BOOST_TEST_CONTEXT(fps.num << "/" << fps.den << " " << ext) {
                round_trip(dir / ("r" + std::to_string(n) + ext), frames, fps);
            }
        }
}

BOOST_AUTO_TEST_CASE(missing_and_non_video_inputs) {
    test::temp_dir dir;
    const auto missing = dir / "nope.mp4";
    auto msg = message_of<io_error>([&] { ffmpeg_reader r(missing); });
    BOOST_TEST(msg.find("nope.mp4") != std::string::npos, msg);

    const auto text = dir / "notes.mp4";
    std::ofstream(text) << "this is not a video, just some text that no demuxer accepts\n";
    msg = message_of<format_error>([&] { ffmpeg_reader r(text); });
    BOOST_TEST(msg.find("notes.mp4") != std::string::npos, msg);
    BOOST_TEST(msg.find('\n') == std::string::npos);

    const auto wav = dir / "tone.wav";
    write_wav(wav, 8000, 0.5);
    msg = message_of<format_error>([&] { ffmpeg_reader r(wav); });
    BOOST_TEST(msg.find("tone.wav") != std::string::npos, msg);
    BOOST_TEST(msg.find("no video stream") != std::string::npos, msg);

    // A real mp4 cut in half: the header (moov at the end) is gone, so it is not readable.
    {
        ffmpeg_writer w(dir / "whole.mp4", make_info(64, 48, {25, 1}));
        for (int i = 0; i < 5; ++i) w.write(smooth_frame(64, 48, i));
        w.close();
    }
    const auto size = std::filesystem::file_size(dir / "whole.mp4");
    std::filesystem::copy_file(dir / "whole.mp4", dir / "cut.mp4");
    std::filesystem::resize_file(dir / "cut.mp4", size / 2);
    msg = message_of<format_error>([&] {
        ffmpeg_reader r(dir / "cut.mp4");
        rgb8_image f;
        while (r.next(f)) {
        }
    });
    BOOST_TEST(msg.find("cut.mp4") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(writer_errors_and_atomicity) {
    test::temp_dir dir;
    const auto info = make_info(32, 32, {25, 1});
    auto msg = message_of<io_error>([&] { ffmpeg_writer w(dir / "no/such/dir/out.mkv", info); });
    BOOST_TEST(msg.find("out.mkv") != std::string::npos, msg);

    msg = message_of<format_error>([&] { ffmpeg_writer w(dir / "out.notavideo", info); });
    BOOST_TEST(msg.find("out.notavideo") != std::string::npos, msg);

    ffmpeg_write_options ffv1;
    ffv1.codec = "ffv1";
    msg = message_of<format_error>([&] { ffmpeg_writer w(dir / "ffv1.mp4", info, ffv1); });
    BOOST_TEST(msg.find("cannot hold ffv1") != std::string::npos, msg);
    ffmpeg_write_options bogus;
    bogus.codec = "no-such-codec";
    msg = message_of<format_error>([&] { ffmpeg_writer w(dir / "bogus.mkv", info, bogus); });
    BOOST_TEST(msg.find("no-such-codec") != std::string::npos, msg);

    msg = message_of<config_error>([&] { ffmpeg_writer w(dir / "z.mkv", make_info(0, 32, {})); });
    BOOST_TEST(msg.find("z.mkv") != std::string::npos, msg);

    // A speed preset: only a name x264 and x265 know, and only for an encoder that takes one.
    ffmpeg_write_options sluggish;
    sluggish.preset = "sluggish";
    msg = message_of<config_error>([&] { ffmpeg_writer w(dir / "slow.mp4", info, sluggish); });
    BOOST_TEST(msg.find("'sluggish'") != std::string::npos, msg);
    BOOST_TEST(msg.find("ultrafast, superfast, veryfast") != std::string::npos, msg);
    ffmpeg_write_options fast;
    fast.preset = "fast";
    msg = message_of<config_error>([&] { ffmpeg_writer w(dir / "fast.mkv", info, fast); });
    BOOST_TEST(msg.find("ffv1 encoder takes no speed preset") != std::string::npos, msg);

    {
        ffmpeg_writer w(dir / "partial.mp4", info);
        w.write(smooth_frame(32, 32, 0));
        msg = message_of<config_error>([&] { w.write(smooth_frame(16, 32, 0)); });
        BOOST_TEST(msg.find("partial.mp4") != std::string::npos, msg);
        // destroyed without close(): nothing may remain, not even the temporary file
    }
    BOOST_TEST(std::filesystem::is_empty(dir.path()));

    {
        ffmpeg_writer w(dir / "done.mkv", info);
        w.write(smooth_frame(32, 32, 0));
        BOOST_TEST(!std::filesystem::exists(dir / "done.mkv")); // not before close()
        w.close();
        w.close(); // second close is a no-op
        BOOST_CHECK_THROW(w.write(smooth_frame(32, 32, 1)), config_error);
    }
    BOOST_TEST(std::filesystem::exists(dir / "done.mkv"));
    BOOST_TEST(std::distance(std::filesystem::directory_iterator(dir.path()),
                             std::filesystem::directory_iterator()) == 1);
}

BOOST_AUTO_TEST_CASE(audio_is_copied_when_asked) {
    test::temp_dir dir;
    const auto wav = dir / "tone.wav";
    write_wav(wav, 8000, 1.0);
    std::vector<rgb8_image> frames;
    for (std::uint32_t i = 0; i < 25; ++i) frames.push_back(noise_frame(40, 30, i));

    ffmpeg_write_options opt;
    opt.audio_from = wav;
    const auto out = dir / "with_audio.mkv";
    {
        ffmpeg_writer w(out, make_info(40, 30, {25, 1}), opt);
        BOOST_TEST(w.has_audio());
        for (const auto& f : frames) w.write(f);
        w.close();
    }
    ffmpeg_reader r(out);
    BOOST_REQUIRE(r.audio_codec().has_value());
    BOOST_TEST(*r.audio_codec() == "pcm_s16le");
    const auto back = read_all(out);
    BOOST_REQUIRE_EQUAL(back.size(), frames.size());
    for (std::size_t i = 0; i < back.size(); ++i) BOOST_TEST((back[i] == frames[i]));

    // mp4 cannot store PCM: refused up front, naming both files.
    auto msg = message_of<format_error>([&] {
        ffmpeg_writer w(dir / "pcm.mp4", make_info(40, 30, {25, 1}), opt);
    });
    BOOST_TEST(msg.find("pcm.mp4") != std::string::npos, msg);
    BOOST_TEST(msg.find("tone.wav") != std::string::npos, msg);
    BOOST_TEST(msg.find("pcm_s16le") != std::string::npos, msg);

    // A source without audio gives a silent output, not an error.
    opt.audio_from = out.parent_path() / "silent_src.mkv";
    {
        ffmpeg_writer w(*opt.audio_from, make_info(40, 30, {25, 1}));
        w.write(frames[0]);
        w.close();
    }
    {
        ffmpeg_writer w(dir / "silent.mkv", make_info(40, 30, {25, 1}), opt);
        BOOST_TEST(!w.has_audio());
        w.write(frames[0]);
        w.close();
    }
    BOOST_TEST(!ffmpeg_reader(dir / "silent.mkv").audio_codec().has_value());

    // A missing audio source is an io_error naming it.
    opt.audio_from = dir / "gone.wav";
    msg = message_of<io_error>([&] {
        ffmpeg_writer w(dir / "x.mkv", make_info(40, 30, {25, 1}), opt);
    });
    BOOST_TEST(msg.find("gone.wav") != std::string::npos, msg);
}

BOOST_AUTO_TEST_CASE(extracted_audio_is_the_sources_packets_from_the_first_frame_on) {
    test::temp_dir dir;
    const auto wav = dir / "tone.wav";
    write_wav(wav, 8000, 1.0);
    // A video with the tone under it, as a user's clip would have.
    ffmpeg_write_options opt;
    opt.audio_from = wav;
    const auto clip = dir / "clip.mkv";
    {
        ffmpeg_writer w(clip, make_info(40, 30, {25, 1}), opt);
        for (std::uint32_t i = 0; i < 25; ++i) w.write(noise_frame(40, 30, i));
        w.close();
    }
    // Every packet of the source's audio, bytes and timestamps unchanged.
    const auto packets_of = [](const std::filesystem::path& file) {
        audio_packets in(file);
        BOOST_TEST_REQUIRE(in.has_audio());
        std::vector<std::pair<std::int64_t, std::vector<std::uint8_t>>> out;
        auto p = ffmpeg::make_packet();
        while (in.next(p.get())) {
            out.emplace_back(av_rescale_q(p->pts, in.time_base(), {1, 8000}),
                             std::vector<std::uint8_t>(p->data, p->data + p->size));
            av_packet_unref(p.get());
        }
        return out;
    };
    const auto mka = dir / "sound.mka";
    BOOST_TEST(extract_audio(clip, mka));
    BOOST_TEST(std::string(avcodec_get_name(audio_packets(mka).parameters()->codec_id)) ==
               "pcm_s16le");
    const auto source = packets_of(clip), extracted = packets_of(mka);
    BOOST_TEST_REQUIRE(!source.empty());
    BOOST_TEST((extracted == source));
    std::size_t bytes = 0;
    for (const auto& [pts, data] : extracted) bytes += data.size();
    BOOST_TEST(bytes == 8000u * 2u); // one second of 16-bit mono at 8 kHz
    BOOST_TEST(extracted.front().first == 0);

    // A source without audio: false, and no file.
    const auto silent = dir / "silent.mkv";
    {
        ffmpeg_writer w(silent, make_info(40, 30, {25, 1}));
        w.write(noise_frame(40, 30, 0));
        w.close();
    }
    BOOST_TEST(!extract_audio(silent, dir / "none.mka"));
    BOOST_TEST(!std::filesystem::exists(dir / "none.mka"));
}

BOOST_AUTO_TEST_CASE(lstar_codes_survive_ffv1_and_lossless_h264) {
    test::temp_dir dir;
    const auto& srgb_gray = code_to_srgb8_gray();
    for (const auto [w, h] : {std::pair<std::size_t, std::size_t>{64, 48}, {33, 17}}) {
        for (const auto codec : {gray_codec::ffv1, gray_codec::h264}) {
            const std::string label = std::string(gray_codec_name(codec)) + " " +
                                      std::to_string(w) + "x" + std::to_string(h);
            // Every code pseudo-random: only a lossless path gives them back.
            std::vector<plane8> codes;
            for (std::uint32_t i = 0; i < 5; ++i) {
                const auto n = noise_frame(w, h, 7 + i);
                plane8 c({h, w});
                for (std::size_t k = 0; k < c.size(); ++k) c.data()[k] = n.data()[3 * k];
                codes.push_back(std::move(c));
            }
            const auto p = dir / (std::string(gray_codec_name(codec)) + std::to_string(w) + ".mkv");
            {
                ffmpeg_write_options o;
                o.codec = codec == gray_codec::ffv1 ? "ffv1" : "libx264";
                o.crf = 0;
                o.lstar = true;
                ffmpeg_writer wr(p, make_info(w, h, {25, 1}), o);
                // gray8 where the encoder takes it; libx264 here takes only Y'CbCr
                BOOST_TEST((wr.pixel_format() == "gray" ||
                            wr.pixel_format() == (w % 2 == 0 ? "yuv420p" : "yuv444p")),
                           label << ": " << wr.pixel_format());
                for (const auto& c : codes) wr.write_plane(c);
                wr.close();
            }
            const auto source = open_source(p); // the run-time face carries L* too
            BOOST_TEST(source->is_lstar(), label);
            BOOST_TEST(source->info().pixel_format == "gray-lstar");
            plane8 back;
            std::size_t n = 0;
            for (; source->next_plane(back); ++n)
                BOOST_TEST((n < codes.size() && back == codes[n]), label << ", frame " << n);
            BOOST_TEST(n == codes.size(), label);
            // next() shows each code as its sRGB gray, as an L* Y4M does
            ffmpeg_reader r(p);
            rgb8_image f;
            BOOST_REQUIRE(r.next(f));
            bool gray_of_codes = true;
            for (std::size_t i = 0; i < codes[0].size(); ++i)
                for (std::size_t k = 0; k < 3; ++k)
                    gray_of_codes =
                        gray_of_codes && f.data()[3 * i + k] == srgb_gray[codes[0].data()[i]];
            BOOST_TEST(gray_of_codes, label);
        }
    }
}

BOOST_AUTO_TEST_CASE(gray_sink_stores_each_frames_lstar) {
    test::temp_dir dir;
    std::vector<rgb8_image> frames;
    for (int i = 0; i < 6; ++i) frames.push_back(smooth_frame(48, 32, i));
    const auto info = make_info(48, 32, {20, 1});
    for (const auto codec : gray_codecs) {
        const auto p = dir / ("gray" + std::string(gray_extension(codec)));
        {
            auto sink = open_gray_sink(p, info, {codec, 23});
            for (const auto& f : frames) sink->write(f);
            sink->close();
        }
        const auto source = open_source(p);
        BOOST_TEST(source->is_lstar());
        plane8 back;
        double worst = 99;
        for (const auto& f : frames) {
            BOOST_REQUIRE(source->next_plane(back));
            const auto want = rgb8_to_lstar_codes(f);
            double se = 0;
            for (std::size_t i = 0; i < want.size(); ++i)
                se += std::pow(double(want.data()[i]) - double(back.data()[i]), 2);
            worst = std::min(
                worst, se == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 * double(want.size()) / se));
        }
        BOOST_TEST(!source->next_plane(back));
        BOOST_TEST_MESSAGE(gray_codec_name(codec) << ": min L* code PSNR " << worst << " dB");
        if (codec == gray_codec::h264)
            BOOST_TEST(worst > 35.0); // CRF 23 on smooth frames
        else
            BOOST_TEST(worst == 99.0); // lossless
    }
    BOOST_CHECK_THROW((void)open_gray_sink(dir / "x.mp4", info, {gray_codec::h264, 23}),
                      config_error);
    BOOST_CHECK_THROW((void)open_gray_sink(dir / "x.mkv", info, {gray_codec::raw, 23}),
                      config_error);
}

BOOST_AUTO_TEST_CASE(colour_video_is_not_lstar) {
    test::temp_dir dir;
    const auto p = dir / "colour.mkv";
    {
        ffmpeg_writer w(p, make_info(16, 16, {25, 1}));
        w.write(noise_frame(16, 16, 1));
        BOOST_CHECK_THROW(w.write_plane(plane8({16, 16})), config_error);
        w.close();
    }
    ffmpeg_reader r(p);
    BOOST_TEST(!r.is_lstar());
    plane8 plane;
    // bgr0 has no luma plane to read
    BOOST_CHECK_THROW((void)r.next_plane(plane), format_error);
    BOOST_TEST(!open_source(p)->is_lstar());
}

BOOST_AUTO_TEST_CASE(works_behind_the_run_time_faces) {
    test::temp_dir dir;
    const auto p = dir / "faces.mkv";
    {
        std::unique_ptr<any_sink> sink = std::make_unique<sink_adaptor<ffmpeg_writer>>(
            ffmpeg_writer(p, make_info(16, 16, {25, 1})));
        for (std::uint32_t i = 0; i < 3; ++i) sink->write(noise_frame(16, 16, i));
        sink->close();
    }
    std::unique_ptr<any_source> src =
        std::make_unique<source_adaptor<ffmpeg_reader>>(ffmpeg_reader(p));
    BOOST_TEST(src->info().width == 16u);
    rgb8_image f;
    int n = 0;
    while (src->next(f)) BOOST_TEST((f == noise_frame(16, 16, static_cast<std::uint32_t>(n++))));
    BOOST_TEST(n == 3);
}

#else // built without FFmpeg

#include "support/skip.hpp"

KEYCHROMA_TEST_SKIP_PROGRAM("built without FFmpeg (KEYCHROMA_WITH_FFMPEG=OFF)")

#endif
