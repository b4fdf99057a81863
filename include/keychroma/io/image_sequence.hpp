#pragma once
// Image sequences as video: numbered files (a printf pattern such as frames/%05d.png) or every
// image in a directory, read through stb_image (PNG, JPEG, BMP, TGA; gray and alpha expanded or
// dropped to RGB) and written through stb_image_write (PNG, JPEG, BMP, TGA), one file per frame,
// each written atomically.

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <stb_image.h>
#include <stb_image_write.h>
#include <sys/stat.h>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/image.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/io/video_info.hpp"

namespace keychroma::io {

/// Largest width or height accepted from an image file.
inline constexpr std::size_t image_max_dimension = 16384;

/// Lower-case extension without the dot ("png").
[[nodiscard]] inline std::string lower_extension(const std::filesystem::path& p) {
    std::string e = p.extension().string();
    if (!e.empty() && e[0] == '.') e.erase(0, 1);
    for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return e;
}

/// Extensions stb_image reads here.
[[nodiscard]] inline bool is_readable_image_extension(std::string_view ext) noexcept {
    return ext == "png" || ext == "jpg" || ext == "jpeg" || ext == "bmp" || ext == "tga";
}
/// Extensions stb_image_write writes here.
[[nodiscard]] inline bool is_writable_image_extension(std::string_view ext) noexcept {
    return is_readable_image_extension(ext);
}

/// A printf-style frame-number pattern with exactly one %d, %Nd or %0Nd (and %% for '%').
/// Parsed by hand: the pattern comes from the command line and must never reach printf.
class frame_pattern {
public:
    explicit frame_pattern(const std::string& pattern) {
        bool have = false;
        for (std::size_t i = 0; i < pattern.size(); ++i) {
            const char c = pattern[i];
            if (c != '%') {
                (have ? suffix_ : prefix_).push_back(c);
                continue;
            }
            if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
                (have ? suffix_ : prefix_).push_back('%');
                ++i;
                continue;
            }
            std::size_t j = i + 1;
            if (j < pattern.size() && pattern[j] == '0') {
                zero_pad_ = true;
                ++j;
            }
            std::size_t digits = 0;
            while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j])) &&
                   digits < 2) {
                width_ = width_ * 10 + (pattern[j] - '0');
                ++j;
                ++digits;
            }
            if (have || j >= pattern.size() || pattern[j] != 'd')
                throw config_error(pattern + ": a frame pattern needs exactly one %d, %Nd or "
                                             "%0Nd (use %% for a literal '%')");
            have = true;
            i = j;
        }
        if (!have) throw config_error(pattern + ": not a frame pattern (no %d)");
    }

    /// The file name of frame number n.
    [[nodiscard]] std::string format(std::int64_t n) const {
        std::string digits = std::to_string(n < 0 ? -n : n);
        const std::size_t width = static_cast<std::size_t>(width_);
        if (zero_pad_) {
            const std::size_t used = digits.size() + (n < 0 ? 1 : 0);
            if (used < width) digits.insert(0, width - used, '0');
            if (n < 0) digits.insert(0, 1, '-');
        } else {
            if (n < 0) digits.insert(0, 1, '-');
            if (digits.size() < width) digits.insert(0, width - digits.size(), ' ');
        }
        return prefix_ + digits + suffix_;
    }

    /// Whether `name` is the file name of some frame number: format(n) == name for an n.
    [[nodiscard]] bool formats(std::string_view name) const {
        if (name.size() <= prefix_.size() + suffix_.size() || !name.starts_with(prefix_) ||
            !name.ends_with(suffix_))
            return false;
        auto number = name.substr(prefix_.size(), name.size() - prefix_.size() - suffix_.size());
        while (!number.empty() && number.front() == ' ') number.remove_prefix(1); // %5d's padding
        std::int64_t n = 0;
        const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
        return ec == std::errc{} && end == number.data() + number.size() && format(n) == name;
    }

