#pragma once
// The send package (design.md §4): a directory holding
//   gray.y4m       the video's L* plane in keychroma's gray transmission format, raw (the
//   or gray.mkv    paper's), or in Matroska through FFV1 or H.264 (io/gray_video.hpp)
//   model.kcm      the trained network (nn/serialize.hpp), float32 or float16 weights
//   audio.mka      optional: the video's sound, unchanged, counted from its first frame
//                  (io/ffmpeg_audio.hpp), so the receiver's video keeps it
//   manifest.json  frame size, rate, count, duration, the Table III bandwidth report, the times
//                  taken, and every file's size and SHA-256
//   SHA256SUMS     the same checksums (manifest.json's included) in coreutils' format, so
//                  `sha256sum -c SHA256SUMS` verifies a package without keychroma
// Verification reads SHA256SUMS; the receiver reads the few manifest keys it needs
// (read_receiver_settings). The package is built in a fresh temporary sibling directory and renamed
// into place on commit, so a failed send never leaves a half-written package; an existing directory
// is replaced only when it is recognisably a previous package.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <unistd.h>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/sha256.hpp"
#include "keychroma/io/gray_video.hpp"
#include "keychroma/io/video_info.hpp"
#include "keychroma/pipeline/json.hpp"
#include "keychroma/pipeline/text_file.hpp"
#include "keychroma/pipeline/transmission.hpp"
#include "keychroma/version.hpp"

namespace keychroma::pipeline {

/// The gray video's name in a package, for each coding: "gray" + io::gray_extension.
inline constexpr std::string_view package_gray_names[] = {"gray.y4m", "gray.mkv"};
[[nodiscard]] constexpr std::string_view package_gray_name(io::gray_codec c) noexcept {
    return package_gray_names[c == io::gray_codec::raw ? 0 : 1];
}
inline constexpr std::string_view package_model_name = "model.kcm";
inline constexpr std::string_view package_audio_name = "audio.mka";
inline constexpr std::string_view package_manifest_name = "manifest.json";
inline constexpr std::string_view package_checksums_name = "SHA256SUMS";
inline constexpr int package_format_version = 1;

/// Every file a package may hold, by name.
inline constexpr std::string_view package_file_names[] = {
    package_gray_names[0], package_gray_names[1], package_model_name,
    package_audio_name,    package_manifest_name, package_checksums_name};

/// One file of a package.
struct package_file {
    std::string name;
    std::uint64_t bytes = 0;
    std::string sha256; ///< lowercase hex
};

/// What manifest.json says. The sender fills the description; commit() fills files and
/// bandwidth.
struct package_manifest {
    std::uint64_t width = 0, height = 0, frames = 0;
    io::rational fps{25, 1};
    int rotation = 0;                 ///< display rotation (io::video_info::rotation)
    io::gray_video_options gray;      ///< how the gray video is coded
    std::string architecture;         ///< the model's stack signature
    std::string weights = "float32";  ///< or "float16"
    std::uint64_t working_width = 0;  ///< the network's working size
    std::uint64_t working_height = 0; ///<
    std::string fit = "scale";        ///< frame_fit name (working_size.hpp)
    std::string recipe;               ///< how the model was trained (pipeline/recipe.hpp)
    std::string keyframe_method;      ///< extractor description
    std::vector<std::size_t> keyframes;
    /// Seconds per step, in order ("keyframes", "train", "encode", ...).
    std::vector<std::pair<std::string, double>> times;
    bandwidth_report bandwidth;
    std::vector<package_file> files;
};

/// manifest.json's content.
[[nodiscard]] inline json manifest_json(const package_manifest& m) {
    const auto& b = m.bandwidth;
    json video = {{"width", m.width},
                  {"height", m.height},
                  {"frames", m.frames},
                  {"fps", {m.fps.num, m.fps.den}},
                  {"duration_s", b.duration_s},
                  {"rotation", m.rotation},
                  {"gray_codec", io::gray_codec_name(m.gray.codec)}};
    if (m.gray.codec == io::gray_codec::h264) {
        video["gray_crf"] = m.gray.crf;
        video["gray_preset"] = m.gray.preset.empty() ? "medium" : m.gray.preset;
    }
    json times = json::object();
    for (const auto& [name, s] : m.times) times[name] = s;
    json files = json::array();
    for (const auto& f : m.files)
        files.push_back({{"name", f.name}, {"bytes", f.bytes}, {"sha256", f.sha256}});
    return {
        {"format", "keychroma-package"},
        {"format_version", package_format_version},
        {"tool", std::string("keychroma ") + keychroma::version},
        {"video", std::move(video)},
        {"model",
         {{"architecture", m.architecture},
          {"weights", m.weights},
          {"working_size", {m.working_width, m.working_height}},
          {"fit", m.fit},
          {"recipe", m.recipe}}},
        {"keyframes",
         {{"method", m.keyframe_method}, {"count", m.keyframes.size()}, {"frames", m.keyframes}}},
        {"bandwidth", b},
        {"times_s", std::move(times)},
        {"files", std::move(files)}};
}

namespace detail {

[[nodiscard]] inline package_file describe_file(const std::filesystem::path& dir,
                                                std::string_view name) {
    const auto p = dir / name;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(p, ec);
    if (ec) throw io_error(p.string() + ": missing from the package");
    return {std::string(name), bytes, sha256_file(p)};
}

/// True for the name of a file a package may hold.
[[nodiscard]] inline bool is_package_file_name(std::string_view name) {
    return std::find(std::begin(package_file_names), std::end(package_file_names), name) !=
           std::end(package_file_names);
}

/// True for an empty directory, or one that is recognisably a previous keychroma package --
/// nothing in it but the package's own regular files, and a manifest.json whose "format" is
/// "keychroma-package" -- which may be replaced. Anything else is a user's directory: never
/// replaced, never emptied.
[[nodiscard]] inline bool replaceable_package_dir(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    bool has_manifest = false, empty = true;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        empty = false;
        const auto name = it->path().filename().string();
        if (!is_package_file_name(name) || !it->is_regular_file(ec) || it->is_symlink(ec))
            return false;
        has_manifest = has_manifest || name == package_manifest_name;
    }
    if (ec) return false;
    if (empty) return true;
    return has_manifest && is_json_file_of_format(dir / package_manifest_name, "keychroma-package");
}

/// Disposes of a replaced package that the swap moved into `old` (the new package's temporary
/// directory): its own files, then the directory. A package that holds anything else (a file
/// the user put in it while it was being replaced) is kept whole, and a directory that a file
/// reached between that check and the removal is kept with what is left in it: either way
/// renamed `.NAME.kept-XXXXXX` by keep(), never left under its temporary name for a later run to
/// take for a killed run's leftover. Returns where a kept directory is now.
[[nodiscard]] inline std::optional<std::filesystem::path>
retire_replaced_package(temp_directory& old) {
    std::error_code ec;
    if (replaceable_package_dir(old.path())) {
        for (const auto name : package_file_names) std::filesystem::remove(old.path() / name, ec);
        std::filesystem::remove(old.path(), ec); // only removes an empty directory
    }
    if (std::filesystem::exists(std::filesystem::symlink_status(old.path(), ec))) return old.keep();
    old.release();
    return std::nullopt;
}

} // namespace detail

