#pragma once
// YUV4MPEG2 (Y4M) reader and writer: raw 8-bit planar video, the paper's working format and
// keychroma's grayscale transmission format (Cmono + XKEYCHROMA=LSTAR). Frames stream one at a
// time through a reused payload buffer; nothing holds more than one frame.

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/core/lstar.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/io/y4m_header.hpp"
#include "keychroma/io/yuv.hpp"

namespace keychroma::io {

namespace detail {

struct file_closer {
    void operator()(std::FILE* f) const noexcept {
        if (f) std::fclose(f);
    }
};
using unique_file = std::unique_ptr<std::FILE, file_closer>;

/// Opens a file for reading, or throws io_error naming it and the reason.
[[nodiscard]] inline unique_file open_for_reading(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw io_error(path.string() + ": cannot read: is a directory");
    unique_file f(std::fopen(path.c_str(), "rb"));
    if (!f) throw io_error(path.string() + ": cannot open: " + std::strerror(errno));
    return f;
}

} // namespace detail

/// How samples are interpreted when the file does not say (Y4M has no matrix tag).
struct y4m_read_options {
    yuv_matrix matrix = yuv_matrix::bt601;
    /// Forces the range; empty = XCOLORRANGE, else limited for Y'CbCr and full for mono.
    std::optional<yuv_range> range;
};

/// Reads a Y4M file frame by frame. `A` is the Y'CbCr -> RGB arithmetic policy.
template <yuv_arithmetic A = fixed_point_arithmetic>
class basic_y4m_reader {
public:
    explicit basic_y4m_reader(std::filesystem::path path, const y4m_read_options& options = {})
        : path_(std::move(path)), file_(detail::open_for_reading(path_)) {
        const std::string line = read_line("stream header", 4096);
        header_ = parse_y4m_header(line, path_);
        const auto range = options.range.value_or(header_.effective_range());
        conv_ = yuv_to_rgb<A>({options.matrix, range});
        const auto& lstar_gray = code_to_srgb8_gray();
        for (int i = 0; i < 256; ++i)
            gray_[i] = header_.chroma == y4m_chroma::mono_lstar
                           ? lstar_gray[i]
                           : conv_.gray(static_cast<std::uint8_t>(i));
        info_.width = header_.width;
        info_.height = header_.height;
        info_.fps = header_.fps;
        info_.format = "y4m";
        info_.pixel_format = std::string(pixel_format_name(header_.chroma));
        std::error_code ec;
        if (std::filesystem::is_regular_file(path_, ec)) {
            const auto bytes = std::filesystem::file_size(path_, ec);
            if (!ec) file_bytes_ = bytes;
        }
        info_.frame_count = count_frames(line.size() + 1);
    }

    [[nodiscard]] const video_info& info() const noexcept { return info_; }
    [[nodiscard]] const y4m_header& header() const noexcept { return header_; }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// True for keychroma's gray transmission format (Cmono + XKEYCHROMA=LSTAR).
    [[nodiscard]] bool is_lstar() const noexcept {
        return header_.chroma == y4m_chroma::mono_lstar;
    }
    /// Frames read so far.
    [[nodiscard]] std::int64_t position() const noexcept { return frame_index_; }

    /// Decodes the next frame to sRGB. L* streams show as the sRGB gray of each L* code.
    bool next(rgb8_image& frame) {
        if (!read_payload()) return false;
        resize_frame(frame, header_.size());
        const std::uint8_t* y = payload_.data();
        std::uint8_t* rgb = frame.data();
        const std::size_t n = header_.luma_bytes();
        if (is_mono(header_.chroma)) {
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint8_t g = gray_[y[i]];
                rgb[3 * i] = g;
                rgb[3 * i + 1] = g;
                rgb[3 * i + 2] = g;
            }
        } else {
            const std::uint8_t* u = y + n;
            const std::uint8_t* v = u + header_.chroma_plane_bytes();
            yuv_planes_to_rgb(conv_, y, u, v, header_.size(), layout_of(header_.chroma), rgb,
                              scratch_);
        }
        return true;
    }