private:
    std::string prefix_, suffix_;
    int width_ = 0;
    bool zero_pad_ = false;
};

/// True when a path string holds a printf-style frame pattern.
[[nodiscard]] inline bool is_frame_pattern(const std::filesystem::path& p) {
    return p.string().find('%') != std::string::npos;
}

namespace detail {

/// "frame2.png" < "frame10.png": digit runs compare by value, the rest byte-wise.
[[nodiscard]] inline bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
        const bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
        if (da && db) {
            std::size_t ie = i, je = j;
            while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
            while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
            // Compare the numbers without converting (no overflow): strip leading zeros.
            std::size_t is = i, js = j;
            while (is + 1 < ie && a[is] == '0') ++is;
            while (js + 1 < je && b[js] == '0') ++js;
            if (ie - is != je - js) return ie - is < je - js;
            const int c = a.compare(is, ie - is, b, js, je - js);
            if (c != 0) return c < 0;
            if (ie - i != je - j) return ie - i < je - j; // fewer leading zeros first
            i = ie;
            j = je;
        } else {
            if (a[i] != b[j])
                return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

/// The files of an input sequence, in frame order.
[[nodiscard]] inline std::vector<std::filesystem::path>
list_sequence(const std::filesystem::path& where) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    std::error_code ec;
    if (fs::is_directory(where, ec)) {
        for (fs::directory_iterator it(where, ec), end; !ec && it != end; it.increment(ec)) {
            if (it->is_regular_file(ec) && is_readable_image_extension(lower_extension(it->path())))
                files.push_back(it->path());
        }
        if (ec) throw io_error(where.string() + ": cannot list directory: " + ec.message());
        std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
            return natural_less(a.filename().string(), b.filename().string());
        });
        if (files.empty())
            throw format_error(where.string() +
                               ": directory holds no images (png, jpg, jpeg, bmp, tga)");
        return files;
    }
    if (is_frame_pattern(where)) {
        const frame_pattern pattern(where.string());
        // Like FFmpeg's image2 demuxer: the sequence starts at the first of 0..4 that exists
        // and runs until the first missing number.
        std::int64_t n = 0;
        while (n <= 4 && !fs::exists(pattern.format(n), ec)) ++n;
        if (n > 4)
            throw io_error(where.string() + ": no file matches the pattern (tried numbers 0..4)");
        for (; fs::exists(pattern.format(n), ec); ++n) files.emplace_back(pattern.format(n));
        return files;
    }
    if (!fs::exists(where, ec)) throw io_error(where.string() + ": cannot open: no such file");
    files.push_back(where); // a single image is a one-frame sequence
    return files;
}

/// The image format a file's first bytes name ("PNG", "JPEG", "GIF", "BMP"), or "" (TGA has
/// no signature).
[[nodiscard]] inline std::string_view image_signature(const std::filesystem::path& file) {
    unsigned char head[8]{};
    if (std::FILE* f = std::fopen(file.c_str(), "rb")) {
        (void)std::fread(head, 1, sizeof head, f);
        std::fclose(f);
    }
    const auto starts = [&](std::string_view signature) {
        return std::equal(signature.begin(), signature.end(), head, [](char a, unsigned char b) {
            return static_cast<unsigned char>(a) == b;
        });
    };
    if (starts("\x89PNG\r\n\x1a\n")) return "PNG";
    if (starts("\xff\xd8\xff")) return "JPEG";
    if (starts("GIF87a") || starts("GIF89a")) return "GIF";
    if (starts("BM")) return "BMP";
    return {};
}

