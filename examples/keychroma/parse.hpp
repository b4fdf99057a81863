#pragma once
// Parsing of the small option languages the CLI shares (sizes, frame ranges). Bad values are
// config_errors naming the option, so they print as one line with exit code 6.

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/short_number.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/pipeline/working_size.hpp"

namespace keychroma::cli {

namespace detail {
inline std::optional<std::int64_t> parse_int(std::string_view s) {
    std::int64_t v = 0;
    if (s.empty()) return std::nullopt;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return v;
}
} // namespace detail

/// "WxH", each side 1..16384 (the library's parser, shared with model settings).
using pipeline::parse_size;

/// A frame rate given as a decimal number, kept to 1/1000 frame/s; 0 < fps <= 1000 (a larger
/// or non-finite value would overflow the rational it becomes).
inline io::rational fps_option(const std::string& option, double fps) {
    if (!(fps > 0 && fps <= 1000))
        throw config_error(option + " " + short_number(fps) +
                           ": expected a frame rate in (0, 1000] frames/s");
    const auto milli = static_cast<std::int64_t>(fps * 1000 + 0.5);
    if (milli < 1) throw config_error(option + ": frame rate below 0.001 frames/s");
    return io::rational{milli, 1000}.reduced();
}

using io::largest_frame_number; // the largest frame number a range may name

/// A Python-style frame slice "A:B[:S]": frames A, A+S, ... below B. A defaults to 0, B to the
/// end, S to 1; "A" alone is the single frame A.
struct frame_range {
    std::int64_t first = 0;
    std::int64_t last = std::numeric_limits<std::int64_t>::max(); ///< exclusive
    std::int64_t step = 1;

    [[nodiscard]] bool contains(std::int64_t i) const noexcept {
        return i >= first && i < last && (i - first) % step == 0;
    }
    [[nodiscard]] bool done(std::int64_t i) const noexcept { return i >= last; }
};

inline frame_range parse_frame_range(const std::string& option, const std::string& text) {
    const auto bad = [&](const char* why) {
        return config_error(option + " '" + text + "': " + why + " (expected A:B or A:B:STEP)");
    };
    frame_range r;
    const auto c1 = text.find(':');
    if (c1 == std::string::npos) {
        const auto a = detail::parse_int(text);
        if (!a || *a < 0 || *a > largest_frame_number) throw bad("not a frame number");
        r.first = *a;
        r.last = *a + 1;
        return r;
    }
    const auto c2 = text.find(':', c1 + 1);
    const std::string_view sv(text);
    const auto a = sv.substr(0, c1);
    const auto b = sv.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
    if (!a.empty()) {
        const auto v = detail::parse_int(a);
        if (!v || *v < 0 || *v > largest_frame_number) throw bad("bad start");
        r.first = *v;
    }
    if (!b.empty()) {
        const auto v = detail::parse_int(b);
        if (!v || *v < 0 || *v > largest_frame_number) throw bad("bad end");
        r.last = *v;
    }
    if (c2 != std::string::npos) {
        const auto v = detail::parse_int(sv.substr(c2 + 1));
        if (!v || *v < 1 || *v > largest_frame_number)
            throw bad("step must be a positive integer up to 10^12");
        r.step = *v;
    }
    if (r.last <= r.first) throw bad("empty range");
    return r;
}

} // namespace keychroma::cli