/// Builds a package in a fresh temporary sibling directory (mkdtemp); commit() renames it to its
/// final name. Destroyed without commit(), it removes that directory and what it wrote in it.
/// An existing directory of the final name is replaced only if it is empty or a previous package
/// (detail::replaceable_package_dir), checked again just before the replacement.
class package_writer {
public:
    explicit package_writer(const std::filesystem::path& dir)
        : final_(without_trailing_separators(dir)) {
        const auto parent = directory_of(final_);
        std::error_code ec;
        if (!std::filesystem::is_directory(parent, ec))
            throw io_error(final_.string() + ": cannot write the package: directory " +
                           parent.string() + " does not exist");
        check_replaceable();
        temp_.emplace(parent, final_.filename().string());
        for (const auto name : package_file_names) (void)temp_->file(std::string(name));
    }
    package_writer(const package_writer&) = delete;
    package_writer& operator=(const package_writer&) = delete;
    ~package_writer() = default; // an uncommitted temp_ removes itself

    /// Where the sender writes the gray video, coded as `codec`, and the model before
    /// commit().
    [[nodiscard]] std::filesystem::path
    gray_path(io::gray_codec codec = io::gray_codec::raw) const {
        return temp_->path() / package_gray_name(codec);
    }
    [[nodiscard]] std::filesystem::path model_path() const {
        return temp_->path() / package_model_name;
    }
    /// Where the sender may write the video's audio (optional) before commit().
    [[nodiscard]] std::filesystem::path audio_path() const {
        return temp_->path() / package_audio_name;
    }
    [[nodiscard]] const std::filesystem::path& final_path() const noexcept { return final_; }

