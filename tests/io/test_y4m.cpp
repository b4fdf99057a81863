#define BOOST_TEST_MODULE y4m
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "keychroma/io/y4m.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma;
using namespace keychroma::io;
namespace fs = std::filesystem;

namespace {

void write_bytes(const fs::path& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string bytes_of(const std::vector<std::uint8_t>& v) {
    return {v.begin(), v.end()};
}

// Textbook Y'CbCr -> R'G'B' (BT.601 / BT.709), double, rounded once.
std::array<int, 3> textbook_rgb(double y, double u, double v, bool limited, bool bt709 = false) {
    const double kr = bt709 ? 0.2126 : 0.299, kb = bt709 ? 0.0722 : 0.114, kg = 1 - kr - kb;
    const double ey = limited ? (y - 16) / 219.0 : y / 255.0;
    const double pb = (u - 128) / (limited ? 224.0 : 255.0);
    const double pr = (v - 128) / (limited ? 224.0 : 255.0);
    const double r = ey + 2 * (1 - kr) * pr, b = ey + 2 * (1 - kb) * pb;
    const double g = (ey - kr * r - kb * b) / kg;
    auto q = [](double x) {
        return static_cast<int>(std::clamp(std::floor(x * 255 + 0.5), 0.0, 255.0));
    };
    return {q(r), q(g), q(b)};
}

// Linear interpolation at a chroma sample's sited position, clamped at the borders.
double sited(const std::vector<double>& src, std::size_t x, bool centred) {
    const double c = std::clamp((static_cast<double>(x) - (centred ? 0.5 : 0.0)) / 2.0, 0.0,
                                static_cast<double>(src.size() - 1));
    const auto i0 = static_cast<std::size_t>(c);
    const auto i1 = std::min(i0 + 1, src.size() - 1);
    return src[i0] + (src[i1] - src[i0]) * (c - static_cast<double>(i0));
}

// A smooth, colourful synthetic frame.
rgb8_image test_frame(std::size_t w, std::size_t h, int phase = 0) {
    rgb8_image img({h, w, 3});
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x) {
            img(y, x, 0) = static_cast<std::uint8_t>(128 + 110 * std::sin(0.11 * x + phase));
            img(y, x, 1) = static_cast<std::uint8_t>(128 + 110 * std::cos(0.07 * y + 0.05 * x));
            img(y, x, 2) =
                static_cast<std::uint8_t>(std::min<std::size_t>(255, 2 * x + 2 * y + 10 * phase));
        }
    return img;
}

struct diff_stats {
    double mean = 0;
    int max = 0;
};
diff_stats diff(const rgb8_image& a, const rgb8_image& b) {
    BOOST_REQUIRE(a.shape() == b.shape());
    diff_stats s;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const int d = std::abs(int(a.data()[i]) - int(b.data()[i]));
        s.mean += d;
        s.max = std::max(s.max, d);
    }
    s.mean /= static_cast<double>(a.size());
    return s;
}

// Independent L* code of an sRGB colour (IEC 61966-2-1, CIE 1976), not through lstar.hpp.
int independent_lstar_code(int r, int g, int b) {
    auto lin = [](int c) {
        const double v = c / 255.0;
        return v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    const double y = 0.2126729 * lin(r) + 0.7151522 * lin(g) + 0.0721750 * lin(b);
    const double l = y > 216.0 / 24389.0 ? 116 * std::cbrt(y) - 16 : y * 24389.0 / 27.0;
    return static_cast<int>(std::lround(l * 255.0 / 100.0));
}

} // namespace

