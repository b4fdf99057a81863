#pragma once
// The speed presets of the H.264 and H.265 encoders (libx264, libx265): a slower preset spends
// more time on each frame for a smaller file at the same CRF (about the same picture quality).
// Kept apart from the FFmpeg writer so that a build without FFmpeg still knows the names.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"

namespace keychroma::io {

/// The presets both encoders know, fastest first; "medium" is their default.
inline constexpr std::array<std::string_view, 10> encoder_presets{
    "ultrafast", "superfast", "veryfast", "faster",   "fast",
    "medium",    "slow",      "slower",   "veryslow", "placebo"};

[[nodiscard]] constexpr bool is_encoder_preset(std::string_view name) noexcept {
    return std::find(encoder_presets.begin(), encoder_presets.end(), name) != encoder_presets.end();
}

/// "ultrafast, superfast, ..., placebo": for a message that says what is accepted.
[[nodiscard]] inline std::string encoder_preset_list() {
    std::string list;
    for (const auto name : encoder_presets) list += (list.empty() ? "" : ", ") + std::string(name);
    return list;
}

/// config_error (its message led by `prefix`, e.g. the output's path and ": ") unless `name` is
/// empty, the encoder's default, or one of the presets.
inline void check_encoder_preset(std::string_view name, const std::string& prefix = "") {
    if (!name.empty() && !is_encoder_preset(name))
        throw config_error(prefix + "unknown speed preset '" + std::string(name) + "' (" +
                           encoder_preset_list() + ")");
}

} // namespace keychroma::io