    /// Checksums the gray video (coded as the manifest says), model.kcm and audio.mka (when
    /// written), computes the bandwidth report, writes manifest.json and SHA256SUMS, and moves
    /// the package into place. Returns the manifest as written.
    package_manifest commit(package_manifest m) {
        const auto& temp = temp_->path();
        m.files.clear();
        m.files.push_back(detail::describe_file(temp, package_gray_name(m.gray.codec)));
        m.files.push_back(detail::describe_file(temp, package_model_name));
        m.bandwidth = compute_bandwidth(
            {m.width, m.height, m.frames, m.fps.value(), m.files[0].bytes, m.files[1].bytes});
        std::error_code ec;
        if (std::filesystem::exists(audio_path(), ec))
            m.files.push_back(detail::describe_file(temp, package_audio_name));
        write_json_file(temp / package_manifest_name, manifest_json(m)); // named in the ctor
        std::string sums;
        for (const auto& f : m.files) sums += f.sha256 + "  " + f.name + "\n";
        const auto manifest = detail::describe_file(temp, package_manifest_name);
        sums += manifest.sha256 + "  " + manifest.name + "\n";
        write_text_file(temp / package_checksums_name, sums);

        // Replace a previous package only now that the new one is complete, and only if it
        // still is one (the user may have put files in it while this one was being built).
        check_replaceable();
        // A previous package is swapped with the new one in one step, so that the final name
        // never goes missing, even for a process killed in between; `temp` then holds it.
        const bool replacing = std::filesystem::exists(std::filesystem::symlink_status(final_, ec));
        ec = replacing ? exchange_paths(temp, final_) : rename_no_replace(temp, final_);
        if (ec)
            throw io_error(final_.string() +
                           ": cannot move the finished package into place: " + ec.message());
        // Checked once more where nobody else writes: a file that reached the previous package
        // between check_replaceable() and the swap keeps it, hidden beside the new one, rather
        // than have one of its files removed.
        if (replacing)
            kept_previous_ = detail::retire_replaced_package(*temp_);
        else
            temp_->release();
        return m;
    }

    /// Where commit() kept the package it replaced, because a file reached it meanwhile
    /// (`.NAME.kept-XXXXXX` beside the new one); empty when it was removed or there was none.
    [[nodiscard]] const std::optional<std::filesystem::path>& kept_previous() const noexcept {
        return kept_previous_;
    }

private:
    void check_replaceable() const {
        std::error_code ec;
        if (!std::filesystem::exists(std::filesystem::symlink_status(final_, ec))) return;
        if (std::filesystem::is_symlink(std::filesystem::symlink_status(final_, ec)) ||
            !std::filesystem::is_directory(final_, ec))
            throw io_error(final_.string() + ": exists and is not a directory");
        if (!detail::replaceable_package_dir(final_))
            throw io_error(final_.string() +
                           ": exists and is not a keychroma package (it holds other files); "
                           "not touching it");
    }

    std::filesystem::path final_;
    std::optional<temp_directory> temp_;
    std::optional<std::filesystem::path> kept_previous_;
};

/// The fields a receiver needs from manifest.json: the working size and fit the model was
/// trained with, and the display rotation.
struct receiver_settings {
    std::uint64_t working_width = 0, working_height = 0;
    std::string fit;
    int rotation = 0; ///< the video's display rotation (0 in packages from before it was kept)
    /// The video's frame count as the sender counted it (a coded gray video may not say).
    std::optional<std::uint64_t> frames;
};