BOOST_AUTO_TEST_CASE(header_fields) {
    const fs::path f = "t.y4m";
    auto h = parse_y4m_header("YUV4MPEG2 W320 H240 F30000:1001 Ip A1:1 C420", f);
    BOOST_TEST(h.width == 320u);
    BOOST_TEST(h.height == 240u);
    BOOST_TEST(h.fps.num == 30000);
    BOOST_TEST(h.fps.den == 1001);
    BOOST_TEST((h.chroma == y4m_chroma::c420jpeg)); // plain C420 is 420jpeg (spec)
    BOOST_TEST(!h.range.has_value());
    BOOST_TEST((h.effective_range() == yuv_range::limited));
    BOOST_TEST(h.frame_bytes() == 320u * 240u * 3u / 2u);

    h = parse_y4m_header("YUV4MPEG2 H3 W5", f); // no C: 420jpeg; no F: 25
    BOOST_TEST((h.chroma == y4m_chroma::c420jpeg));
    BOOST_TEST(h.fps.num == 25);
    BOOST_TEST(h.frame_bytes() == 15u + 2u * 3u * 2u); // odd sizes round chroma up

    struct tag_case {
        const char* tag;
        y4m_chroma chroma;
        std::size_t bytes; // for 4x2
    };
    for (const auto& c : {tag_case{"C444", y4m_chroma::c444, 24},
                          {"C422", y4m_chroma::c422, 16},
                          {"C420jpeg", y4m_chroma::c420jpeg, 12},
                          {"C420mpeg2", y4m_chroma::c420mpeg2, 12},
                          {"C420paldv", y4m_chroma::c420paldv, 12},
                          {"Cmono", y4m_chroma::mono, 8}}) {
        h = parse_y4m_header(std::string("YUV4MPEG2 W4 H2 F0:0 I? ") + c.tag + " XFOO=bar Zunknown",
                             f);
        BOOST_TEST((h.chroma == c.chroma), c.tag);
        BOOST_TEST(h.frame_bytes() == c.bytes, c.tag);
        BOOST_TEST(h.fps.num == 25); // F0:0 = unknown
    }
    h = parse_y4m_header("YUV4MPEG2 W4 H2 Cmono", f);
    BOOST_TEST((h.effective_range() == yuv_range::full)); // as FFmpeg writes and reads gray
    h = parse_y4m_header("YUV4MPEG2 W4 H2 C444 XCOLORRANGE=FULL", f);
    BOOST_TEST((h.effective_range() == yuv_range::full));
    h = parse_y4m_header("YUV4MPEG2 W4 H2 Cmono XCOLORRANGE=FULL XKEYCHROMA=LSTAR", f);
    BOOST_TEST((h.chroma == y4m_chroma::mono_lstar));

    // format -> parse is the identity on what keychroma writes.
    y4m_header out;
    out.width = 64;
    out.height = 48;
    out.fps = {24000, 1001};
    out.aspect = {1, 1};
    out.chroma = y4m_chroma::c420paldv;
    out.range = yuv_range::full;
    auto line = format_y4m_header(out);
    BOOST_TEST(line.back() == '\n');
    line.pop_back();
    const auto back = parse_y4m_header(line, f);
    BOOST_TEST(back.width == 64u);
    BOOST_TEST(back.fps.num == 24000);
    BOOST_TEST((back.chroma == y4m_chroma::c420paldv));
    BOOST_TEST((back.range == yuv_range::full));
}

