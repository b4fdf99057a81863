#pragma once
// Options of a video output that every subcommand writing one offers alike.

#include <CLI/CLI.hpp>

namespace keychroma::cli {

/// --crf: the quality of a container output's lossy encoder (io::sink_options::crf).
inline CLI::Option* add_crf_option(CLI::App* cmd, int& crf) {
    return cmd
        ->add_option("--crf", crf,
                     "Container output: quality of lossy encoders, 0-51, lower is better "
                     "(default 18)")
        ->check(CLI::Range(0, 51));
}

} // namespace keychroma::cli
