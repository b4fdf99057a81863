#define BOOST_TEST_MODULE image_sequence
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "keychroma/io/image_sequence.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma;
using namespace keychroma::io;
namespace fs = std::filesystem;

namespace {

rgb8_image numbered_frame(std::size_t w, std::size_t h, int k) {
    rgb8_image img({h, w, 3});
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            img(y, x, 0) = static_cast<std::uint8_t>(10 * k + x);
            img(y, x, 1) = static_cast<std::uint8_t>(y * 3);
            img(y, x, 2) = static_cast<std::uint8_t>(255 - 10 * k);
        }
    return img;
}

/// Writes numbered_frame(20, 10, k) for k = 0 .. count - 1 to `pattern`; the files written.
std::vector<fs::path> write_numbered(const fs::path& pattern, int count) {
    video_info info;
    info.width = 20;
    info.height = 10;
    image_sequence_writer w(pattern, info);
    for (int k = 0; k < count; ++k) w.write(numbered_frame(20, 10, k));
    w.close();
    return w.files();
}

std::size_t count_files(const fs::path& dir) {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

/// Regular files only (a writer's hidden staging directory is not one).
std::size_t count_regular_files(const fs::path& dir) {
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
    return n;
}

} // namespace

// format(n) is printf's name; formats(name) its inverse: true exactly for the names some frame
// number gets (what keeps an image-sequence output from writing over its own input's frames).
BOOST_AUTO_TEST_CASE(frame_pattern_formats_like_printf) {
    char buf[64];
    for (const char* p : {"f%d.png", "f%05d.png", "dir/%3d_x.jpg", "a%%b%02d.png"}) {
        const frame_pattern fp(p);
        for (std::int64_t n : {0, 7, 123, 100000}) {
            std::snprintf(buf, sizeof buf, p, static_cast<int>(n));
            BOOST_TEST(fp.format(n) == buf);
            BOOST_TEST(fp.formats(buf), p << " " << buf);
        }
    }
    const frame_pattern plain("f%d.png"), padded("f%05d.png"), spaced("%3d_x.jpg");
    for (const char* name : {"f.png", "f7x.png", "f007.png", "f+7.png", "f 7.png", "g7.png",
                             "f7.jpg", "f99999999999999999999.png", "7.png"})
        BOOST_TEST(!plain.formats(name), name);
    for (const char* name : {"f7.png", "f0007.png", "f-7.png", "f000007.png"})
        BOOST_TEST(!padded.formats(name), name);
    BOOST_TEST(spaced.formats("  7_x.jpg"));
    BOOST_TEST(!spaced.formats("7_x.jpg"));
    BOOST_TEST(!spaced.formats(" 7_x.jpg"));
}

BOOST_AUTO_TEST_CASE(png_pattern_round_trip_is_exact) {
    test::temp_dir tmp;
    const auto pattern = tmp / "frame_%04d.png";
    BOOST_TEST(write_numbered(pattern, 5).size() == 5u);
    BOOST_TEST(fs::exists(tmp / "frame_0001.png")); // FFmpeg's image2 numbering starts at 1
    BOOST_TEST(fs::exists(tmp / "frame_0005.png"));
    BOOST_TEST(count_files(tmp.path()) == 5u); // no temporaries left

    image_sequence_options o;
    o.fps = {30000, 1001};
    image_sequence_reader r(pattern, o);
    BOOST_TEST(r.info().width == 20u);
    BOOST_TEST(r.info().height == 10u);
    BOOST_TEST(r.info().fps.num == 30000);
    BOOST_TEST(*r.info().frame_count == 5);
    rgb8_image f;
    for (int k = 0; k < 5; ++k) {
        BOOST_REQUIRE(r.next(f));
        BOOST_TEST((f == numbered_frame(20, 10, k)));
    }
    BOOST_TEST(!r.next(f));
}

BOOST_AUTO_TEST_CASE(skip_passes_over_files_without_reading_them) {
    test::temp_dir tmp;
    const auto pattern = tmp / "frame_%04d.png";
    BOOST_TEST_REQUIRE(write_numbered(pattern, 4).size() == 4u);
    // a skipped file is not opened: one made unreadable as an image does not stop the pass
    std::ofstream(tmp / "frame_0002.png", std::ios::binary | std::ios::trunc) << "not a png";
    image_sequence_reader r(pattern);
    rgb8_image f;
    BOOST_REQUIRE(r.next(f));
    BOOST_TEST((f == numbered_frame(20, 10, 0)));
    BOOST_TEST(r.skip());
    BOOST_REQUIRE(r.next(f));
    BOOST_TEST((f == numbered_frame(20, 10, 2)));
    BOOST_TEST(r.skip());
    BOOST_TEST(!r.skip());
    BOOST_TEST(!r.next(f));
}

