// keychroma: colorize video from its own keyframes. See docs/cli.md.

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "keychroma/core/error.hpp"
#include "keychroma/core/signal_cleanup.hpp"
#include "keychroma/version.hpp"
#ifdef KEYCHROMA_HAS_MPI
#include "keychroma/mpi/world.hpp"
#else
#include "keychroma/mpi/launcher.hpp"
#endif

namespace {

/// Parses and runs the command line; returns the exit code (docs/cli.md). `who` prefixes the
/// error line ("keychroma", or "keychroma: rank N" on the other ranks of an MPI job).
int run(CLI::App& app, int argc, char** argv, const std::string& who) {
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
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return 6;
    } catch (const CLI::ConversionError& e) {
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return 6;
    } catch (const CLI::ParseError& e) {
        // CLI11's own message is one line; exit code 2 is "usage" (docs/cli.md).
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return 2;
    } catch (const keychroma::error& e) {
        std::fprintf(stderr, "%s: %s\n", who.c_str(), e.what());
        return e.exit_code();
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "%s: out of memory\n", who.c_str());
        return 7;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: internal error: %s\n", who.c_str(), e.what());
        return 1;
    }
    return 0;
}

} // namespace

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

#ifdef KEYCHROMA_HAS_MPI
    // Under mpirun every rank runs this same command line (docs/distributed.md): `keyframes`,
    // `train`, `send`, `colorize`, `receive` and `paper` share the work, rank 0 alone prints and
    // writes; the others refuse to run as several ranks, which would each do all the work. A
    // failing rank ends the whole job, since the others may be waiting for it.
    std::optional<keychroma::mpi::environment> mpi;
    std::optional<keychroma::mpi::world> world;
    std::string who = "keychroma";
    try {
        if (keychroma::mpi::launched_by_mpi()) {
            mpi.emplace(argc, argv);
            world.emplace();
        }
    } catch (const keychroma::error& e) {
        std::fprintf(stderr, "keychroma: %s\n", e.what());
        return e.exit_code();
    }
    if (world && world->size() > 1) {
        global.group = &*world;
        if (world->rank() != 0) {
            who = "keychroma: rank " + std::to_string(world->rank());
            if (!std::freopen("/dev/null", "w", stdout)) world->abort(1);
        }
        for (const char* one : {"info", "convert", "eval", "bench"})
            app.get_subcommand(one)->parse_complete_callback([one] {
                throw keychroma::config_error(std::string("`keychroma ") + one +
                                              "` runs as one process; under mpirun, keyframes, "
                                              "train, send, colorize, receive and paper share "
                                              "their work (docs/distributed.md)");
            });
    }
    // after MPI_Init, which must not replace it: an MPI job whose rank fails ends with SIGTERM
    keychroma::install_signal_cleanup();
    const int code = run(app, argc, argv, who);
    if (code != 0 && world && world->size() > 1) world->abort(code);
    return code;
#else
    // Started by mpirun as several ranks, each copy of a build without MPI would do all the work
    // and write the same outputs: refused, in one line (rank 0's).
    if (keychroma::mpi::launched_as_several_ranks()) {
        if (keychroma::mpi::launched_rank() == 0)
            std::fprintf(stderr, "keychroma: an MPI launcher started this build, which has no MPI "
                                 "(KEYCHROMA_WITH_MPI=OFF), as several ranks, each of which would "
                                 "do all the work: run it as one process, or build it with MPI "
                                 "(docs/distributed.md)\n");
        return 6;
    }
    keychroma::install_signal_cleanup(); // Ctrl-C or kill leave no unfinished output behind
    return run(app, argc, argv, "keychroma");
#endif
}