BOOST_AUTO_TEST_CASE(reads_444_with_frame_parameters) {
    test::temp_dir tmp;
    // Two 3x2 frames; the first FRAME line carries parameters that must be skipped.
    const std::vector<std::uint8_t> y = {16, 100, 235, 60, 180, 128};
    const std::vector<std::uint8_t> u = {128, 90, 240, 16, 200, 128};
    const std::vector<std::uint8_t> v = {128, 240, 110, 34, 60, 128};
    std::string file = "YUV4MPEG2 W3 H2 F24:1 Ip A1:1 C444 XYSCSS=444\n";
    file += "FRAME Ip XFOO=1\n" + bytes_of(y) + bytes_of(u) + bytes_of(v);
    file += "FRAME\n" + bytes_of(v) + bytes_of(y) + bytes_of(u);
    write_bytes(tmp / "a.y4m", file);

    y4m_reader r(tmp / "a.y4m");
    BOOST_TEST(r.info().fps.num == 24);
    BOOST_TEST(r.info().pixel_format == "yuv444p");
    BOOST_TEST(!r.info().frame_count.has_value()); // parameters make the size ambiguous
    rgb8_image frame;
    BOOST_REQUIRE(r.next(frame));
    for (std::size_t i = 0; i < 6; ++i) {
        const auto e = textbook_rgb(y[i], u[i], v[i], true);
        for (int c = 0; c < 3; ++c) BOOST_TEST(std::abs(frame.data()[3 * i + c] - e[c]) <= 1);
    }
    BOOST_REQUIRE(r.next(frame));
    for (std::size_t i = 0; i < 6; ++i) {
        const auto e = textbook_rgb(v[i], y[i], u[i], true);
        for (int c = 0; c < 3; ++c) BOOST_TEST(std::abs(frame.data()[3 * i + c] - e[c]) <= 1);
    }
    BOOST_TEST(!r.next(frame));
    BOOST_TEST(r.position() == 2);
}

BOOST_AUTO_TEST_CASE(reads_each_420_siting_as_specified) {
    test::temp_dir tmp;
    const std::size_t w = 7, h = 5, cw = 4, ch = 3;
    std::vector<std::uint8_t> y(w * h), u(cw * ch), v(cw * ch);
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<std::uint8_t>(40 + 5 * i);
    for (std::size_t i = 0; i < u.size(); ++i) {
        u[i] = static_cast<std::uint8_t>(30 + 17 * i);
        v[i] = static_cast<std::uint8_t>(220 - 13 * i);
    }
    struct siting_case {
        const char* tag;
        bool h_centred, v_centred;
    };
    std::vector<rgb8_image> results;
    for (const auto& c : {siting_case{"C420jpeg", true, true},
                          {"C420mpeg2", false, true},
                          {"C420paldv", false, false}}) {
        const auto path = tmp / (std::string(c.tag) + ".y4m");
        write_bytes(path, std::string("YUV4MPEG2 W7 H5 F25:1 Ip ") + c.tag + "\nFRAME\n" +
                              bytes_of(y) + bytes_of(u) + bytes_of(v));
        y4m_reader r(path);
        BOOST_TEST((r.info().frame_count == 1));
        rgb8_image frame;
        BOOST_REQUIRE(r.next(frame));
        int worst = 0;
        for (std::size_t py = 0; py < h; ++py)
            for (std::size_t px = 0; px < w; ++px) {
                // Naive bilinear at the sited position: columns vertically, then the row.
                std::array<double, 2> uv{};
                for (int p = 0; p < 2; ++p) {
                    const auto& plane = p == 0 ? u : v;
                    std::vector<double> row(cw);
                    for (std::size_t i = 0; i < cw; ++i) {
                        std::vector<double> col(ch);
                        for (std::size_t j = 0; j < ch; ++j) col[j] = plane[j * cw + i];
                        row[i] = sited(col, py, c.v_centred);
                    }
                    uv[p] = std::floor(sited(row, px, c.h_centred) + 0.5);
                }
                const auto e = textbook_rgb(y[py * w + px], uv[0], uv[1], true);
                for (int k = 0; k < 3; ++k)
                    worst = std::max(worst, std::abs(frame(py, px, k) - e[k]));
            }
        BOOST_TEST(worst <= 1, c.tag);
        results.push_back(frame);
    }
    // The three sitings really decode differently.
    BOOST_TEST(diff(results[0], results[1]).max > 0);
    BOOST_TEST(diff(results[1], results[2]).max > 0);
}

