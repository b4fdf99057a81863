#define BOOST_TEST_MODULE bad_input
#include <boost/test/unit_test.hpp>

// Every malformed or unreachable input gives a keychroma::error subclass whose one-line message
// names the file and the problem: no crash, no hang, no allocation driven by a hostile header,
// no partial output file.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keychroma/io/image_sequence.hpp"
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

/// Runs `f`, requires it to throw exactly error type E whose message names `file` and contains
/// `problem`, and prints the message (so the test log shows what users see).
template <class E, class F>
void expect_error(F&& f, const fs::path& file, const std::string& problem) {
    try {
        f();
        BOOST_ERROR("no exception for " << file << " (" << problem << ")");
    } catch (const E& e) {
        const std::string msg = e.what();
        std::printf("  %s\n", msg.c_str());
        BOOST_TEST(msg.find(file.string()) != std::string::npos, msg);
        BOOST_TEST(msg.find(problem) != std::string::npos, msg);
        BOOST_TEST(msg.find('\n') == std::string::npos);
    } catch (const std::exception& e) {
        BOOST_ERROR("wrong exception type for " << file << ": " << e.what());
    }
}

/// Whether `f` throws exactly E with a one-line message naming `file` and `problem` (for a
/// child process, which must not use Boost.Test's assertions).
template <class E, class F>
bool throws_error(F&& f, const fs::path& file, const std::string& problem) {
    try {
        f();
    } catch (const E& e) {
        const std::string msg = e.what();
        return msg.find(file.string()) != std::string::npos &&
               msg.find(problem) != std::string::npos && msg.find('\n') == std::string::npos;
    } catch (...) {
    }
    return false;
}