    /// Passes over the next frame (skipping_source): on a regular file its payload is seeked
    /// over, not read, after the same checks `next` makes. False at a clean end of file.
    bool skip() { return read_payload(payload_use::skip); }

    /// The next frame's raw luma plane: L* codes for an L* stream, Y' samples otherwise.
    bool next_plane(plane8& plane) {
        if (!read_payload()) return false;
        if (plane.shape()[0] != header_.height || plane.shape()[1] != header_.width)
            plane.resize({header_.height, header_.width});
        std::memcpy(plane.data(), payload_.data(), header_.luma_bytes());
        return true;
    }

private:
    /// Reads bytes up to '\n' (not included), at most `limit`.
    std::string read_line(const char* what, std::size_t limit) {
        std::string s;
        for (;;) {
            const int c = std::getc(file_.get());
            if (c == '\n') return s;
            if (c == EOF) {
                check_read_error();
                if (s.empty() && std::string_view(what) == "stream header")
                    throw format_error(path_.string() + ": empty file, not a Y4M video");
                throw format_error(path_.string() + ": truncated Y4M " + what +
                                   " (no end of line)");
            }
            if (s.size() >= limit)
                throw format_error(path_.string() + ": Y4M " + what + " longer than " +
                                   std::to_string(limit) + " bytes (not a Y4M file?)");
            s.push_back(static_cast<char>(c));
        }
    }

    void check_read_error() const {
        if (std::ferror(file_.get()))
            throw io_error(path_.string() + ": read error: " + std::strerror(errno));
    }

    /// Frame count from the file size, when every frame has a bare "FRAME\n" line.
    std::optional<std::int64_t> count_frames(std::size_t header_bytes) const {
        if (!file_bytes_ || *file_bytes_ < header_bytes) return std::nullopt;
        const std::uintmax_t per_frame = header_.frame_bytes() + 6;
        const std::uintmax_t payload = *file_bytes_ - header_bytes;
        if (payload % per_frame != 0) return std::nullopt;
        return static_cast<std::int64_t>(payload / per_frame);
    }

    enum class payload_use { read, skip };

    /// Reads "FRAME[ params]\n" and the payload (or, to skip it on a file whose size is known,
    /// seeks past it); false at a clean end of file.
    bool read_payload(payload_use use = payload_use::read) {
        std::FILE* f = file_.get();
        char marker[5];
        const std::size_t got = std::fread(marker, 1, sizeof marker, f);
        if (got == 0 && std::feof(f)) return false;
        check_read_error();
        const auto frame_name = "frame " + std::to_string(frame_index_);
        if (got < sizeof marker || std::memcmp(marker, "FRAME", sizeof marker) != 0) {
            if (got < sizeof marker && std::memcmp(marker, "FRAME", got) == 0)
                throw format_error(path_.string() + ": truncated Y4M file: " + frame_name +
                                   " header cut short");
            throw format_error(path_.string() + ": " + frame_name +
                               ": expected a 'FRAME' marker, found other data (corrupt Y4M, "
                               "or a size that does not match the header)");
        }
        const int c = std::getc(f);
        if (c != '\n') {
            if (c == EOF) {
                check_read_error();
                throw format_error(path_.string() + ": truncated Y4M file: " + frame_name +
                                   " header cut short");
            }
            if (c != ' ')
                throw format_error(path_.string() + ": " + frame_name + ": malformed FRAME marker");
            // Frame parameters (Ixyz, X...) describe per-frame interlacing of mixed streams,
            // which the header has already excluded: skip them.
            (void)read_line("frame header", 4096);
        }
        const std::size_t need = header_.frame_bytes();
        const auto truncated = [&](std::uintmax_t have) {
            return format_error(path_.string() + ": truncated Y4M file: " + frame_name + " has " +
                                std::to_string(have) + " of " + std::to_string(need) + " bytes");
        };
        if (use == payload_use::skip && file_bytes_) {
            const auto at = ftello(f);
            if (at < 0) throw io_error(path_.string() + ": cannot tell the read position");
            const std::uintmax_t left = *file_bytes_ - static_cast<std::uintmax_t>(at);
            if (left < need) throw truncated(left);
            if (fseeko(f, static_cast<off_t>(need), SEEK_CUR) != 0)
                throw io_error(path_.string() + ": cannot seek: " + std::strerror(errno));
            ++frame_index_;
            return true;
        }
        // The first frame's buffer grows as its bytes arrive (doubling from 1 MiB): a header
        // that claims a huge frame costs memory for the bytes the file really holds, not for
        // what it claims. Later frames reuse the full-size buffer.
        std::size_t have = 0;
        while (have < need) {
            const std::size_t chunk =
                payload_.size() >= need ? need : std::min(need - have, std::max(have, first_chunk));
            if (payload_.size() < have + chunk) payload_.resize(have + chunk);
            const std::size_t n = std::fread(payload_.data() + have, 1, chunk, f);
            have += n;
            if (n != chunk) {
                check_read_error();
                throw truncated(have);
            }
        }
        ++frame_index_;
        return true;
    }

