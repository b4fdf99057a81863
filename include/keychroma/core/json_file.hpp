#pragma once
// Reading a JSON file that may come from anyone: its size and nesting bounded, every failure one
// format_error naming it. And the question keychroma asks before it writes over a directory's
// files: is this index, report or manifest one of its own, or a file of the user's that only
// shares the name?

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include "keychroma/core/error.hpp"

namespace keychroma {

/// Parses the JSON file `path`: io_error when it cannot be read, format_error (naming it) when it
/// is larger than `max_bytes`, nested deeper than `max_depth` or not JSON.
[[nodiscard]] inline nlohmann::ordered_json
read_json_file(const std::filesystem::path& path,
               std::uintmax_t max_bytes = std::uintmax_t{1} << 20, int max_depth = 16) {
    using json = nlohmann::ordered_json;
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(path, ec);
    if (ec) throw io_error(path.string() + ": cannot read: " + ec.message());
    if (bytes > max_bytes)
        throw format_error(path.string() + ": " + std::to_string(bytes) + " bytes, more than the " +
                           std::to_string(max_bytes) + " a JSON file of keychroma's may have");
    std::ifstream f(path, std::ios::binary);
    if (!f) throw io_error(path.string() + ": cannot open");
    const std::string text((std::istreambuf_iterator<char>(f)), {});
    try {
        // The callback sees every value as it is parsed: bounding the depth there keeps a
        // hostile file from building a deep tree (whose destruction would recurse).
        return json::parse(text, [&](int depth, json::parse_event_t, json&) {
            if (depth >= max_depth) // depth counts from 0
                throw format_error(path.string() + ": JSON nested deeper than " +
                                   std::to_string(max_depth) + " levels");
            return true;
        });
    } catch (const json::exception& e) {
        throw format_error(path.string() + ": not valid JSON: " + e.what());
    }
}

/// The JSON object in `path` when it is a regular file (not a link) holding an object whose
/// "format" is `format`, read as read_json_file reads (at most `max_bytes`): how keychroma tells
/// a file it wrote from one of the user's with the same name. Nothing for anything else, never an
/// error.
[[nodiscard]] inline std::optional<nlohmann::ordered_json>
read_json_file_of_format(const std::filesystem::path& path, std::string_view format,
                         std::uintmax_t max_bytes = std::uintmax_t{1} << 20) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::symlink_status(path, ec)))
        return std::nullopt;
    try {
        auto j = read_json_file(path, max_bytes);
        const auto found = j.is_object() ? j.find("format") : j.end();
        if (found != j.end() && found->is_string() &&
            found->get_ref<const std::string&>() == format)
            return j;
    } catch (const error&) { // unreadable, too large, too deep, not JSON: not recognisably ours
    }
    return std::nullopt;
}

/// Whether `path` is a JSON file of keychroma's of this `format` (read_json_file_of_format).
[[nodiscard]] inline bool
is_json_file_of_format(const std::filesystem::path& path, std::string_view format,
                       std::uintmax_t max_bytes = std::uintmax_t{1} << 20) {
    return read_json_file_of_format(path, format, max_bytes).has_value();
}

} // namespace keychroma
