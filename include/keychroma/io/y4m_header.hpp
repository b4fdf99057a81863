#pragma once
// The YUV4MPEG2 stream header: parsing (untrusted input, every size checked before anything is
// allocated) and formatting. The supported subset is in docs/formats.md.

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/io/yuv.hpp"

namespace keychroma::io {

/// Colourspaces keychroma reads and writes. `mono_lstar` is a `Cmono` stream tagged
/// `XKEYCHROMA=LSTAR`: its plane holds round(L* * 255 / 100), not video luma.
enum class y4m_chroma { c444, c422, c420jpeg, c420mpeg2, c420paldv, mono, mono_lstar };

/// Largest width or height accepted, and largest frame payload, before any allocation.
inline constexpr std::size_t y4m_max_dimension = 16384;
inline constexpr std::uint64_t y4m_max_frame_bytes = std::uint64_t{1} << 30;

[[nodiscard]] constexpr bool is_mono(y4m_chroma c) noexcept {
    return c == y4m_chroma::mono || c == y4m_chroma::mono_lstar;
}

[[nodiscard]] constexpr chroma_layout layout_of(y4m_chroma c) noexcept {
    switch (c) {
    case y4m_chroma::c422:
        return layout_422;
    case y4m_chroma::c420jpeg:
        return layout_420jpeg;
    case y4m_chroma::c420mpeg2:
        return layout_420mpeg2;
    case y4m_chroma::c420paldv:
        return layout_420paldv;
    default:
        return layout_444;
    }
}

/// The `C` tag value.
[[nodiscard]] constexpr std::string_view y4m_colourspace_tag(y4m_chroma c) noexcept {
    switch (c) {
    case y4m_chroma::c444:
        return "444";
    case y4m_chroma::c422:
        return "422";
    case y4m_chroma::c420jpeg:
        return "420jpeg";
    case y4m_chroma::c420mpeg2:
        return "420mpeg2";
    case y4m_chroma::c420paldv:
        return "420paldv";
    default:
        return "mono";
    }
}

/// FFmpeg's name for the pixel format (video_info::pixel_format).
[[nodiscard]] constexpr std::string_view pixel_format_name(y4m_chroma c) noexcept {
    switch (c) {
    case y4m_chroma::c444:
        return "yuv444p";
    case y4m_chroma::c422:
        return "yuv422p";
    case y4m_chroma::mono:
        return "gray";
    case y4m_chroma::mono_lstar:
        return "gray-lstar";
    default:
        return "yuv420p";
    }
}

/// What a Y4M stream header says.
struct y4m_header {
    std::size_t width = 0;
    std::size_t height = 0;
    rational fps{25, 1};
    rational aspect{0, 0}; ///< pixel aspect ratio, 0:0 = unknown
    y4m_chroma chroma = y4m_chroma::c420jpeg;
    std::optional<yuv_range> range; ///< XCOLORRANGE, when present

    [[nodiscard]] image_size size() const noexcept { return {width, height}; }
    [[nodiscard]] std::size_t luma_bytes() const noexcept { return width * height; }
    [[nodiscard]] std::size_t chroma_plane_bytes() const noexcept {
        if (is_mono(chroma)) return 0;
        const auto l = layout_of(chroma);
        return l.chroma_width(width) * l.chroma_height(height);
    }
    /// Bytes of one frame's payload (after the FRAME line).
    [[nodiscard]] std::size_t frame_bytes() const noexcept {
        return luma_bytes() + 2 * chroma_plane_bytes();
    }
    /// Range the samples are in: the tag, else limited for Y'CbCr and full for mono (what
    /// FFmpeg both writes and assumes for gray).
    [[nodiscard]] yuv_range effective_range() const noexcept {
        if (range) return *range;
        return is_mono(chroma) ? yuv_range::full : yuv_range::limited;
    }
};

namespace detail {

[[nodiscard]] inline std::uint64_t parse_y4m_number(std::string_view digits,
                                                    const std::filesystem::path& file,
                                                    std::string_view what) {
    std::uint64_t v = 0;
    const auto* end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, v);
    if (digits.empty() || ec == std::errc::invalid_argument || ptr != end)
        throw format_error(file.string() + ": Y4M header has a malformed " + std::string(what) +
                           " '" + std::string(digits) + "'");
    if (ec == std::errc::result_out_of_range) return UINT64_MAX; // rejected by the range checks
    return v;
}

[[nodiscard]] inline rational parse_y4m_ratio(std::string_view s, const std::filesystem::path& file,
                                              std::string_view what) {
    const auto colon = s.find(':');
    if (colon == std::string_view::npos)
        throw format_error(file.string() + ": Y4M " + std::string(what) + " '" + std::string(s) +
                           "' is not of the form N:D");
    const auto n = parse_y4m_number(s.substr(0, colon), file, what);
    const auto d = parse_y4m_number(s.substr(colon + 1), file, what);
    constexpr std::uint64_t limit = std::uint64_t{1} << 31;
    if (n > limit || d > limit)
        throw format_error(file.string() + ": Y4M " + std::string(what) + " '" + std::string(s) +
                           "' out of range");
    return {static_cast<std::int64_t>(n), static_cast<std::int64_t>(d)};
}

} // namespace detail

