#pragma once
// Options of a video output that every subcommand writing one offers alike.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "keychroma/io/encoder_preset.hpp"

namespace keychroma::cli {

/// --crf and --preset: how a lossy video encoder trades size against quality and time. Every
/// subcommand that writes an encoded video holds one and copies it into its writer's options
/// with apply_to(), so that all offer the two alike.
struct encoder_cli {
    int crf = 18;
    std::string preset; ///< empty: the encoder's (medium)

    /// `what` says which output the two apply to, e.g. "Container output".
    void add_options(CLI::App* cmd, const std::string& what) {
        cmd->add_option("--crf", crf,
                        what + ": quality of lossy encoders, 0-51, lower is better (default 18)")
            ->check(CLI::Range(0, 51));
        cmd->add_option("--preset", preset,
                        what + ": speed of the H.264/H.265 encoder, ultrafast ... placebo; a "
                               "faster one writes a larger file at the same --crf (default medium)")
            ->check(CLI::IsMember(
                std::vector<std::string>(io::encoder_presets.begin(), io::encoder_presets.end())));
    }
    /// Into an io::sink_options or an io::gray_video_options, which name the two alike.
    template <class WriterOptions>
    void apply_to(WriterOptions& options) const {
        options.crf = crf;
        options.preset = preset;
    }
};

} // namespace keychroma::cli