[[noreturn]] inline void fail_image(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::exists(file, ec))
        throw io_error(file.string() + ": cannot open: no such file");
    if (std::filesystem::is_directory(file, ec))
        throw io_error(file.string() + ": cannot read: is a directory");
    if (std::FILE* f = std::fopen(file.c_str(), "rb"))
        std::fclose(f);
    else
        throw io_error(file.string() + ": cannot open: " + std::strerror(errno));
    std::string why = stbi_failure_reason() ? stbi_failure_reason() : "unknown reason";
    // stbi_info tries each format in turn and reports the last one's failure, "unknown image
    // type", even for a PNG whose header it read and refused (damaged, or over stb's 2^30
    // bytes of pixels): the file's own signature says what it claims to be.
    if (why == "unknown image type")
        if (const auto claimed = image_signature(file); !claimed.empty())
            why = "a " + std::string(claimed) +
                  " file that cannot be decoded: damaged, or too large for the decoder";
    throw format_error(file.string() + ": not a readable image (" + why + ")");
}

using file_ptr = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

/// The image file opened for reading; io_error unless it is a regular file (a FIFO or a
/// device cannot be probed and then decoded from the same bytes).
inline file_ptr open_regular(const std::filesystem::path& file) {
    file_ptr f(std::fopen(file.c_str(), "rb"), std::fclose);
    if (!f) fail_image(file);
    struct ::stat st {};
    if (::fstat(::fileno(f.get()), &st) != 0 || !S_ISREG(st.st_mode))
        throw io_error(file.string() + ": cannot read: " +
                       (S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file"));
    return f;
}

/// Width and height from the header of an open file, checked before stb allocates the
/// pixels; the file position is left where it was.
inline std::pair<std::size_t, std::size_t> probe_image(const std::filesystem::path& file,
                                                       std::FILE* f) {
    int w = 0, h = 0, channels = 0;
    if (!stbi_info_from_file(f, &w, &h, &channels)) fail_image(file);
    if (w <= 0 || h <= 0 || static_cast<std::size_t>(w) > image_max_dimension ||
        static_cast<std::size_t>(h) > image_max_dimension)
        throw format_error(file.string() + ": image size " + std::to_string(w) + "x" +
                           std::to_string(h) + " out of range (1.." +
                           std::to_string(image_max_dimension) + ")");
    // stb allocates the whole picture before it decodes a byte of it: a header claiming
    // more pixels than the file could hold is refused first. No format these files come in
    // compresses better than deflate's 1032:1 (a flat PNG), so 2048 bytes of pixels per
    // byte of file, plus 1 MiB, is more than any real image needs.
    struct ::stat st {};
    const auto pixel_bytes = std::uint64_t(w) * std::uint64_t(h) * 4;
    if (::fstat(::fileno(f), &st) == 0 &&
        pixel_bytes > 2048 * std::uint64_t(st.st_size) + (std::uint64_t(1) << 20))
        throw format_error(file.string() + ": header claims " + std::to_string(w) + "x" +
                           std::to_string(h) + " pixels, more than its " +
                           std::to_string(st.st_size) + " bytes can hold (corrupt image)");
    return {static_cast<std::size_t>(w), static_cast<std::size_t>(h)};
}

/// The same from a file name.
inline std::pair<std::size_t, std::size_t> probe_image(const std::filesystem::path& file) {
    const auto f = open_regular(file);
    return probe_image(file, f.get());
}

} // namespace detail

/// Decodes one image file into `frame` as 8-bit sRGB (stb converts gray and alpha images).
/// With `expected`, an image of another size is a format_error. The size in the header is
/// checked before stb allocates, and the decoded size again before it is copied, from one open
/// file, so the file cannot change in between.
inline void read_image(const std::filesystem::path& file, rgb8_image& frame,
                       std::optional<image_size> expected = {}) {
    const auto f = detail::open_regular(file);
    const auto [w, h] = detail::probe_image(file, f.get());
    if (expected && (w != expected->width || h != expected->height))
        throw format_error(file.string() + ": image is " + std::to_string(w) + "x" +
                           std::to_string(h) + ", the sequence is " +
                           std::to_string(expected->width) + "x" +
                           std::to_string(expected->height));
    int iw = 0, ih = 0, channels = 0;
    std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
        stbi_load_from_file(f.get(), &iw, &ih, &channels, 3), stbi_image_free);
    if (!pixels) detail::fail_image(file);
    if (std::size_t(iw) != w || std::size_t(ih) != h)
        throw format_error(file.string() + ": decoded as " + std::to_string(iw) + "x" +
                           std::to_string(ih) + ", its header said " + std::to_string(w) + "x" +
                           std::to_string(h));
    resize_frame(frame, {w, h});
    std::memcpy(frame.data(), pixels.get(), w * h * 3);
}