/// Parses a stream header line (without its '\n'). Throws format_error naming `file` for
/// anything keychroma cannot read: bad magic, missing or absurd sizes, interlacing,
/// unsupported colourspaces.
[[nodiscard]] inline y4m_header parse_y4m_header(std::string_view line,
                                                 const std::filesystem::path& file) {
    constexpr std::string_view magic = "YUV4MPEG2";
    const auto name = file.string();
    if (line.substr(0, magic.size()) != magic ||
        (line.size() > magic.size() && line[magic.size()] != ' '))
        throw format_error(name + ": not a Y4M file (no 'YUV4MPEG2' magic)");
    y4m_header h;
    bool has_w = false, has_h = false, lstar = false;
    std::string_view rest = line.substr(magic.size());
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const auto stop = rest.find(' ');
        const std::string_view tok = rest.substr(0, stop);
        rest.remove_prefix(stop == std::string_view::npos ? rest.size() : stop);
        const char key = tok[0];
        const std::string_view val = tok.substr(1);
        switch (key) {
        case 'W': {
            const auto v = detail::parse_y4m_number(val, file, "width");
            if (v == 0 || v > y4m_max_dimension)
                throw format_error(name + ": Y4M width W" + std::string(val) +
                                   " out of range (1.." + std::to_string(y4m_max_dimension) + ")");
            h.width = static_cast<std::size_t>(v);
            has_w = true;
            break;
        }
        case 'H': {
            const auto v = detail::parse_y4m_number(val, file, "height");
            if (v == 0 || v > y4m_max_dimension)
                throw format_error(name + ": Y4M height H" + std::string(val) +
                                   " out of range (1.." + std::to_string(y4m_max_dimension) + ")");
            h.height = static_cast<std::size_t>(v);
            has_h = true;
            break;
        }
        case 'F': {
            const auto r = detail::parse_y4m_ratio(val, file, "frame rate");
            // F0:0 means "unknown"; keep the default.
            if (r.num > 0 && r.den > 0)
                h.fps = r;
            else if (r.num != 0 || r.den != 0)
                throw format_error(name + ": Y4M frame rate F" + std::string(val) +
                                   " is not positive");
            break;
        }
        case 'A':
            h.aspect = detail::parse_y4m_ratio(val, file, "pixel aspect");
            break;
        case 'I':
            if (val != "p" && val != "?")
                throw format_error(name + ": interlaced Y4M (I" + std::string(val) +
                                   ") not supported; only progressive (Ip)");
            break;
        case 'C':
            if (val == "444")
                h.chroma = y4m_chroma::c444;
            else if (val == "422")
                h.chroma = y4m_chroma::c422;
            else if (val == "420" || val == "420jpeg")
                h.chroma = y4m_chroma::c420jpeg;
            else if (val == "420mpeg2")
                h.chroma = y4m_chroma::c420mpeg2;
            else if (val == "420paldv")
                h.chroma = y4m_chroma::c420paldv;
            else if (val == "mono")
                h.chroma = y4m_chroma::mono;
            else
                throw format_error(name + ": Y4M colourspace C" + std::string(val) +
                                   " not supported (supported: 444, 422, 420, 420jpeg, "
                                   "420mpeg2, 420paldv, mono; 8-bit only)");
            break;
        case 'X':
            if (val == "COLORRANGE=FULL")
                h.range = yuv_range::full;
            else if (val == "COLORRANGE=LIMITED")
                h.range = yuv_range::limited;
            else if (val == "KEYCHROMA=LSTAR")
                lstar = true;
            // Other extension tags are application-specific; the spec says to ignore them.
            break;
        default:
            break; // unknown tags are ignored, as the spec asks
        }
    }
    if (!has_w) throw format_error(name + ": Y4M header has no width (W)");
    if (!has_h) throw format_error(name + ": Y4M header has no height (H)");
    if (lstar) {
        if (h.chroma != y4m_chroma::mono)
            throw format_error(name + ": XKEYCHROMA=LSTAR needs a Cmono stream, not C" +
                               std::string(y4m_colourspace_tag(h.chroma)));
        h.chroma = y4m_chroma::mono_lstar;
    }
    if (static_cast<std::uint64_t>(h.frame_bytes()) > y4m_max_frame_bytes)
        throw format_error(name + ": Y4M frame of " + std::to_string(h.frame_bytes()) +
                           " bytes exceeds the 1 GiB limit");
    return h;
}

/// The stream header line, '\n' included. FFmpeg reads every header this writes.
[[nodiscard]] inline std::string format_y4m_header(const y4m_header& h) {
    std::string s = "YUV4MPEG2 W" + std::to_string(h.width) + " H" + std::to_string(h.height) +
                    " F" + std::to_string(h.fps.num) + ":" + std::to_string(h.fps.den) + " Ip A" +
                    std::to_string(h.aspect.num) + ":" + std::to_string(h.aspect.den) + " C" +
                    std::string(y4m_colourspace_tag(h.chroma));
    s += h.effective_range() == yuv_range::full ? " XCOLORRANGE=FULL" : " XCOLORRANGE=LIMITED";
    if (h.chroma == y4m_chroma::mono_lstar) s += " XKEYCHROMA=LSTAR";
    s += '\n';
    return s;
}

} // namespace keychroma::io
