#pragma once
// An output may not be one of the run's inputs, nor another of its outputs. Outputs are written
// under a temporary name and renamed over the final one (core/atomic_file.hpp), so such a run
// would even succeed: and replace the video being converted, the model being applied or the
// truth being measured against with the result, a slip of the keyboard that costs the user
// their original. ffmpeg refuses the same. And an output written at the end of the work must be
// writable before the work begins.

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/io/image_sequence.hpp"

namespace keychroma::cli {

/// A file the command line names, with what named it ("-o", "the input", "--checkpoint").
struct named_file {
    std::string_view named_by;
    std::string path; ///< empty: not given
};

/// Whether `a` and `b` are one file: the same inode when both exist (through symbolic and hard
/// links), else the same absolute path once the links in it are resolved (a file not written yet,
/// an image-sequence pattern).
[[nodiscard]] inline bool same_file(const std::filesystem::path& a,
                                    const std::filesystem::path& b) {
    std::error_code ec;
    if (std::filesystem::equivalent(a, b, ec)) return true;
    const auto resolved_a = std::filesystem::weakly_canonical(a, ec);
    if (ec) return false;
    const auto resolved_b = std::filesystem::weakly_canonical(b, ec);
    return !ec && resolved_a == resolved_b;
}

/// Whether `path` is the folder `folder` or lies inside it, once the links in both are resolved
/// (either may not exist yet).
[[nodiscard]] inline bool same_or_inside(const std::filesystem::path& path,
                                         const std::filesystem::path& folder) {
    std::error_code path_error, folder_error;
    auto p = std::filesystem::weakly_canonical(path, path_error);
    auto f = std::filesystem::weakly_canonical(folder, folder_error);
    if (path_error || folder_error) return false;
    // weakly_canonical keeps a trailing separator as an empty last element
    if (!p.has_filename()) p = p.parent_path();
    if (!f.has_filename()) f = f.parent_path();
    return std::mismatch(f.begin(), f.end(), p.begin(), p.end()).first == f.end();
}

namespace detail {

/// The files an input reads: an image sequence's frames (a directory, a %d pattern) as the
/// reader lists them, else the path itself (also when listing fails: the run reports that).
[[nodiscard]] inline std::vector<std::filesystem::path> files_read(const std::string& input) {
    std::error_code ec;
    if (!std::filesystem::is_directory(input, ec) && !io::is_frame_pattern(input)) return {input};
    try {
        return io::detail::list_sequence(input);
    } catch (const error&) {
        return {input};
    }
}

/// Whether writing `output` would replace `file`: the same file, or, for an image-sequence
/// output, one of its frame names in the file's directory.
[[nodiscard]] inline bool would_replace(const std::filesystem::path& output,
                                        const std::filesystem::path& file) {
    if (same_file(output, file)) return true;
    const auto name = output.filename().string();
    if (!io::is_frame_pattern(name)) return false;
    try {
        return io::frame_pattern(name).formats(file.filename().string()) &&
               same_file(std::filesystem::absolute(output).parent_path(),
                         std::filesystem::absolute(file).parent_path());
    } catch (const config_error&) { // not a pattern the sink takes: it says so itself
        return false;
    }
}

} // namespace detail

/// Refuses (exit code 6, before any work) outputs that would replace one of the files the
/// inputs read, or each other.
inline void require_distinct_files(const std::vector<named_file>& outputs,
                                   const std::vector<named_file>& inputs) {
    for (const auto& input : inputs) {
        if (input.path.empty()) continue;
        for (const auto& file : detail::files_read(input.path))
            for (const auto& output : outputs)
                if (!output.path.empty() && detail::would_replace(output.path, file))
                    throw config_error(std::string(output.named_by) + " " + output.path +
                                       " would replace " + std::string(input.named_by) +
                                       (file == input.path ? "" : " (" + file.string() + ")") +
                                       ": choose another name");
    }
    for (auto output = outputs.begin(); output != outputs.end(); ++output)
        for (auto other = std::next(output); other != outputs.end(); ++other)
            if (!output->path.empty() && !other->path.empty() &&
                same_file(output->path, other->path))
                throw config_error(std::string(output->named_by) + " and " +
                                   std::string(other->named_by) + " name the same file " +
                                   output->path + ": one output would replace the other");
}

/// Fails now (io_error, exit code 3) where an output that a command writes only when its work
/// is done (a trained model, a checkpoint, an evaluation's files) could not be written, instead
/// of after hours of training: what atomic_output checks when it is made (the directory exists
/// and takes a new file, the name is not a directory), by making its temporary and removing it.
inline void require_writable(const std::vector<named_file>& outputs) {
    for (const auto& output : outputs)
        if (!output.path.empty()) atomic_output probe(output.path);
}

} // namespace keychroma::cli