/// One image file of any size (see the other overload).
[[nodiscard]] inline rgb8_image read_image(const std::filesystem::path& file) {
    rgb8_image frame;
    read_image(file, frame);
    return frame;
}

/// Options of an image sequence read as video.
struct image_sequence_options {
    rational fps{25, 1}; ///< images carry no frame rate: the caller says
};

/// Reads a pattern, a directory or a single image as a stream of equally sized RGB frames.
class image_sequence_reader {
public:
    explicit image_sequence_reader(const std::filesystem::path& where,
                                   const image_sequence_options& options = {})
        : files_(detail::list_sequence(where)) {
        const auto [w, h] = detail::probe_image(files_.front());
        info_.width = w;
        info_.height = h;
        info_.fps = options.fps;
        info_.frame_count = static_cast<std::int64_t>(files_.size());
        info_.format = "images";
        info_.pixel_format = "rgb24";
    }

    [[nodiscard]] const video_info& info() const noexcept { return info_; }
    [[nodiscard]] const std::vector<std::filesystem::path>& files() const noexcept {
        return files_;
    }

    bool next(rgb8_image& frame) {
        if (index_ >= files_.size()) return false;
        read_image(files_[index_], frame, info_.size());
        ++index_;
        return true;
    }
    /// Passes over the next file without opening it (skipping_source).
    bool skip() {
        if (index_ >= files_.size()) return false;
        ++index_;
        return true;
    }

private:
    std::vector<std::filesystem::path> files_;
    video_info info_;
    std::size_t index_ = 0;
};

static_assert(skipping_source<image_sequence_reader>);

/// Options of the image sequence writer.
struct image_sequence_write_options {
    int jpeg_quality = 95;         ///< 1..100
    std::int64_t start_number = 1; ///< number of the first frame, as FFmpeg's image2 muxer
};

/// Writes frames as numbered images. The target is a pattern (frames/%05d.png), an existing
/// directory (frames written as %06d.png inside), or one image file (exactly one frame). All or
/// nothing: the frames are written into a fresh temporary directory beside them (mkdtemp) and
/// moved to their names by `close()`; a writer destroyed without `close()` removes the frames it
/// staged and that directory, so a failed run leaves no partial sequence behind and no existing
/// file is touched. (`close()` replaces files that already have the frames' names: the output
/// the user asked for.)
class image_sequence_writer {
public:
    explicit image_sequence_writer(const std::filesystem::path& target, const video_info& info = {},
                                   const image_sequence_write_options& options = {})
        : options_(options), expected_{info.width, info.height}, target_(target.string()) {
        namespace fs = std::filesystem;
        std::error_code ec;
        std::string pattern;
        if (fs::is_directory(target, ec)) {
            pattern = (target / "%06d.png").string();
        } else if (is_frame_pattern(target)) {
            pattern = target.string();
        } else {
            single_ = target;
        }
        if (!pattern.empty()) pattern_.emplace(pattern);
        const fs::path sample =
            pattern_ ? fs::path(pattern_->format(options.start_number)) : single_;
        ext_ = lower_extension(sample);
        if (!is_writable_image_extension(ext_))
            throw config_error(target.string() + ": cannot write images of type '." + ext_ +
                               "' (png, jpg, jpeg, bmp, tga)");
        const auto dir = directory_of(sample);
        if (!fs::is_directory(dir, ec))
            throw io_error(target.string() + ": cannot write: directory " + dir.string() +
                           " does not exist");
        if (options.jpeg_quality < 1 || options.jpeg_quality > 100)
            throw config_error(target.string() + ": JPEG quality " +
                               std::to_string(options.jpeg_quality) + " not in 1..100");
        staging_ = std::make_unique<temp_directory>(dir, sample.stem().string());
    }
    image_sequence_writer(const image_sequence_writer&) = delete;
    image_sequence_writer& operator=(const image_sequence_writer&) = delete;
    image_sequence_writer(image_sequence_writer&&) noexcept = default;
    image_sequence_writer& operator=(image_sequence_writer&&) = delete;
    ~image_sequence_writer() = default; // unclosed: staging_ removes the frames it holds