BOOST_AUTO_TEST_CASE(read_options_select_matrix_and_range) {
    test::temp_dir tmp;
    const std::vector<std::uint8_t> yuv = {90, 200, 60}; // one 4:4:4 pixel
    write_bytes(tmp / "p.y4m", "YUV4MPEG2 W1 H1 C444\nFRAME\n" + bytes_of(yuv));
    rgb8_image f;
    for (bool bt709 : {false, true})
        for (bool full : {false, true}) {
            y4m_read_options o;
            o.matrix = bt709 ? yuv_matrix::bt709 : yuv_matrix::bt601;
            if (full) o.range = yuv_range::full;
            y4m_reader r(tmp / "p.y4m", o);
            BOOST_REQUIRE(r.next(f));
            const auto e = textbook_rgb(90, 200, 60, !full, bt709);
            for (int c = 0; c < 3; ++c) BOOST_TEST(std::abs(f.data()[c] - e[c]) <= 1);
        }
}

BOOST_AUTO_TEST_CASE(writer_round_trips) {
    test::temp_dir tmp;
    video_info info;
    info.width = 64;
    info.height = 36;
    info.fps = {25, 1};
    struct rt_case {
        y4m_chroma chroma;
        std::optional<yuv_range> range;
        double max_mean;
        int max_max;
    };
    // 4:4:4 is exact up to 8-bit Y'CbCr quantisation; subsampled chroma loses detail.
    for (const auto& c : {rt_case{y4m_chroma::c444, std::nullopt, 0.5, 2},
                          rt_case{y4m_chroma::c444, yuv_range::full, 0.5, 1},
                          rt_case{y4m_chroma::c422, std::nullopt, 1.0, 20},
                          rt_case{y4m_chroma::c420jpeg, std::nullopt, 1.0, 20},
                          rt_case{y4m_chroma::c420mpeg2, std::nullopt, 1.0, 20},
                          rt_case{y4m_chroma::c420paldv, std::nullopt, 1.0, 20}}) {
        const auto path = tmp / "rt.y4m";
        {
            y4m_writer w(path, info, {c.chroma, c.range, yuv_matrix::bt709});
            for (int k = 0; k < 3; ++k) w.write(test_frame(64, 36, k));
            w.close();
        }
        y4m_read_options ro;
        ro.matrix = yuv_matrix::bt709;
        y4m_reader r(path, ro);
        BOOST_TEST((r.header().chroma == c.chroma));
        BOOST_TEST((r.info().frame_count == 3));
        rgb8_image f;
        for (int k = 0; k < 3; ++k) {
            BOOST_REQUIRE(r.next(f));
            const auto d = diff(f, test_frame(64, 36, k));
            if (k == 0)
                std::printf("round trip %-8s %-7s: mean %.3f max %d\n",
                            std::string(y4m_colourspace_tag(c.chroma)).c_str(),
                            c.range ? "full" : "limited", d.mean, d.max);
            BOOST_TEST(d.mean <= c.max_mean);
            BOOST_TEST(d.max <= c.max_max);
        }
        BOOST_TEST(!r.next(f));
    }
}

