#define BOOST_TEST_MODULE ffmpeg_footage
#include <boost/test/unit_test.hpp>

// ffmpeg_reader / ffmpeg_writer on the real cockatoo clip, checked against FFmpeg's own
// command-line tools: stream facts from ffprobe, decoded pixels from `ffmpeg -pix_fmt rgb24`,
// and ffprobe's view of what our writer produced (frame rate, frame count, audio stream).

#ifdef KEYCHROMA_HAS_FFMPEG

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "keychroma/io/ffmpeg.hpp"
#include "support/ffmpeg_cli.hpp"
#include "support/footage.hpp"
#include "support/temp_dir.hpp"

using keychroma::test::capture;
using keychroma::test::ffmpeg_cli_required;
using keychroma::test::footage_required;
using keychroma::test::probe;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

using namespace keychroma;
using namespace keychroma::io;
namespace fs = std::filesystem;

namespace {

std::string quote(const fs::path& p) {
    return "'" + p.string() + "'";
}

void run(const std::string& cmd) {
    BOOST_TEST_MESSAGE("$ " << cmd);
    BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "command failed: " << cmd);
}

bool cli_has_encoder(const std::string& name) {
    return std::system(
               ("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' " + name + " '").c_str()) ==
           0;
}

std::string rate_text(rational r) {
    return std::to_string(r.num) + "/" + std::to_string(r.den);
}

/// rgb24 frames as `ffmpeg -pix_fmt rgb24` decodes them.
std::vector<rgb8_image> cli_rgb24(const fs::path& video, const fs::path& raw, std::size_t w,
                                  std::size_t h, const std::string& filter = "") {
    run("ffmpeg -v error -y -i " + quote(video) +
        (filter.empty() ? "" : " -vf \"" + filter + "\"") +
        " -fps_mode passthrough -f rawvideo -pix_fmt rgb24 " + quote(raw));
    std::ifstream in(raw, std::ios::binary);
    std::vector<rgb8_image> frames;
    while (true) {
        rgb8_image f({h, w, std::size_t{3}});
        if (!in.read(reinterpret_cast<char*>(f.data()), static_cast<std::streamsize>(f.size())))
            break;
        frames.push_back(std::move(f));
    }
    return frames;
}

struct diff_stats {
    double mean = 0;
    int max = 0;
};

diff_stats compare(const rgb8_image& a, const rgb8_image& b) {
    BOOST_REQUIRE(a.shape() == b.shape());
    diff_stats d;
    double sum = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const int e = std::abs(int(a.data()[i]) - int(b.data()[i]));
        sum += e;
        d.max = std::max(d.max, e);
    }
    d.mean = sum / double(a.size());
    return d;
}

double psnr(const rgb8_image& a, const rgb8_image& b) {
    double se = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = double(a.data()[i]) - double(b.data()[i]);
        se += d * d;
    }
    const double mse = se / double(a.size());
    return mse == 0 ? 99.0 : 10 * std::log10(255.0 * 255.0 / mse);
}

std::vector<rgb8_image> read_all(const fs::path& p) {
    ffmpeg_reader r(p);
    std::vector<rgb8_image> frames;
    rgb8_image f;
    while (r.next(f)) frames.push_back(f);
    return frames;
}

/// 2x2 box downsampling, to make small test clips out of real footage.
rgb8_image half(const rgb8_image& in) {
    const std::size_t h = in.shape()[0] / 2, w = in.shape()[1] / 2, stride = in.shape()[1] * 3;
    rgb8_image out({h, w, std::size_t{3}});
    const auto* s = in.data();
    auto* d = out.data();
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x)
            for (std::size_t c = 0; c < 3; ++c) {
                const auto* p = s + 2 * y * stride + 6 * x + c;
                *d++ = static_cast<std::uint8_t>((p[0] + p[3] + p[stride] + p[stride + 3] + 2) / 4);
            }
    return out;
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(ffmpeg_cli_required);

BOOST_AUTO_TEST_CASE(cockatoo_info_matches_ffprobe) {
    const auto clip = test::footage("cockatoo.mp4");
    ffmpeg_reader r(clip);
    const auto info = r.info();
    // Facts of the clip (checked with ffprobe when this test was written) ...
    BOOST_TEST(info.width == 1280u);
    BOOST_TEST(info.height == 720u);
    BOOST_TEST(info.fps.num == 20);
    BOOST_TEST(info.fps.den == 1);
    BOOST_REQUIRE(info.frame_count.has_value());
    BOOST_TEST(*info.frame_count == 280);
    BOOST_TEST(info.format == "mp4");
    BOOST_TEST(info.pixel_format == "yuv444p");
    BOOST_REQUIRE(r.audio_codec().has_value());
    BOOST_TEST(*r.audio_codec() == "mp3");
    // ... and what ffprobe says now.
    BOOST_TEST(probe(clip, "v", "width") == std::to_string(info.width));
    BOOST_TEST(probe(clip, "v", "height") == std::to_string(info.height));
    BOOST_TEST(probe(clip, "v", "avg_frame_rate") == rate_text(info.fps));
    BOOST_TEST(probe(clip, "v", "nb_frames") == std::to_string(*info.frame_count));
    BOOST_TEST(probe(clip, "v", "pix_fmt") == info.pixel_format);
}

