#define BOOST_TEST_MODULE open
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "keychroma/io/open.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma;
using namespace keychroma::io;
namespace fs = std::filesystem;

namespace {

rgb8_image gradient(std::size_t w, std::size_t h) {
    rgb8_image img({h, w, 3});
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            img(y, x, 0) = static_cast<std::uint8_t>(8 * x);
            img(y, x, 1) = static_cast<std::uint8_t>(8 * y);
            img(y, x, 2) = 90;
        }
    return img;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_timeline_says_whether_its_frames_are_evenly_spaced) {
    // 30000/1001 frames/s in a 1/30000 s tick: steps of 1001, a constant rate
    frame_timeline ntsc{{1, 30000}, {0, 1001, 2002, 3003}};
    BOOST_TEST(!ntsc.varies());
    // 30 frames/s in mp4's usual 1/15360 s tick: 512 each; a step rounded to a tick still even
    frame_timeline rounded{{1, 15360}, {0, 512, 1024, 1537, 2048}};
    BOOST_TEST(!rounded.varies());
    // a phone's video: 30 frames/s, then 10
    frame_timeline phone{{1, 15360}, {0, 512, 1024, 2560, 4096}};
    BOOST_TEST(phone.varies());
    BOOST_TEST(phone.at(3) == 2560);
    // past the last frame: the mean step (4096 / 4 = 1024) per frame
    BOOST_TEST(phone.at(5) == 5120);
    BOOST_TEST(phone.at(6) == 6144);
    BOOST_TEST(!frame_timeline{}.varies());
    BOOST_TEST(frame_timeline{}.at(7) == 7);
}

BOOST_AUTO_TEST_CASE(classifies_paths) {
    test::temp_dir tmp;
    BOOST_TEST((classify_path("a/b.y4m") == media_kind::y4m));
    BOOST_TEST((classify_path("A.Y4M") == media_kind::y4m));
    BOOST_TEST((classify_path("frames/%05d.png") == media_kind::image_sequence));
    BOOST_TEST((classify_path("photo.JPG") == media_kind::image_sequence));
    BOOST_TEST((classify_path("photo.tga") == media_kind::image_sequence));
    BOOST_TEST((classify_path(tmp.path()) == media_kind::image_sequence));
    BOOST_TEST((classify_path("clip.mp4") == media_kind::container));
    BOOST_TEST((classify_path("clip.mkv") == media_kind::container));
    BOOST_TEST((classify_path("noextension") == media_kind::container));
}

BOOST_AUTO_TEST_CASE(y4m_through_any_faces) {
    test::temp_dir tmp;
    video_info info;
    info.width = 16;
    info.height = 8;
    info.fps = {24, 1};
    sink_options so;
    so.y4m.chroma = y4m_chroma::c444;
    so.y4m.range = yuv_range::full;
    {
        auto sink = open_sink(tmp / "v.y4m", info, so);
        for (int k = 0; k < 4; ++k) sink->write(gradient(16, 8));
        sink->close();
    }
    auto src = open_source(tmp / "v.y4m");
    BOOST_TEST(src->info().format == "y4m");
    BOOST_TEST(src->info().width == 16u);
    BOOST_TEST(src->info().fps.num == 24);
    BOOST_TEST(*src->info().frame_count == 4);
    rgb8_image f;
    int n = 0;
    while (src->next(f)) {
        for (std::size_t i = 0; i < f.size(); ++i)
            BOOST_TEST(std::abs(f.data()[i] - gradient(16, 8).data()[i]) <= 1);
        ++n;
    }
    BOOST_TEST(n == 4);
}

BOOST_AUTO_TEST_CASE(image_sequence_through_any_faces) {
    test::temp_dir tmp;
    video_info info;
    info.width = 16;
    info.height = 8;
    {
        auto sink = open_sink(tmp / "f%03d.png", info);
        sink->write(gradient(16, 8));
        sink->write(gradient(16, 8));
        sink->close();
    }
    source_options o;
    o.fps = {12, 1};
    for (const fs::path& where : {tmp / "f%03d.png", tmp.path()}) {
        auto src = open_source(where, o);
        BOOST_TEST(src->info().format == "images");
        BOOST_TEST(src->info().fps.num == 12);
        BOOST_TEST(*src->info().frame_count == 2);
        rgb8_image f;
        BOOST_REQUIRE(src->next(f));
        BOOST_TEST((f == gradient(16, 8)));
    }
    auto single = open_source(tmp / "f001.png");
    BOOST_TEST(*single->info().frame_count == 1);
}

BOOST_AUTO_TEST_CASE(unwritten_sink_leaves_no_file) {
    test::temp_dir tmp;
    video_info info;
    info.width = 4;
    info.height = 4;
    {
        auto sink = open_sink(tmp / "v.y4m", info);
        sink->write(gradient(4, 4));
    }
    BOOST_TEST(fs::is_empty(tmp.path()));
}

BOOST_AUTO_TEST_CASE(containers_need_ffmpeg) {
    test::temp_dir tmp;
    // A missing container is an io_error, with or without FFmpeg.
    BOOST_CHECK_THROW((void)open_source(tmp / "missing.mp4"), io_error);
    // A file that is not a video at all.
    const auto junk = tmp / "junk.mkv";
    {
        std::ofstream f(junk);
        f << "not a video";
    }
    try {
        (void)open_source(junk);
        BOOST_ERROR("junk.mkv was opened");
    } catch (const format_error& e) {
        std::printf("  %s\n", e.what());
        BOOST_TEST(std::string(e.what()).find(junk.string()) != std::string::npos);
        if (!has_ffmpeg())
            BOOST_TEST(std::string(e.what()).find("needs FFmpeg") != std::string::npos);
    }
    video_info info;
    info.width = 16;
    info.height = 16;
    if (has_ffmpeg()) {
        std::printf("  built with FFmpeg: containers go to ffmpeg_reader / ffmpeg_writer\n");
        {
            auto sink = open_sink(tmp / "out.mkv", info);
            for (int k = 0; k < 3; ++k) sink->write(gradient(16, 16));
            sink->close();
        }
        auto src = open_source(tmp / "out.mkv");
        BOOST_TEST(src->info().width == 16u);
        rgb8_image f;
        int n = 0;
        while (src->next(f)) ++n;
        BOOST_TEST(n == 3);
    } else {
        std::printf("  built without FFmpeg: containers are refused\n");
        BOOST_CHECK_THROW((void)open_sink(tmp / "out.mp4", info), format_error);
        BOOST_TEST(!fs::exists(tmp / "out.mp4"));
    }
}
