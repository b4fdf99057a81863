#pragma once
// keychroma's JSON is nlohmann-json's: `json` keeps keys in the order they were written (a
// manifest reads top to bottom as the sender wrote it), non-finite numbers are written as null
// (JSON has neither NaN nor infinity), and `read_json_file` parses a file that may come from
// anyone with its size and nesting bounded, turning every failure into a one-line format_error.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "keychroma/core/error.hpp"
#include "keychroma/core/json_file.hpp"
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

/// The bounded reader of a file that may come from anyone (core/json_file.hpp).
using keychroma::read_json_file;

} // namespace keychroma::pipeline