/// Runs `check` as the unprivileged user nobody (65534) in a child process when the suite runs
/// as root -- root reads and writes through any permission bits, so they mean something only
/// for another user -- and directly otherwise. The files it touches must be reachable by nobody.
bool as_unprivileged_user(const std::function<bool()>& check) {
    if (::geteuid() != 0) return check();
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {
        if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
            std::_Exit(3);
        std::_Exit(check() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// Opens a Y4M file and reads all its frames.
void read_all(const fs::path& p) {
    y4m_reader r(p);
    rgb8_image f;
    while (r.next(f)) {
    }
}

/// A Y4M header line followed by `frames` complete 4x2 4:4:4 frames.
std::string small_y4m(int frames) {
    std::string s = "YUV4MPEG2 W4 H2 F25:1 Ip C444\n";
    for (int i = 0; i < frames; ++i) s += "FRAME\n" + std::string(24, '\x80');
    return s;
}

} // namespace

BOOST_AUTO_TEST_CASE(missing_file) {
    test::temp_dir tmp;
    const auto p = tmp / "nope.y4m";
    expect_error<io_error>([&] { read_all(p); }, p, "cannot open");
}

BOOST_AUTO_TEST_CASE(unreadable_file) {
    test::temp_dir tmp;
    // A directory where a file is expected cannot be read, whoever runs the test.
    const auto dir = tmp / "dir.y4m";
    fs::create_directory(dir);
    expect_error<io_error>([&] { read_all(dir); }, dir, "is a directory");
    // Permission bits, checked as an unprivileged user when the suite runs as root.
    const auto p = tmp / "locked.y4m";
    write_bytes(p, small_y4m(1));
    ::chmod(p.c_str(), 0);
    BOOST_TEST(as_unprivileged_user(
        [&] { return throws_error<io_error>([&] { read_all(p); }, p, "cannot open"); }));
}

BOOST_AUTO_TEST_CASE(not_a_video) {
    test::temp_dir tmp;
    const auto png = tmp / "photo.y4m";
    write_bytes(png, std::string("\x89PNG\r\n\x1a\n", 8) + std::string(100, '\0'));
    expect_error<format_error>([&] { read_all(png); }, png, "not a Y4M file");
    const auto text = tmp / "notes.y4m";
    write_bytes(text, "hello, world\nthis is text\n");
    expect_error<format_error>([&] { read_all(text); }, text, "not a Y4M file");
    const auto empty = tmp / "empty.y4m";
    write_bytes(empty, "");
    expect_error<format_error>([&] { read_all(empty); }, empty, "empty file");
    // Megabytes without a newline: the header reader gives up after 4 KiB, no hang.
    const auto blob = tmp / "blob.y4m";
    write_bytes(blob, "YUV4MPEG2 W4 H2 " + std::string(8 << 20, 'x'));
    const auto t0 = std::chrono::steady_clock::now();
    expect_error<format_error>([&] { read_all(blob); }, blob, "longer than 4096 bytes");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    BOOST_TEST(seconds < 2.0);
    const auto cut = tmp / "cut.y4m";
    write_bytes(cut, "YUV4MPEG2 W4 H2");
    expect_error<format_error>([&] { read_all(cut); }, cut, "no end of line");
}

BOOST_AUTO_TEST_CASE(bad_magic) {
    test::temp_dir tmp;
    for (const char* header : {"YUV4MPEG3 W4 H2 C444\n", "YUV4MPEG2W4 H2 C444\n",
                               "yuv4mpeg2 W4 H2 C444\n", " YUV4MPEG2 W4 H2\n"}) {
        const auto p = tmp / "magic.y4m";
        write_bytes(p, std::string(header) + "FRAME\n" + std::string(24, 'a'));
        expect_error<format_error>([&] { read_all(p); }, p, "no 'YUV4MPEG2' magic");
    }
}

BOOST_AUTO_TEST_CASE(missing_or_absurd_sizes) {
    test::temp_dir tmp;
    const auto p = tmp / "size.y4m";
    struct size_case {
        const char* header;
        const char* problem;
    };
    for (const auto& c : {size_case{"YUV4MPEG2 H2 C444", "no width (W)"},
                          {"YUV4MPEG2 W4 C444", "no height (H)"},
                          {"YUV4MPEG2 W0 H2", "width W0 out of range"},
                          {"YUV4MPEG2 W4 H0", "height H0 out of range"},
                          {"YUV4MPEG2 W16385 H2", "out of range (1..16384)"},
                          {"YUV4MPEG2 W4 H99999999", "height H99999999 out of range"},
                          {"YUV4MPEG2 W99999999999999999999999999 H2", "out of range"},
                          {"YUV4MPEG2 W-4 H2", "malformed width"},
                          {"YUV4MPEG2 W4x H2", "malformed width"},
                          {"YUV4MPEG2 W H2", "malformed width"},
                          {"YUV4MPEG2 W4 H2 F30:0", "frame rate F30:0 is not positive"},
                          {"YUV4MPEG2 W4 H2 Fabc", "not of the form N:D"}}) {
        // The frame data is tiny: a reader that believed the header and allocated would die
        // with bad_alloc or read garbage instead of reporting the header.
        write_bytes(p, std::string(c.header) + "\nFRAME\n" + std::string(24, 'a'));
        expect_error<format_error>([&] { read_all(p); }, p, c.problem);
    }
    // The largest legal frame (16384x16384 4:4:4, 768 MiB) is accepted by the header check but
    // the file is truncated: the reader reports truncation (and allocates only the one frame).
}

BOOST_AUTO_TEST_CASE(unsupported_colourspace) {
    test::temp_dir tmp;
    const auto p = tmp / "cs.y4m";
    for (const char* cs : {"Cmono16", "C420p10", "C444p16", "C411", "C444alpha", "C422p12"}) {
        write_bytes(p, std::string("YUV4MPEG2 W4 H2 ") + cs + "\nFRAME\n" + std::string(48, 'a'));
        expect_error<format_error>([&] { read_all(p); }, p,
                                   std::string("colourspace ") + cs + " not supported");
    }
    write_bytes(p, "YUV4MPEG2 W4 H2 C444 XKEYCHROMA=LSTAR\nFRAME\n" + std::string(24, 'a'));
    expect_error<format_error>([&] { read_all(p); }, p, "XKEYCHROMA=LSTAR needs a Cmono");
}

BOOST_AUTO_TEST_CASE(interlaced) {
    test::temp_dir tmp;
    const auto p = tmp / "i.y4m";
    for (const char* i : {"It", "Ib", "Im"}) {
        write_bytes(p,
                    std::string("YUV4MPEG2 W4 H2 C444 ") + i + "\nFRAME\n" + std::string(24, 'a'));
        expect_error<format_error>([&] { read_all(p); }, p, "interlaced");
    }
}

BOOST_AUTO_TEST_CASE(truncated_last_frame) {
    test::temp_dir tmp;
    const auto p = tmp / "t.y4m";
    auto bytes = small_y4m(3);
    bytes.resize(bytes.size() - 5);
    write_bytes(p, bytes);
    y4m_reader r(p);
    BOOST_TEST(!r.info().frame_count.has_value());
    rgb8_image f;
    BOOST_TEST(r.next(f));
    BOOST_TEST(r.next(f));
    expect_error<format_error>([&] { r.next(f); }, p, "frame 2 has 19 of 24 bytes");
    // Cut inside the FRAME marker.
    bytes = small_y4m(1) + "FRA";
    write_bytes(p, bytes);
    expect_error<format_error>([&] { read_all(p); }, p, "frame 1 header cut short");
    // A FRAME line without its end.
    write_bytes(p, small_y4m(1) + "FRAME Ip");
    expect_error<format_error>([&] { read_all(p); }, p, "no end of line");
}

BOOST_AUTO_TEST_CASE(garbage_instead_of_frame_marker) {
    test::temp_dir tmp;
    const auto p = tmp / "g.y4m";
    write_bytes(p, small_y4m(1) + "GARBAGE" + std::string(40, 'z'));
    expect_error<format_error>([&] { read_all(p); }, p, "frame 1: expected a 'FRAME' marker");
    write_bytes(p, small_y4m(1) + "FRAMEX\n" + std::string(24, 'z'));
    expect_error<format_error>([&] { read_all(p); }, p, "malformed FRAME marker");
    // A header whose size disagrees with the data: the second marker lands in pixel data.
    write_bytes(p, "YUV4MPEG2 W4 H2 C420jpeg\n" + std::string("FRAME\n") + std::string(24, 'q') +
                       "FRAME\n" + std::string(24, 'q'));
    expect_error<format_error>([&] { read_all(p); }, p, "expected a 'FRAME' marker");
    // A frame parameter line that never ends.
    write_bytes(p, small_y4m(0) + "FRAME " + std::string(10000, 'I'));
    expect_error<format_error>([&] { read_all(p); }, p, "frame header longer than");
}

BOOST_AUTO_TEST_CASE(unwritable_output) {
    test::temp_dir tmp;
    video_info info;
    info.width = 4;
    info.height = 2;
    const auto no_dir = tmp / "missing" / "out.y4m";
    expect_error<io_error>([&] { y4m_writer w(no_dir, info); }, no_dir, "does not exist");
    const auto dir = tmp / "adir.y4m";
    fs::create_directory(dir);
    expect_error<io_error>([&] { y4m_writer w(dir, info); }, dir, "is a directory");
    {
        // a read-only directory, checked as an unprivileged user when the suite runs as root
        const auto ro = tmp / "ro";
        fs::create_directory(ro);
        ::chmod(ro.c_str(), 0555);
        BOOST_TEST(as_unprivileged_user([&] {
            return throws_error<io_error>([&] { y4m_writer w(ro / "out.y4m", info); },
                                          ro / "out.y4m", "cannot create");
        }));
        ::chmod(ro.c_str(), 0755);
        fs::remove(ro);
    }
    // Image sequences too.
    const auto pattern = tmp / "missing" / "%04d.png";
    expect_error<io_error>([&] { image_sequence_writer w(pattern, info); }, pattern,
                           "does not exist");
    // Nothing was left behind but the directory made on purpose.
    std::vector<fs::path> left;
    for (const auto& e : fs::recursive_directory_iterator(tmp.path())) left.push_back(e.path());
    BOOST_TEST(left.size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_writer_arguments) {
    test::temp_dir tmp;
    video_info info;
    info.width = 0;
    info.height = 2;
    const auto p = tmp / "z.y4m";
    expect_error<config_error>([&] { y4m_writer w(p, info); }, p, "cannot write a 0x2 Y4M");
    info.width = 4;
    info.fps = {0, 1};
    expect_error<config_error>([&] { y4m_writer w(p, info); }, p, "frame rate 0/1");
    BOOST_TEST(fs::is_empty(tmp.path()));
}

BOOST_AUTO_TEST_CASE(bad_images) {
    test::temp_dir tmp;
    const auto fake = tmp / "fake.png";
    write_bytes(fake, "this is not a PNG file at all");
    expect_error<format_error>([&] { image_sequence_reader r(fake); }, fake,
                               "not a readable image");
    const auto pattern = tmp / "f%03d.png";
    expect_error<io_error>([&] { image_sequence_reader r(pattern); }, pattern,
                           "no file matches the pattern");
    const auto missing = tmp / "gone.jpg";
    expect_error<io_error>([&] { image_sequence_reader r(missing); }, missing, "cannot open");
    const auto empty_dir = tmp / "empty";
    fs::create_directory(empty_dir);
    expect_error<format_error>([&] { image_sequence_reader r(empty_dir); }, empty_dir,
                               "holds no images");
    const auto bad_pattern = tmp / "f%s.png";
    expect_error<config_error>([&] { image_sequence_reader r(bad_pattern); }, bad_pattern,
                               "exactly one %d");
    const auto two = tmp / "f%d_%d.png";
    expect_error<config_error>([&] { image_sequence_reader r(two); }, two, "exactly one %d");
    // Absurd size in a PNG header (IHDR says 100000 x 1): rejected before decoding.
    const unsigned char ihdr[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0,    0, 0,
                                  13,   'I', 'H', 'D', 'R',  0,    1,    0x86, 0xa0, 0, 0,
                                  0,    1,   8,   2,   0,    0,    0,    0,    0,    0, 0};
    const auto huge = tmp / "huge.png";
    write_bytes(huge, std::string(reinterpret_cast<const char*>(ihdr), sizeof ihdr));
    try {
        image_sequence_reader r(huge);
        BOOST_ERROR("no exception for a 100000-pixel-wide PNG");
    } catch (const format_error& e) {
        std::printf("  %s\n", e.what());
        BOOST_TEST(std::string(e.what()).find(huge.string()) != std::string::npos);
    }
    // A PNG header stb refuses (60000 x 60000 x 3 bytes is over its 2^30): the message says it
    // is a PNG that cannot be decoded, not stb's "unknown image type".
    auto large = std::string(reinterpret_cast<const char*>(ihdr), sizeof ihdr);
    large.replace(16, 8, std::string("\0\0\xea\x60\0\0\xea\x60", 8));
    const auto too_large = tmp / "too_large.png";
    write_bytes(too_large, large + std::string(1000, '\x55'));
    expect_error<format_error>([&] { image_sequence_reader r(too_large); }, too_large,
                               "a PNG file that cannot be decoded");
}
