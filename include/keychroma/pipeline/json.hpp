#pragma once
// keychroma's JSON is nlohmann-json's: `json` keeps keys in the order they were written (a
// manifest reads top to bottom as the sender wrote it), non-finite numbers are written as null
// (JSON has neither NaN nor infinity), and `read_json_file` parses a file that may come from
// anyone with its size and nesting bounded, turning every failure into a one-line format_error.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "keychroma/core/error.hpp"
#include "keychroma/pipeline/text_file.hpp"

namespace keychroma::pipeline {

using json = nlohmann::ordered_json;

/// The text keychroma writes: two-space indent, a final newline.
[[nodiscard]] inline std::string json_text(const json& j) {
    return j.dump(2) + "\n";
}

inline void write_json_file(const std::filesystem::path& path, const json& j) {
    write_text_file(path, json_text(j));
}

/// Parses the JSON file `path`: io_error when it cannot be read, format_error (naming it) when it
/// is larger than `max_bytes`, nested deeper than `max_depth` or not JSON.
[[nodiscard]] inline json read_json_file(const std::filesystem::path& path,
                                         std::uintmax_t max_bytes = std::uintmax_t{1} << 20,
                                         int max_depth = 16) {
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

} // namespace keychroma::pipeline