BOOST_AUTO_TEST_CASE(pattern_may_start_at_zero) {
    test::temp_dir tmp;
    video_info info;
    image_sequence_write_options wo;
    wo.start_number = 0;
    {
        image_sequence_writer w(tmp / "%d.bmp", info, wo);
        for (int k = 0; k < 3; ++k) w.write(numbered_frame(6, 4, k));
        w.close();
    }
    BOOST_TEST(fs::exists(tmp / "0.bmp"));
    image_sequence_reader r(tmp / "%d.bmp");
    BOOST_TEST(*r.info().frame_count == 3);
    BOOST_TEST(r.info().fps.num == 25); // default
    rgb8_image f;
    BOOST_REQUIRE(r.next(f));
    BOOST_TEST((f == numbered_frame(6, 4, 0)));
}

BOOST_AUTO_TEST_CASE(directory_is_read_in_natural_order) {
    test::temp_dir tmp;
    // Names whose byte order differs from their numeric order.
    const std::vector<std::string> names = {"img1.png", "img2.png", "img10.png", "img11.TGA",
                                            "img100.png"};
    for (std::size_t k = 0; k < names.size(); ++k) {
        image_sequence_writer w(tmp / names[k]);
        w.write(numbered_frame(8, 8, static_cast<int>(k)));
        w.close();
    }
    stbi_write_png((tmp / "readme.txt").c_str(), 1, 1, 3, "abc", 3); // not an image name
    image_sequence_reader r(tmp.path());
    BOOST_TEST(*r.info().frame_count == 5);
    rgb8_image f;
    for (std::size_t k = 0; k < names.size(); ++k) {
        BOOST_REQUIRE(r.next(f));
        BOOST_TEST((f == numbered_frame(8, 8, static_cast<int>(k))), names[k]);
    }
    BOOST_TEST(!r.next(f));
}

BOOST_AUTO_TEST_CASE(gray_and_alpha_images_become_rgb) {
    test::temp_dir tmp;
    std::vector<std::uint8_t> gray(12 * 5), rgba(12 * 5 * 4), ga(12 * 5 * 2);
    for (std::size_t i = 0; i < gray.size(); ++i) {
        gray[i] = static_cast<std::uint8_t>(i * 4);
        ga[2 * i] = static_cast<std::uint8_t>(i * 4);
        ga[2 * i + 1] = 17;
        for (int c = 0; c < 3; ++c) rgba[4 * i + c] = static_cast<std::uint8_t>(i * (c + 1));
        rgba[4 * i + 3] = static_cast<std::uint8_t>(i); // alpha is dropped, not composited
    }
    BOOST_REQUIRE(stbi_write_png((tmp / "a1.png").c_str(), 12, 5, 1, gray.data(), 12));
    BOOST_REQUIRE(stbi_write_png((tmp / "a2.png").c_str(), 12, 5, 2, ga.data(), 24));
    BOOST_REQUIRE(stbi_write_png((tmp / "a3.png").c_str(), 12, 5, 4, rgba.data(), 48));
    image_sequence_reader r(tmp / "a%d.png");
    rgb8_image f;
    for (int k = 0; k < 2; ++k) {
        BOOST_REQUIRE(r.next(f));
        BOOST_TEST(f.shape()[2] == 3u);
        for (std::size_t i = 0; i < gray.size(); ++i)
            for (int c = 0; c < 3; ++c) BOOST_TEST(f.data()[3 * i + c] == gray[i]);
    }
    BOOST_REQUIRE(r.next(f));
    for (std::size_t i = 0; i < gray.size(); ++i)
        for (int c = 0; c < 3; ++c) BOOST_TEST(f.data()[3 * i + c] == rgba[4 * i + c]);
}

