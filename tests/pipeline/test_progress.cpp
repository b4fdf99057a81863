#define BOOST_TEST_MODULE pipeline_progress
#include <boost/test/unit_test.hpp>

// The progress reporter on a driven clock: rate, ETA, throttling of plain lines, the bar's
// carriage returns, and silence when quiet.

#include <chrono>
#include <cstdio>
#include <string>

#include "keychroma/report/progress.hpp"

using namespace keychroma::report;

namespace {
struct fake_clock {
    using duration = std::chrono::milliseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<fake_clock>;
    static constexpr bool is_steady = true;
    static inline time_point current{};
    static time_point now() noexcept { return current; }
    static void advance(int ms) { current += duration(ms); }
};

std::string read_back(std::FILE* f) {
    std::fflush(f);
    std::rewind(f);
    std::string s;
    for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
    return s;
}
std::size_t count(const std::string& s, char c) {
    std::size_t n = 0;
    for (char x : s) n += x == c;
    return n;
}
} // namespace

BOOST_AUTO_TEST_CASE(duration_format) {
    BOOST_TEST(format_duration(0.2) == "1s");
    BOOST_TEST(format_duration(59) == "59s");
    BOOST_TEST(format_duration(61) == "1:01");
    BOOST_TEST(format_duration(3723) == "1:02:03");
    BOOST_TEST(format_duration(-1) == "?");
}

BOOST_AUTO_TEST_CASE(rate_and_eta) {
    std::FILE* f = std::tmpfile();
    progress_options o;
    o.style = progress_style::lines;
    o.stream = f;
    basic_progress<fake_clock> p("colorize", 100, "frames", o);
    fake_clock::advance(10'000);
    p.update(25); // 2.5 frames/s, 75 left -> 30 s
    BOOST_TEST(p.rate() == 2.5);
    const auto line = p.status_line();
    BOOST_TEST(line.find("25/100 frames (25%)") != std::string::npos, line);
    BOOST_TEST(line.find("2.5 frames/s") != std::string::npos, line);
    BOOST_TEST(line.find("ETA 30s") != std::string::npos, line);
    std::fclose(f);
}

BOOST_AUTO_TEST_CASE(plain_lines_are_throttled) {
    std::FILE* f = std::tmpfile();
    progress_options o;
    o.style = progress_style::lines;
    o.stream = f;
    o.line_interval_s = 5.0;
    {
        basic_progress<fake_clock> p("train", 40, "epochs", o);
        for (int i = 0; i < 40; ++i) {
            fake_clock::advance(1000); // one epoch per second: a line every 5 epochs
            p.advance();
        }
        p.note("loss 0.01");
        p.finish();
    }
    const auto out = read_back(f);
    // First update draws, then every 5 s: epochs 1, 6, 11, ..., 36 (8 lines) + the final one.
    BOOST_TEST(count(out, '\n') == 9u, out);
    BOOST_TEST(count(out, '\r') == 0u);
    BOOST_TEST(out.find("40/40 epochs (100%)") != std::string::npos, out);
    BOOST_TEST(out.find("took 40s, loss 0.01") != std::string::npos, out);
    std::fclose(f);
}

BOOST_AUTO_TEST_CASE(bar_overwrites_one_line) {
    std::FILE* f = std::tmpfile();
    progress_options o;
    o.style = progress_style::bar;
    o.stream = f;
    o.bar_width = 10;
    {
        basic_progress<fake_clock> p("decode", 10, "frames", o);
        for (int i = 0; i < 10; ++i) {
            fake_clock::advance(200);
            p.advance();
        }
        p.finish();
    }
    const auto out = read_back(f);
    BOOST_TEST(count(out, '\n') == 1u, out);
    BOOST_TEST(count(out, '\r') == 11u, out); // 10 redraws (every 200 ms > 100 ms) + final
    BOOST_TEST(out.find("[##########]") != std::string::npos, out);
    std::fclose(f);
}

BOOST_AUTO_TEST_CASE(quiet_prints_nothing_and_automatic_sees_no_terminal) {
    std::FILE* f = std::tmpfile();
    progress_options o;
    o.style = progress_style::quiet;
    o.stream = f;
    {
        basic_progress<fake_clock> p("x", 3, "frames", o);
        p.advance(3);
        p.finish();
    }
    BOOST_TEST(read_back(f).empty());
    o.style = progress_style::automatic; // a temporary file is not a terminal
    basic_progress<fake_clock> q("x", std::nullopt, "frames", o);
    BOOST_TEST((q.style() == progress_style::lines));
    std::fclose(f);
}
