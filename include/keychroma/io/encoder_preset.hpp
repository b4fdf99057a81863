#pragma once
// The speed presets of the H.264 and H.265 encoders (libx264, libx265): a slower preset spends
// more time on each frame for a smaller file at the same CRF (about the same picture quality).
// Kept apart from the FFmpeg writer so that a build without FFmpeg still knows the names.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

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

} // namespace keychroma::io