// skip() passes over frames without converting them: what follows is the frame a reader that
// decoded every frame would give; a payload cut short is an error even when skipped, as when
// read; the file size that skip() seeks in is the one at opening.
BOOST_AUTO_TEST_CASE(skip_passes_over_frames_and_still_finds_truncation) {
    test::temp_dir tmp;
    video_info info;
    info.width = 24;
    info.height = 14;
    info.fps = {25, 1};
    const auto path = tmp / "skip.y4m";
    {
        y4m_writer w(path, info, {y4m_chroma::c420jpeg});
        for (int k = 0; k < 6; ++k) w.write(test_frame(24, 14, k));
        w.close();
    }
    std::vector<rgb8_image> all;
    {
        y4m_reader r(path);
        rgb8_image f;
        while (r.next(f)) all.push_back(f);
    }
    BOOST_REQUIRE(all.size() == 6u);
    y4m_reader r(path);
    rgb8_image f;
    BOOST_TEST(r.skip());
    BOOST_TEST(r.skip());
    BOOST_REQUIRE(r.next(f));
    BOOST_TEST((f == all[2]));
    BOOST_TEST(r.skip());
    BOOST_REQUIRE(r.next(f));
    BOOST_TEST((f == all[4]));
    BOOST_TEST(r.position() == 5);
    BOOST_TEST(r.skip());
    BOOST_TEST(!r.skip()); // the end, as next() says it
    BOOST_TEST(!r.next(f));

    // the last frame cut to half its payload: skipping it is the same error as reading it
    const auto size = fs::file_size(path);
    const auto frame_bytes = std::size_t(24 * 14 + 2 * 12 * 7);
    fs::resize_file(path, size - frame_bytes / 2);
    y4m_reader cut(path);
    for (int k = 0; k < 5; ++k) BOOST_REQUIRE(cut.skip());
    try {
        (void)cut.skip();
        BOOST_FAIL("a truncated frame was skipped");
    } catch (const format_error& e) {
        BOOST_TEST(std::string(e.what()).find("truncated Y4M file: frame 5 has " +
                                              std::to_string(frame_bytes - frame_bytes / 2) +
                                              " of " + std::to_string(frame_bytes)) !=
                       std::string::npos,
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(gray_video_luma) {
    test::temp_dir tmp;
    video_info info;
    info.width = 40;
    info.height = 30;
    const auto img = test_frame(40, 30);
    {
        y4m_writer w(tmp / "g.y4m", info, {y4m_chroma::mono, std::nullopt, yuv_matrix::bt601});
        w.write(img);
        w.close();
    }
    y4m_reader r(tmp / "g.y4m");
    BOOST_TEST(r.info().pixel_format == "gray");
    BOOST_TEST(!r.is_lstar());
    plane8 p;
    BOOST_REQUIRE(r.next_plane(p));
    for (std::size_t y = 0; y < 30; ++y)
        for (std::size_t x = 0; x < 40; ++x) {
            const double luma = 0.299 * img(y, x, 0) + 0.587 * img(y, x, 1) + 0.114 * img(y, x, 2);
            BOOST_TEST(std::abs(p(y, x) - std::floor(luma + 0.5)) <= 1);
        }
}

BOOST_AUTO_TEST_CASE(lstar_transmission_format) {
    test::temp_dir tmp;
    // Every 3rd level of each channel, as a 156x... frame.
    std::vector<std::array<int, 3>> colours;
    for (int r = 0; r < 256; r += 3)
        for (int g = 0; g < 256; g += 3)
            for (int b = 0; b < 256; b += 3) colours.push_back({r, g, b});
    const std::size_t w = 86, h = colours.size() / w;
    rgb8_image img({h, w, 3});
    for (std::size_t i = 0; i < w * h; ++i)
        for (int c = 0; c < 3; ++c)
            img.data()[3 * i + c] = static_cast<std::uint8_t>(colours[i][c]);
    video_info info;
    info.width = w;
    info.height = h;
    {
        y4m_writer wr(tmp / "l.y4m", info, {y4m_chroma::mono_lstar, std::nullopt, {}});
        wr.write(img);
        wr.close();
    }
    std::ifstream raw(tmp / "l.y4m");
    std::string header;
    std::getline(raw, header);
    BOOST_TEST(header.find("Cmono") != std::string::npos);
    BOOST_TEST(header.find("XKEYCHROMA=LSTAR") != std::string::npos);

    y4m_reader r(tmp / "l.y4m");
    BOOST_TEST(r.is_lstar());
    plane8 p;
    BOOST_REQUIRE(r.next_plane(p));
    std::size_t exact = 0;
    int worst = 0;
    for (std::size_t i = 0; i < w * h; ++i) {
        const int e = independent_lstar_code(colours[i][0], colours[i][1], colours[i][2]);
        worst = std::max(worst, std::abs(p.data()[i] - e));
        exact += p.data()[i] == e;
    }
    BOOST_TEST(worst <= 1);
    BOOST_TEST(static_cast<double>(exact) / static_cast<double>(w * h) > 0.999);

    // Shown as sRGB gray: a gray input comes back as (nearly) itself.
    y4m_reader r2(tmp / "l.y4m");
    rgb8_image shown;
    BOOST_REQUIRE(r2.next(shown));
    for (std::size_t i = 0; i < w * h; ++i) {
        BOOST_TEST(shown.data()[3 * i] == code_to_srgb8_gray()[p.data()[i]]);
        BOOST_TEST(shown.data()[3 * i] == shown.data()[3 * i + 2]);
        if (colours[i][0] == colours[i][1] && colours[i][1] == colours[i][2])
            BOOST_TEST(std::abs(shown.data()[3 * i] - colours[i][0]) <= 2);
    }
}

BOOST_AUTO_TEST_CASE(write_plane_is_exact) {
    test::temp_dir tmp;
    video_info info;
    info.width = 17;
    info.height = 9;
    plane8 plane({9, 17});
    for (std::size_t i = 0; i < plane.size(); ++i)
        plane.data()[i] = static_cast<std::uint8_t>(i * 7);
    for (auto chroma : {y4m_chroma::mono_lstar, y4m_chroma::mono, y4m_chroma::c420jpeg}) {
        {
            y4m_writer w(tmp / "p.y4m", info, {chroma, std::nullopt, {}});
            w.write_plane(plane);
            w.write_plane(plane);
            w.close();
        }
        y4m_reader r(tmp / "p.y4m");
        plane8 back;
        for (int k = 0; k < 2; ++k) {
            BOOST_REQUIRE(r.next_plane(back));
            BOOST_TEST((back == plane));
        }
        BOOST_TEST(!r.next_plane(back));
    }
    // Neutral chroma: a Y'CbCr stream written from a plane decodes to gray.
    y4m_reader r(tmp / "p.y4m");
    rgb8_image f;
    BOOST_REQUIRE(r.next(f));
    for (std::size_t i = 0; i < plane.size(); ++i) {
        BOOST_TEST(f.data()[3 * i] == f.data()[3 * i + 1]);
        BOOST_TEST(f.data()[3 * i] == f.data()[3 * i + 2]);
    }
}

BOOST_AUTO_TEST_CASE(writer_is_atomic) {
    test::temp_dir tmp;
    video_info info;
    info.width = 8;
    info.height = 8;
    const auto target = tmp / "out.y4m";
    {
        y4m_writer w(target, info);
        w.write(test_frame(8, 8));
        BOOST_TEST(!fs::exists(target)); // only a temporary name while writing
        BOOST_TEST(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) ==
                   1);
        w.close();
        BOOST_TEST(fs::exists(target));
        BOOST_CHECK_THROW(w.write(test_frame(8, 8)), config_error); // after close
    }
    BOOST_TEST(std::distance(fs::directory_iterator(tmp.path()), fs::directory_iterator()) == 1);
    BOOST_TEST(fs::file_size(target) ==
               format_y4m_header(y4m_reader(target).header()).size() + 6 + 8 * 8 * 3);
    fs::remove(target);
    {
        y4m_writer w(target, info);
        w.write(test_frame(8, 8));
        // destroyed without close(): nothing may remain
    }
    BOOST_TEST(fs::is_empty(tmp.path()));
    {
        y4m_writer w(target, info);
        BOOST_CHECK_THROW(w.write(test_frame(9, 8)), format_error); // wrong size
    }
    BOOST_TEST(fs::is_empty(tmp.path()));
}

BOOST_AUTO_TEST_CASE(fixed_and_float_readers_agree) {
    test::temp_dir tmp;
    video_info info;
    info.width = 50;
    info.height = 20;
    {
        y4m_writer w(tmp / "f.y4m", info, {y4m_chroma::c420mpeg2, std::nullopt, {}});
        w.write(test_frame(50, 20));
        w.close();
    }
    y4m_reader a(tmp / "f.y4m");
    basic_y4m_reader<floating_point_arithmetic> b(tmp / "f.y4m");
    rgb8_image fa, fb;
    BOOST_REQUIRE(a.next(fa));
    BOOST_REQUIRE(b.next(fb));
    BOOST_TEST(diff(fa, fb).max <= 1);
}
