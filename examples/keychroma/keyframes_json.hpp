#pragma once
// The keyframes list `train --keyframes-from` and `send --keyframes-from` read: the
// keyframes.json that `keychroma keyframes` writes, or a bare JSON array of frame numbers. The
// file comes from elsewhere, so every value is checked (tests/fuzz/fuzz_keyframes_json.cpp).

#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keychroma/core/error.hpp"

namespace keychroma::cli {

/// The frame numbers of a keyframes.json written by `keychroma keyframes` (its "keyframes"
/// array), or of a bare JSON array; io_error when unreadable, format_error otherwise.
[[nodiscard]] inline std::vector<std::size_t> read_keyframes_json(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw io_error(path + ": cannot open");
    // A list of a million keyframes is under 8 MB of JSON: a larger file is not a keyframes
    // list, and is refused before the parser holds it in memory.
    constexpr std::streamoff largest = std::streamoff(64) << 20;
    if (f.seekg(0, std::ios::end); f.tellg() > largest)
        throw format_error(path + ": larger than 64 MiB, not a keyframes list");
    f.seekg(0);
    try {
        const auto j = nlohmann::json::parse(f);
        const auto& k = j.is_array() ? j : j.at("keyframes");
        if (!k.is_array()) throw format_error(path + ": \"keyframes\" is not an array");
        std::vector<std::size_t> frames;
        for (const auto& v : k) {
            // integers only: a double such as 1e20 or 2.5 is not a frame number (converting it
            // to size_t would be undefined, or silently another frame)
            if (!v.is_number_unsigned()) {
                auto shown = v.dump(); // one line: dump() escapes control characters
                if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
                throw format_error(path + ": " + shown +
                                   " is not a frame number (a non-negative integer)");
            }
            frames.push_back(v.get<std::size_t>());
        }
        return frames;
    } catch (const nlohmann::json::exception&) {
        throw format_error(path + ": expected keyframes.json (an object with a \"keyframes\" "
                                  "array of frame numbers, or such an array)");
    }
}

} // namespace keychroma::cli
