#pragma once
// Each subcommand lives in its own .cpp and registers itself on the app. The CLI is a thin layer:
// it parses options, calls the library, and prints; errors are keychroma::error subclasses whose
// exit_code() main() returns (docs/cli.md).

#include <stdexcept>

#include <CLI/CLI.hpp>

#include "keychroma/core/process_group.hpp"
#include "keychroma/io/frame_source.hpp"
#include "keychroma/report/progress.hpp"

namespace keychroma::cli {

/// Options every subcommand shares.
struct global_options {
    bool json = false;  ///< machine-readable output on stdout
    bool quiet = false; ///< no progress output on stderr
    /// The ranks of an MPI job running this command line (main.cpp); nullptr: one process.
    process_group* group = nullptr;

    [[nodiscard]] process_group& ranks() const { return group ? *group : this_process_only(); }
};

namespace detail {
/// A check that an option's value is a number above `least` (or at least it, `inclusive`).
[[nodiscard]] inline CLI::Validator number_from(double least, bool inclusive,
                                                const std::string& description) {
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            double v = 0;
            if (!CLI::detail::lexical_cast(text, v) || !(inclusive ? v >= least : v > least))
                return text + " is not " + (inclusive ? "a non-negative" : "a positive") +
                       " number";
            return {};
        },
        description);
}
} // namespace detail

/// Numeric option checks whose message a user can read: CLI11 2.1's PositiveNumber and
/// NonNegativeNumber print the largest double in full ("not in range 0.000000 to 1797...").
inline const CLI::Validator positive_number = detail::number_from(0, false, "POSITIVE");
inline const CLI::Validator non_negative_number = detail::number_from(0, true, "NONNEGATIVE");

/// Progress lines on stderr unless --quiet, from rank 0 only.
[[nodiscard]] inline report::progress_options progress_for(const global_options& g) {
    report::progress_options p;
    if (g.quiet || !g.ranks().is_root()) p.style = report::progress_style::quiet;
    return p;
}

/// The output of a rank that does not write one (under mpirun rank 0 alone writes): a command
/// that writes to it is a bug.
class no_output final : public io::any_sink {
public:
    void write(const rgb8_image&) override {
        throw std::logic_error("a frame written by a rank that writes no output");
    }
    void close() override {}
};

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
