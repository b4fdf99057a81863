// keychroma: colorize video from its own keyframes. See docs/cli.md.

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/version.hpp"

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) then fails the write with EFBIG -- reported and cleaned up
    // like a full disk -- instead of killing the process and leaving its temporary file behind.
    std::signal(SIGXFSZ, SIG_IGN);
    CLI::App app{"keychroma: colorize video from its own keyframes (grayscale video + small model "
                 "instead of the colour video)"};
    app.set_version_flag("--version", std::string("keychroma ") + keychroma::version);
    app.require_subcommand(1);
    app.fallthrough(); // global flags (--json, --quiet) may follow the subcommand
    keychroma::cli::global_options global;
    app.add_flag("--json", global.json, "Print machine-readable JSON on stdout");
    app.add_flag("-q,--quiet", global.quiet, "No progress output on stderr");

    keychroma::cli::add_info(app, global);
    keychroma::cli::add_convert(app, global);
    keychroma::cli::add_keyframes(app, global);
    keychroma::cli::add_train(app, global);
    keychroma::cli::add_colorize(app, global);
    keychroma::cli::add_send(app, global);
    keychroma::cli::add_receive(app, global);
    keychroma::cli::add_eval(app, global);
    keychroma::cli::add_paper(app, global);
    keychroma::cli::add_bench(app, global);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ValidationError& e) {
        // a value CLI11 rejects (not a number, out of range, not one of the choices) is an
        // invalid option value like one keychroma rejects: exit code 6 (docs/cli.md)
        std::fprintf(stderr, "keychroma: %s\n", e.what());
        return 6;
    } catch (const CLI::ConversionError& e) {
        std::fprintf(stderr, "keychroma: %s\n", e.what());
        return 6;
    } catch (const CLI::ParseError& e) {
        // CLI11's own message is one line; exit code 2 is "usage" (docs/cli.md).
        std::fprintf(stderr, "keychroma: %s\n", e.what());
        return 2;
    } catch (const keychroma::error& e) {
        std::fprintf(stderr, "keychroma: %s\n", e.what());
        return e.exit_code();
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "keychroma: out of memory\n");
        return 7;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "keychroma: internal error: %s\n", e.what());
        return 1;
    }
    return 0;
}