BOOST_AUTO_TEST_CASE(cockatoo_decodes_every_frame_like_ffmpeg_rgb24) {
    const auto clip = test::footage("cockatoo.mp4");
    test::temp_dir dir;
    const std::vector<std::size_t> picked = {0, 139, 279};
    std::vector<rgb8_image> ours;

    ffmpeg_reader r(clip);
    rgb8_image f;
    std::size_t n = 0;
    const auto t0 = std::chrono::steady_clock::now();
    while (r.next(f)) {
        BOOST_REQUIRE(f.shape()[0] == 720u);
        BOOST_REQUIRE(f.shape()[1] == 1280u);
        if (std::find(picked.begin(), picked.end(), n) != picked.end()) ours.push_back(f);
        ++n;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("cockatoo.mp4 1280x720: decoded %zu frames to rgb24 in %.2f s (%.1f frames/s)\n", n,
                secs, double(n) / secs);
    BOOST_TEST(n == 280u);
    BOOST_TEST(std::to_string(n) == probe(clip, "v", "nb_read_frames", "-count_frames"));
    BOOST_TEST(r.decode_errors() == 0);

    const auto cli = cli_rgb24(clip, dir / "picked.rgb", 1280, 720,
                               "select='eq(n\\,0)+eq(n\\,139)+eq(n\\,279)'");
    BOOST_REQUIRE_EQUAL(cli.size(), picked.size());
    for (std::size_t i = 0; i < picked.size(); ++i) {
        const auto d = compare(ours[i], cli[i]);
        std::printf("frame %zu vs ffmpeg rgb24: mean |diff| %.4f, max %d\n", picked[i], d.mean,
                    d.max);
        BOOST_TEST(d.mean <= 1.0, "frame " << picked[i] << " mean abs diff " << d.mean);
    }
}

BOOST_AUTO_TEST_CASE(other_containers_made_by_the_cli_decode_like_the_cli) {
    const auto clip = test::footage("cockatoo.mp4");
    test::temp_dir dir;
    const std::string small = "-vf scale=320:180 -frames:v 40 -an";
    struct variant {
        std::string file, args, format;
    };
    std::vector<variant> variants = {
        {"c.mpg", "-c:v mpeg2video -q:v 3", "mpeg"},
        {"c.avi", "-c:v mpeg4 -q:v 3", "avi"},
        {"mjpeg.avi", "-c:v mjpeg -q:v 3 -pix_fmt yuvj420p", "avi"}, // full-range YUV
        {"c.mov",
         cli_has_encoder("libx264") ? "-c:v libx264 -crf 20 -preset veryfast" : "-c:v mpeg4 -q:v 3",
         "mov"},
        // BT.709-tagged 4:2:0: the reader must follow the tag, as the CLI does
        {"bt709.mkv", "-c:v ffv1 -pix_fmt yuv420p -colorspace bt709 -color_range tv", "mkv"},
    };
    if (cli_has_encoder("libvpx-vp9"))
        variants.push_back(
            {"c.webm", "-c:v libvpx-vp9 -crf 32 -b:v 0 -cpu-used 8 -deadline realtime", "webm"});
    else if (cli_has_encoder("libvpx"))
        variants.push_back({"c.webm", "-c:v libvpx -crf 10 -b:v 1M", "webm"});
    else
        std::printf("note: this ffmpeg has no libvpx encoder; webm not tested\n");

    for (const auto& v : variants) {
        BOOST_TEST_CONTEXT(v.file) {
            const auto file = dir / v.file;
            run("ffmpeg -v error -y -i " + quote(clip) + " " + small + " " + v.args + " " +
                quote(file));
            ffmpeg_reader r(file);
            const auto info = r.info();
            BOOST_TEST(info.width == 320u);
            BOOST_TEST(info.height == 180u);
            BOOST_TEST(info.format == v.format);
            BOOST_TEST(info.pixel_format == probe(file, "v", "pix_fmt"));
            auto rate = probe(file, "v", "avg_frame_rate");
            if (rate == "0/0") rate = probe(file, "v", "r_frame_rate");
            BOOST_TEST(rate_text(info.fps) == rate);
            const auto ours = read_all(file);
            BOOST_TEST(std::to_string(ours.size()) ==
                       probe(file, "v", "nb_read_frames", "-count_frames"));
            const auto cli = cli_rgb24(file, dir / "all.rgb", 320, 180);
            BOOST_REQUIRE_EQUAL(ours.size(), cli.size());
            for (std::size_t i : {std::size_t{0}, ours.size() - 1}) {
                const auto d = compare(ours[i], cli[i]);
                std::printf("%s frame %zu vs ffmpeg rgb24: mean |diff| %.4f, max %d\n",
                            v.file.c_str(), i, d.mean, d.max);
                BOOST_TEST(d.mean <= 1.0, "frame " << i << " mean abs diff " << d.mean);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(writer_output_as_ffprobe_sees_it) {
    const auto clip = test::footage("cockatoo.mp4");
    test::temp_dir dir;
    // 40 real frames at half size, re-encoded by our writer into each container.
    std::vector<rgb8_image> frames;
    {
        ffmpeg_reader r(clip);
        rgb8_image f;
        while (frames.size() < 40 && r.next(f)) frames.push_back(half(f));
    }
    video_info info;
    info.width = 640;
    info.height = 360;
    info.fps = {30000, 1001};
    for (const std::string ext : {".mp4", ".mkv", ".avi", ".webm", ".mov"}) {
        BOOST_TEST_CONTEXT(ext) {
            const auto file = dir / ("out" + ext);
            const auto t0 = std::chrono::steady_clock::now();
            std::string encoder;
            {
                ffmpeg_writer w(file, info);
                encoder = w.encoder_name();
                for (const auto& f : frames) w.write(f);
                w.close();
            }
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            BOOST_TEST(probe(file, "v", "avg_frame_rate") == "30000/1001");
            BOOST_TEST(probe(file, "v", "r_frame_rate") == "30000/1001");
            BOOST_TEST(probe(file, "v", "nb_read_frames", "-count_frames") == "40");
            BOOST_TEST(probe(file, "v", "codec_name") ==
                       std::string(
                           avcodec_find_encoder_by_name(encoder.c_str())
                               ? avcodec_get_name(avcodec_find_encoder_by_name(encoder.c_str())->id)
                               : "?"));
            const auto back = read_all(file);
            BOOST_REQUIRE_EQUAL(back.size(), frames.size());
            double worst = 99;
            for (std::size_t i = 0; i < back.size(); ++i)
                worst = std::min(worst, psnr(back[i], frames[i]));
            std::printf("%s (%s): 40 frames 640x360 written in %.2f s (%.1f frames/s), %ju bytes, "
                        "min PSNR %.2f dB\n",
                        ext.c_str(), encoder.c_str(), secs, 40 / secs,
                        static_cast<std::uintmax_t>(fs::file_size(file)), worst);
            if (ext == ".mkv")
                BOOST_TEST(worst == 99.0); // FFV1 in RGB: bit-exact
            else
                BOOST_TEST(worst >= 32.0);
        }
    }
}

BOOST_AUTO_TEST_CASE(audio_is_copied_from_the_source) {
    const auto clip = test::footage("cockatoo.mp4");
    test::temp_dir dir;
    // A 2 s clip with a 440 Hz AAC track, made by the CLI.
    const auto src = dir / "tone.mp4";
    run("ffmpeg -v error -y -f lavfi -i testsrc=size=160x120:rate=25 -f lavfi -i "
        "sine=frequency=440:sample_rate=48000 -t 2 -c:v mpeg4 -q:v 3 -c:a aac -b:a 96k " +
        quote(src));
    BOOST_TEST(probe(src, "a", "codec_name") == "aac");
    for (const std::string ext : {".mp4", ".mkv", ".mov"}) {
        BOOST_TEST_CONTEXT(ext) {
            const auto out = dir / ("with_audio" + ext);
            ffmpeg_reader r(src);
            ffmpeg_write_options opt;
            opt.audio_from = src;
            {
                ffmpeg_writer w(out, r.info(), opt);
                BOOST_TEST(w.has_audio());
                rgb8_image f;
                while (r.next(f)) w.write(f);
                w.close();
            }
            BOOST_TEST(probe(out, "a", "codec_name") == "aac");
            BOOST_TEST(probe(out, "a", "sample_rate") == "48000");
            BOOST_TEST(probe(out, "v", "avg_frame_rate") == "25/1");
            BOOST_TEST(probe(out, "v", "nb_read_frames", "-count_frames") == "50");
            const double adur =
                std::stod(capture("ffprobe -v error -select_streams a:0 -show_entries "
                                  "packet=pts_time,duration_time -of csv=p=0 " +
                                  quote(out) + " | tail -1 | awk -F, '{print $1+$2}'"));
            BOOST_TEST(std::abs(adur - 2.0) < 0.05, "audio ends at " << adur << " s");
        }
    }

    // The real clip's own MP3 track, under a half-size re-encode of its frames.
    const auto out = dir / "cockatoo_small.mp4";
    {
        ffmpeg_reader r(clip);
        auto info = r.info();
        info.width /= 2;
        info.height /= 2;
        ffmpeg_write_options opt;
        opt.audio_from = clip;
        opt.crf = 28;
        ffmpeg_writer w(out, info, opt);
        rgb8_image f;
        while (r.next(f)) w.write(half(f));
        w.close();
    }
    BOOST_TEST(probe(out, "a", "codec_name") == "mp3");
    BOOST_TEST(probe(out, "v", "avg_frame_rate") == "20/1");
    BOOST_TEST(probe(out, "v", "nb_frames") == "280");
    BOOST_TEST(probe(out, "a", "nb_frames") == probe(clip, "a", "nb_frames"));
}

#else // built without FFmpeg

#include "support/skip.hpp"

KEYCHROMA_TEST_SKIP_PROGRAM("built without FFmpeg (KEYCHROMA_WITH_FFMPEG=OFF)")

#endif
