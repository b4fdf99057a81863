#define BOOST_TEST_MODULE y4m_ffmpeg_cli_footage
#include <boost/test/unit_test.hpp>

// Interoperability with the ffmpeg command-line tool, on real footage: keychroma decodes what
// ffmpeg writes as ffmpeg decodes it (accurate mode), and ffmpeg reads what keychroma writes.
// Skipped (support/skip.hpp) when the ffmpeg CLI or the footage is absent.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "keychroma/io/y4m.hpp"
#include "support/footage.hpp"
#include "support/temp_dir.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

using namespace keychroma;
using namespace keychroma::io;
namespace fs = std::filesystem;

namespace {

void require_ffmpeg_cli() {
    if (std::system("ffmpeg -version >/dev/null 2>&1") != 0)
        keychroma::test::skip_program("the ffmpeg command-line tool is not installed");
}

struct global_fixture {
    global_fixture() { require_ffmpeg_cli(); }
};
BOOST_TEST_GLOBAL_FIXTURE(global_fixture);

std::vector<std::uint8_t> read_all(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// ffmpeg's rgb24 decoding of a Y4M, in swscale's accurate mode (exact rounding, chroma
/// interpolated per pixel rather than repeated).
std::vector<std::uint8_t> ffmpeg_decode(const fs::path& y4m, const fs::path& out) {
    const std::string cmd = "ffmpeg -nostdin -loglevel error -y -i '" + y4m.string() +
                            "' -vf 'scale=flags=bilinear+accurate_rnd+full_chroma_int,"
                            "format=rgb24' -f rawvideo '" +
                            out.string() + "'";
    BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "ffmpeg failed: " << cmd);
    return read_all(out);
}

/// keychroma's decoding of a whole Y4M, frames concatenated.
std::vector<std::uint8_t> keychroma_decode(const fs::path& y4m, bool raw_plane = false) {
    y4m_reader reader(y4m);
    std::vector<std::uint8_t> all;
    if (raw_plane) {
        plane8 plane;
        while (reader.next_plane(plane))
            for (auto v : plane) all.insert(all.end(), {v, v, v});
    } else {
        rgb8_image frame;
        while (reader.next(frame)) all.insert(all.end(), frame.begin(), frame.end());
    }
    return all;
}

struct difference {
    double mean;
    int max;
};
difference compare(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    BOOST_REQUIRE_EQUAL(a.size(), b.size());
    double sum = 0;
    int worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const int d = std::abs(int(a[i]) - int(b[i]));
        sum += d;
        worst = std::max(worst, d);
    }
    return {sum / static_cast<double>(a.size()), worst};
}

} // namespace

BOOST_AUTO_TEST_CASE(decodes_like_ffmpeg_accurate_mode) {
    test::temp_dir tmp;
    for (std::string fmt : {"yuv444p", "yuv422p", "yuv420p", "gray", "yuvj444p"}) {
        const auto y4m = test::footage("cockatoo_256x144_" + fmt + ".y4m");
        const auto ref = ffmpeg_decode(y4m, tmp / (fmt + ".rgb"));
        const auto got = keychroma_decode(y4m);
        BOOST_REQUIRE_EQUAL(got.size(), std::size_t{30 * 256 * 144 * 3});
        const auto d = compare(got, ref);
        std::printf("%-9s vs ffmpeg accurate rgb24: mean |diff| %.4f, max %d\n", fmt.c_str(),
                    d.mean, d.max);
        BOOST_TEST(d.mean <= 1.0, fmt);
    }
}

BOOST_AUTO_TEST_CASE(ffmpeg_reads_what_keychroma_writes) {
    test::temp_dir tmp;
    // Source: 30 real frames.
    std::vector<rgb8_image> frames;
    {
        y4m_reader reader(test::footage("cockatoo_256x144_yuv444p.y4m"));
        rgb8_image f;
        while (reader.next(f)) frames.push_back(f);
    }
    BOOST_REQUIRE_EQUAL(frames.size(), 30u);
    struct target {
        const char* name;
        y4m_chroma chroma;
        std::optional<yuv_range> range;
    };
    const target targets[] = {{"c444", y4m_chroma::c444, std::nullopt},
                              {"c444_full", y4m_chroma::c444, yuv_range::full},
                              {"c422", y4m_chroma::c422, std::nullopt},
                              {"c420jpeg", y4m_chroma::c420jpeg, std::nullopt},
                              {"c420mpeg2", y4m_chroma::c420mpeg2, std::nullopt},
                              {"c420paldv", y4m_chroma::c420paldv, std::nullopt},
                              {"mono", y4m_chroma::mono, std::nullopt},
                              {"mono_lstar", y4m_chroma::mono_lstar, std::nullopt}};
    video_info info;
    info.width = 256;
    info.height = 144;
    info.fps = {30000, 1001};
    for (const auto& t : targets) {
        const auto path = tmp / (std::string(t.name) + ".y4m");
        y4m_writer writer(path, info, {t.chroma, t.range, yuv_matrix::bt601});
        for (const auto& f : frames) writer.write(f);
        writer.close();
        // ffmpeg's view of the stream: frame count, rate, pixel format.
        const auto probe = tmp / (std::string(t.name) + ".txt");
        const std::string cmd =
            "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
            "stream=nb_read_frames,r_frame_rate,pix_fmt,width,height -of csv=p=0 '" +
            path.string() + "' > '" + probe.string() + "'";
        BOOST_REQUIRE(std::system(cmd.c_str()) == 0);
        const auto text = read_all(probe);
        const std::string line(text.begin(), text.end());
        std::printf("%-10s ffprobe: %s", t.name, line.c_str());
        BOOST_TEST(line.find("256,144") != std::string::npos, t.name);
        BOOST_TEST(line.find("30000/1001") != std::string::npos, t.name);
        BOOST_TEST(line.find(",30") != std::string::npos, t.name);
        // ffmpeg's decoding agrees with keychroma's decoding of the same file. An L* stream is
        // an ordinary gray video to ffmpeg: it shows the codes, keychroma's raw plane.
        const auto ref = ffmpeg_decode(path, tmp / (std::string(t.name) + ".rgb"));
        const auto got = keychroma_decode(path, t.chroma == y4m_chroma::mono_lstar);
        const auto d = compare(got, ref);
        std::printf("%-10s ffmpeg vs keychroma decoding: mean |diff| %.4f, max %d\n", t.name,
                    d.mean, d.max);
        BOOST_TEST(d.mean <= 1.0, t.name);
    }
}