BOOST_AUTO_TEST_CASE(differently_sized_frame_is_named) {
    test::temp_dir tmp;
    {
        image_sequence_writer w(tmp / "s%02d.png");
        w.write(numbered_frame(8, 6, 0));
        w.close();
    }
    {
        image_sequence_writer w(tmp / "s02.png");
        w.write(numbered_frame(9, 6, 1));
        w.close();
    }
    image_sequence_reader r(tmp / "s%02d.png");
    rgb8_image f;
    BOOST_REQUIRE(r.next(f));
    try {
        r.next(f);
        BOOST_ERROR("a 9x6 frame in an 8x6 sequence was accepted");
    } catch (const format_error& e) {
        const std::string msg = e.what();
        std::printf("  %s\n", msg.c_str());
        BOOST_TEST(msg.find("s02.png") != std::string::npos);
        BOOST_TEST(msg.find("9x6") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(jpeg_output_is_close) {
    test::temp_dir tmp;
    rgb8_image img({32, 32, 3});
    for (std::size_t y = 0; y < 32; ++y)
        for (std::size_t x = 0; x < 32; ++x) {
            img(y, x, 0) = static_cast<std::uint8_t>(100 + 3 * x);
            img(y, x, 1) = static_cast<std::uint8_t>(60 + 2 * y);
            img(y, x, 2) = 128;
        }
    image_sequence_write_options wo;
    wo.jpeg_quality = 95;
    {
        image_sequence_writer w(tmp / "j%d.jpg", {}, wo);
        w.write(img);
        w.close();
    }
    image_sequence_reader r(tmp / "j%d.jpg");
    rgb8_image f;
    BOOST_REQUIRE(r.next(f));
    double sum = 0;
    for (std::size_t i = 0; i < f.size(); ++i) sum += std::abs(f.data()[i] - img.data()[i]);
    const double mean = sum / static_cast<double>(f.size());
    std::printf("JPEG q95 round trip of a smooth image: mean |diff| %.3f\n", mean);
    BOOST_TEST(mean < 2.0);
}

BOOST_AUTO_TEST_CASE(writer_without_close_leaves_nothing) {
    test::temp_dir tmp;
    {
        image_sequence_writer w(tmp / "x%03d.png");
        w.write(numbered_frame(4, 4, 0));
        w.write(numbered_frame(4, 4, 1));
        BOOST_TEST(count_regular_files(tmp.path()) == 0u); // nothing appears before close()
        BOOST_CHECK_THROW(w.write(numbered_frame(5, 4, 2)), format_error);
    }
    BOOST_TEST(fs::is_empty(tmp.path()));
}

BOOST_AUTO_TEST_CASE(failed_write_keeps_an_older_sequence_intact) {
    // An older sequence of 20 frames under the same pattern; a new run that fails at its sixth
    // frame must leave all 20 as they were (it used to remove the five it had replaced).
    test::temp_dir tmp;
    {
        image_sequence_writer w(tmp / "seq%04d.png");
        for (int k = 0; k < 20; ++k) w.write(numbered_frame(6, 4, k));
        w.close();
    }
    {
        image_sequence_writer w(tmp / "seq%04d.png");
        for (int k = 0; k < 5; ++k) w.write(numbered_frame(6, 4, 100 + k));
        BOOST_CHECK_THROW(w.write(numbered_frame(7, 4, 105)), format_error);
    }
    BOOST_TEST(count_files(tmp.path()) == 20u); // and no temporary left
    image_sequence_reader r(tmp / "seq%04d.png");
    rgb8_image f;
    for (int k = 0; k < 20; ++k) {
        BOOST_REQUIRE(r.next(f));
        BOOST_TEST((f == numbered_frame(6, 4, k)));
    }
}

BOOST_AUTO_TEST_CASE(a_sequence_appears_whole_on_close) {
    // A successful run replaces the frames of the same names, and only those.
    test::temp_dir tmp;
    {
        image_sequence_writer w(tmp / "seq%04d.png");
        for (int k = 0; k < 4; ++k) w.write(numbered_frame(6, 4, k));
        w.close();
    }
    {
        std::ofstream keep(tmp / "notes.txt");
        keep << "mine";
    }
    {
        image_sequence_writer w(tmp / "seq%04d.png");
        for (int k = 0; k < 2; ++k) w.write(numbered_frame(6, 4, 50 + k));
        // the old four + notes.txt, nothing new yet
        BOOST_TEST(count_regular_files(tmp.path()) == 5u);
        w.close();
    }
    BOOST_TEST(count_files(tmp.path()) == 5u);
    image_sequence_reader r(tmp / "seq%04d.png");
    rgb8_image f;
    for (int k : {50, 51, 2, 3}) {
        BOOST_REQUIRE(r.next(f));
        BOOST_TEST((f == numbered_frame(6, 4, k)));
    }
    BOOST_TEST(fs::exists(tmp / "notes.txt"));
}

BOOST_AUTO_TEST_CASE(single_image_and_directory_targets) {
    test::temp_dir tmp;
    {
        image_sequence_writer w(tmp / "one.png");
        w.write(numbered_frame(4, 4, 0));
        BOOST_CHECK_THROW(w.write(numbered_frame(4, 4, 1)), config_error);
        w.close();
    }
    image_sequence_reader one(tmp / "one.png");
    BOOST_TEST(*one.info().frame_count == 1);
    fs::create_directory(tmp / "out");
    {
        image_sequence_writer w(tmp / "out");
        w.write(numbered_frame(4, 4, 0));
        w.write(numbered_frame(4, 4, 1));
        w.close();
    }
    BOOST_TEST(fs::exists(tmp / "out" / "000001.png"));
    BOOST_TEST(fs::exists(tmp / "out" / "000002.png"));
    BOOST_CHECK_THROW(image_sequence_writer(tmp / "x%d.gif"), config_error);
}