    static constexpr std::size_t first_chunk = std::size_t(1) << 20;

    std::filesystem::path path_;
    detail::unique_file file_;
    std::optional<std::uintmax_t> file_bytes_; ///< a regular file's size, which skip() seeks in
    y4m_header header_;
    video_info info_;
    yuv_to_rgb<A> conv_;
    std::array<std::uint8_t, 256> gray_{};
    std::vector<std::uint8_t> payload_;
    chroma_scratch scratch_;
    std::int64_t frame_index_ = 0;
};

using y4m_reader = basic_y4m_reader<>;
static_assert(skipping_source<y4m_reader>);

/// What the writer produces.
struct y4m_write_options {
    y4m_chroma chroma = y4m_chroma::c444;
    /// Empty = limited for Y'CbCr, full for mono (as FFmpeg writes gray). Ignored by mono_lstar.
    std::optional<yuv_range> range;
    yuv_matrix matrix = yuv_matrix::bt601;
};

/// Writes a Y4M file through a temporary name; `close()` renames it into place.
template <yuv_arithmetic A = fixed_point_arithmetic>
class basic_y4m_writer {
public:
    basic_y4m_writer(std::filesystem::path path, const video_info& info,
                     const y4m_write_options& options = {})
        : output_(check_target(path)), options_(options) {
        if (info.width == 0 || info.height == 0 || info.width > y4m_max_dimension ||
            info.height > y4m_max_dimension)
            throw config_error(output_.final_path().string() + ": cannot write a " +
                               std::to_string(info.width) + "x" + std::to_string(info.height) +
                               " Y4M (1.." + std::to_string(y4m_max_dimension) + " per side)");
        if (info.fps.num <= 0 || info.fps.den <= 0)
            throw config_error(output_.final_path().string() + ": frame rate " +
                               std::to_string(info.fps.num) + "/" + std::to_string(info.fps.den) +
                               " is not positive");
        header_.width = info.width;
        header_.height = info.height;
        header_.fps = info.fps.reduced();
        header_.aspect = {1, 1};
        header_.chroma = options.chroma;
        header_.range = options.chroma == y4m_chroma::mono_lstar
                            ? yuv_range::full
                            : options.range.value_or(is_mono(options.chroma) ? yuv_range::full
                                                                             : yuv_range::limited);
        conv_ = rgb_to_yuv<A>({options.matrix, *header_.range});
        file_.reset(std::fopen(output_.temp_path().c_str(), "wb"));
        if (!file_)
            throw io_error(output_.final_path().string() +
                           ": cannot create: " + std::strerror(errno));
        put(format_y4m_header(header_)); // the payload buffer waits for a real frame
    }

