#pragma once
// Options of a video output that every subcommand writing one offers alike.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "keychroma/io/encoder_preset.hpp"

namespace keychroma::cli {

/// --crf: the quality of a container output's lossy encoder (io::sink_options::crf).
inline CLI::Option* add_crf_option(CLI::App* cmd, int& crf) {
    return cmd
        ->add_option("--crf", crf,
                     "Container output: quality of lossy encoders, 0-51, lower is better "
                     "(default 18)")
        ->check(CLI::Range(0, 51));
}

/// --preset: the speed of an H.264/H.265 output's encoder (io::sink_options::preset).
inline CLI::Option* add_preset_option(CLI::App* cmd, std::string& preset) {
    return cmd
        ->add_option("--preset", preset,
                     "H.264/H.265 output (.mp4, .mov): encoder speed, ultrafast ... placebo; a "
                     "faster one writes a larger file at the same --crf (default medium)")
        ->check(CLI::IsMember(
            std::vector<std::string>(io::encoder_presets.begin(), io::encoder_presets.end())));
}

} // namespace keychroma::cli
