#pragma once
// Each subcommand lives in its own .cpp and registers itself on the app. The CLI is a thin layer:
// it parses options, calls the library, and prints; errors are keychroma::error subclasses whose
// exit_code() main() returns (docs/cli.md).

#include <CLI/CLI.hpp>

#include "keychroma/pipeline/progress.hpp"

namespace keychroma::cli {

/// Options every subcommand shares.
struct global_options {
    bool json = false;  ///< machine-readable output on stdout
    bool quiet = false; ///< no progress output on stderr
};

/// Progress lines on stderr unless --quiet.
[[nodiscard]] inline pipeline::progress_options progress_for(const global_options& g) {
    pipeline::progress_options p;
    if (g.quiet) p.style = pipeline::progress_style::quiet;
    return p;
}

void add_info(CLI::App& app, global_options& global);
void add_convert(CLI::App& app, global_options& global);
void add_keyframes(CLI::App& app, global_options& global);
void add_train(CLI::App& app, global_options& global);
void add_colorize(CLI::App& app, global_options& global);
void add_send(CLI::App& app, global_options& global);
void add_receive(CLI::App& app, global_options& global);
void add_eval(CLI::App& app, global_options& global);
void add_paper(CLI::App& app, global_options& global);
void add_bench(CLI::App& app, global_options& global);

} // namespace keychroma::cli