    [[nodiscard]] const std::vector<std::filesystem::path>& files() const noexcept {
        return written_;
    }

    void write(const rgb8_image& frame) {
        if (closed_) throw config_error(describe() + ": write after close()");
        const auto size = size_of(frame);
        if (expected_.width == 0 || expected_.height == 0) expected_ = size;
        if (size != expected_ || frame.shape()[2] != 3)
            throw format_error(describe() + ": frame " + std::to_string(written_.size()) + " is " +
                               std::to_string(size.width) + "x" + std::to_string(size.height) +
                               ", the sequence is " + std::to_string(expected_.width) + "x" +
                               std::to_string(expected_.height));
        std::filesystem::path file;
        if (pattern_) {
            file = pattern_->format(options_.start_number +
                                    static_cast<std::int64_t>(written_.size()));
        } else {
            if (!written_.empty())
                throw config_error(single_.string() +
                                   ": one image holds one frame; give a pattern such as "
                                   "frames/%05d.png to write several");
            file = single_;
        }
        if (!staging_) throw config_error(describe() + ": write after close()");
        const auto staged = staging_->file(std::to_string(written_.size()) + "." + ext_);
        const int w = static_cast<int>(size.width), h = static_cast<int>(size.height);
        const char* tmp = staged.c_str();
        int ok = 0;
        if (ext_ == "png")
            ok = stbi_write_png(tmp, w, h, 3, frame.data(), w * 3);
        else if (ext_ == "jpg" || ext_ == "jpeg")
            ok = stbi_write_jpg(tmp, w, h, 3, frame.data(), options_.jpeg_quality);
        else if (ext_ == "bmp")
            ok = stbi_write_bmp(tmp, w, h, 3, frame.data());
        else
            ok = stbi_write_tga(tmp, w, h, 3, frame.data());
        if (!ok) throw io_error(file.string() + ": cannot write image (disk full?)");
        staged_.push_back(staged);
        written_.push_back(std::move(file));
    }

    /// Moves every frame written to its name: the sequence appears only now that it is whole.
    void close() {
        if (closed_) return;
        for (std::size_t i = 0; i < written_.size(); ++i) {
            std::error_code ec;
            std::filesystem::rename(staged_[i], written_[i], ec);
            if (ec)
                throw io_error(written_[i].string() +
                               ": cannot move the finished frame into "
                               "place: " +
                               ec.message());
        }
        closed_ = true;
        staging_.reset(); // now empty: removed
    }

private:
    [[nodiscard]] const std::string& describe() const noexcept { return target_; }

    image_sequence_write_options options_;
    image_size expected_;
    std::string target_;
    std::optional<frame_pattern> pattern_;
    std::filesystem::path single_;
    std::string ext_;
    std::vector<std::filesystem::path> written_; ///< final names, in frame order
    std::vector<std::filesystem::path> staged_;  ///< where each frame waits until close()
    std::unique_ptr<temp_directory> staging_;    ///< movable, unlike temp_directory itself
    bool closed_ = false;
};

static_assert(frame_sink<image_sequence_writer>);

} // namespace keychroma::io