/// Reads a manifest's receiver settings; format_error naming the file and the key for anything
/// missing or out of range.
[[nodiscard]] inline receiver_settings
read_receiver_settings(const std::filesystem::path& manifest) {
    const auto j = read_json_file(manifest);
    const auto bad = [&](const std::string& what) {
        return format_error(manifest.string() + ": manifest's " + what);
    };
    const auto model = j.is_object() ? j.find("model") : j.end();
    if (model == j.end() || !model->is_object()) throw bad("\"model\" is not an object");
    receiver_settings r;
    const auto size = model->find("working_size");
    const auto side = [](const json& v) {
        return v.is_number_unsigned() && v.get<std::uint64_t>() >= 1 &&
               v.get<std::uint64_t>() <= 65536;
    };
    if (size == model->end() || !size->is_array() || size->size() != 2 || !side((*size)[0]) ||
        !side((*size)[1]))
        throw bad("working_size is not [W, H]");
    r.working_width = (*size)[0].get<std::uint64_t>();
    r.working_height = (*size)[1].get<std::uint64_t>();
    const auto fit = model->find("fit");
    if (fit == model->end() || !fit->is_string()) throw bad("fit is not a string");
    r.fit = fit->get<std::string>();
    const auto video = j.find("video");
    if (video != j.end() && video->is_object()) {
        const auto rotation = video->find("rotation");
        if (rotation != video->end()) { // absent: 0
            const bool quarter =
                rotation->is_number_integer() && rotation->get<std::int64_t>() >= 0 &&
                rotation->get<std::int64_t>() < 360 && rotation->get<std::int64_t>() % 90 == 0;
            if (!quarter) throw bad("rotation is not 0, 90, 180 or 270");
            r.rotation = static_cast<int>(rotation->get<std::int64_t>());
        }
        const auto frames = video->find("frames");
        if (frames != video->end()) { // only a progress total: bounded, never allocated from
            if (!frames->is_number_unsigned() ||
                frames->get<std::uint64_t>() > std::uint64_t(io::largest_frame_number))
                throw bad("frames is not a frame count");
            r.frames = frames->get<std::uint64_t>();
        }
    }
    return r;
}

/// A package whose files were all found and matched their checksums.
struct verified_package {
    std::filesystem::path dir, gray, model, manifest;
    std::optional<std::filesystem::path> audio; ///< when the package carries the video's sound
    std::vector<package_file> files;
};

/// Checks that `dir` is a complete, unaltered package: SHA256SUMS present and well formed, one
/// gray video, the model and the manifest listed, each present with its recorded SHA-256.
/// io_error for a missing file, format_error for an altered one; each names the file.
[[nodiscard]] inline verified_package verify_package(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec))
        throw io_error(dir.string() + ": not a package directory (missing or not a directory)");
    const auto sums_path = dir / package_checksums_name;
    std::ifstream sums(sums_path);
    if (!sums)
        throw io_error(sums_path.string() +
                       ": missing from the package (not a keychroma package?)");
    verified_package v;
    v.dir = dir;
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(sums, line)) {
        ++line_no;
        if (line.empty()) continue;
        // "<64 hex>  <name>" (two spaces, or " *" for binary mode, as sha256sum writes).
        const bool ok_shape = line.size() > 66 && (line[64] == ' ') &&
                              (line[65] == ' ' || line[65] == '*') &&
                              line.find_first_not_of("0123456789abcdef") >= 64;
        const std::string name = ok_shape ? line.substr(66) : std::string();
        if (!ok_shape || name.find('/') != std::string::npos || name == "." || name == "..")
            throw format_error(sums_path.string() + ": line " + std::to_string(line_no) +
                               " is not '<sha256>  <file name>'");
        const auto p = dir / name;
        if (!std::filesystem::is_regular_file(p, ec))
            throw io_error(p.string() + ": missing from the package");
        const auto actual = sha256_file(p);
        if (actual != line.substr(0, 64))
            throw format_error(p.string() + ": altered or corrupt (SHA-256 " + actual +
                               " does not match the package's " + line.substr(0, 64) + ")");
        v.files.push_back({name, std::filesystem::file_size(p, ec), actual});
    }
    const auto listed = [&](std::string_view name) {
        return std::any_of(v.files.begin(), v.files.end(),
                           [&](const package_file& f) { return f.name == name; });
    };
    const auto require = [&](std::string_view name) {
        if (listed(name)) return;
        const auto p = dir / name;
        if (!std::filesystem::exists(p, ec))
            throw io_error(p.string() + ": missing from the package");
        throw format_error(sums_path.string() + ": does not list " + std::string(name) +
                           " (incomplete or altered package)");
    };
    const auto grays =
        std::count_if(std::begin(package_gray_names), std::end(package_gray_names), listed);
    if (grays > 1)
        throw format_error(sums_path.string() + ": lists two gray videos (altered package)");
    const auto gray = listed(package_gray_names[1]) ? package_gray_names[1] : package_gray_names[0];
    for (const auto name : {gray, package_model_name, package_manifest_name}) require(name);
    v.gray = dir / gray;
    v.model = dir / package_model_name;
    v.manifest = dir / package_manifest_name;
    for (const auto& f : v.files)
        if (f.name == package_audio_name) v.audio = dir / package_audio_name;
    return v;
}

} // namespace keychroma::pipeline