    [[nodiscard]] const y4m_header& header() const noexcept { return header_; }
    [[nodiscard]] std::int64_t frames_written() const noexcept { return frames_; }

    /// Appends one sRGB frame, converted to the chosen colourspace.
    void write(const rgb8_image& frame) {
        check_size(frame.shape()[1], frame.shape()[0], frame.shape()[2] == 3);
        const std::uint8_t* rgb = frame.data();
        payload_.resize(header_.frame_bytes()); // no-op after the first frame
        std::uint8_t* y = payload_.data();
        const std::size_t n = header_.luma_bytes();
        if (header_.chroma == y4m_chroma::mono_lstar) {
            for (std::size_t i = 0; i < n; ++i)
                y[i] = lightness_.code(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
        } else if (header_.chroma == y4m_chroma::mono) {
            for (std::size_t r = 0; r < header_.height; ++r)
                conv_.row(rgb + r * header_.width * 3, y + r * header_.width, nullptr, nullptr,
                          header_.width);
        } else {
            std::uint8_t* u = y + n;
            std::uint8_t* v = u + header_.chroma_plane_bytes();
            rgb_to_yuv_planes(conv_, rgb, header_.size(), layout_of(header_.chroma), y, u, v,
                              scratch_);
        }
        emit_frame();
    }

    /// Appends one luma plane as is: L* codes for mono_lstar, Y' for the others (neutral
    /// chroma).
    void write_plane(const plane8& plane) {
        check_size(plane.shape()[1], plane.shape()[0], true);
        payload_.resize(header_.frame_bytes()); // no-op after the first frame
        std::memcpy(payload_.data(), plane.data(), header_.luma_bytes());
        std::memset(payload_.data() + header_.luma_bytes(), 128, 2 * header_.chroma_plane_bytes());
        emit_frame();
    }

    /// Flushes and moves the file to its final name.
    void close() {
        if (!file_) return;
        std::FILE* f = file_.release();
        const bool flushed = std::fflush(f) == 0 && std::ferror(f) == 0;
        const bool closed = std::fclose(f) == 0; // also reports deferred errors (NFS, quota)
        if (!flushed || !closed)
            throw io_error(output_.final_path().string() +
                           ": write failed: " + std::strerror(errno));
        output_.commit();
    }

private:
    static std::filesystem::path check_target(const std::filesystem::path& path) {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec))
            throw io_error(path.string() + ": cannot write: is a directory");
        return path;
    }

    void check_size(std::size_t w, std::size_t h, bool rgb_shape) const {
        if (!rgb_shape || w != header_.width || h != header_.height)
            throw format_error(
                output_.final_path().string() + ": frame " + std::to_string(frames_) + " is " +
                std::to_string(w) + "x" + std::to_string(h) + ", the stream is " +
                std::to_string(header_.width) + "x" + std::to_string(header_.height));
        if (!file_) throw config_error(output_.final_path().string() + ": write after close()");
    }

    void put(std::string_view bytes) {
        if (std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size())
            throw io_error(output_.final_path().string() +
                           ": write failed: " + std::strerror(errno));
    }

    void emit_frame() {
        put("FRAME\n");
        put({reinterpret_cast<const char*>(payload_.data()), payload_.size()});
        ++frames_;
    }

    // Declared first so it is destroyed last: the file is closed before the temp is removed.
    atomic_output output_;
    detail::unique_file file_;
    y4m_write_options options_;
    y4m_header header_;
    rgb_to_yuv<A> conv_;
    srgb8_lightness lightness_;
    std::vector<std::uint8_t> payload_;
    chroma_scratch scratch_;
    std::int64_t frames_ = 0;
};

using y4m_writer = basic_y4m_writer<>;
static_assert(frame_sink<y4m_writer>);

} // namespace keychroma::io
