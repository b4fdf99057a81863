#define BOOST_TEST_MODULE core_signal_cleanup
#include <boost/test/unit_test.hpp>

// A process told to stop (SIGTERM, SIGINT, SIGHUP) while writing outputs removes its
// temporaries -- files, and a package's temporary directory with the files its owner put there
// -- and still dies of the signal; a finished output and whatever else is there are kept; a
// staged folder of outputs goes whole, the targets of its links stay. Each
// case runs in a child process that receives the signal, checked from the parent.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/directory_output.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using keychroma::test::temp_dir;

namespace {

/// Runs `child` in a forked process, which then sends itself `signal_number`; returns the
/// signal that ended it (0 when it exited instead).
template <class F>
int run_and_signal(F&& child, int signal_number) {
    const pid_t pid = ::fork();
    if (pid == 0) {
        keychroma::install_signal_cleanup();
        child();
        ::raise(signal_number);
        std::_Exit(0); // not reached when the signal ends the process
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

std::size_t entries(const fs::path& dir) {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
    return n;
}

} // namespace

BOOST_AUTO_TEST_CASE(temporary_files_are_removed_and_the_signal_still_ends_the_process) {
    for (int s : {SIGTERM, SIGINT, SIGHUP}) {
        temp_dir dir;
        std::ofstream(dir / "keep.txt") << "a user's file";
        const int ended_by = run_and_signal(
            [&] {
                static keychroma::atomic_output finished(dir / "done.y4m");
                std::ofstream(finished.temp_path()) << "complete";
                finished.commit();
                static keychroma::atomic_output first(dir / "a.y4m"), second(dir / "b.mkv");
                std::ofstream(first.temp_path()) << "half";
                std::ofstream(second.temp_path()) << "half";
            },
            s);
        BOOST_TEST(ended_by == s);
        BOOST_TEST(fs::exists(dir / "keep.txt"));
        BOOST_TEST(fs::exists(dir / "done.y4m"));
        BOOST_TEST(entries(dir.path()) == 2u); // no temporary left
    }
}

BOOST_AUTO_TEST_CASE(a_temporary_directory_goes_with_its_files_but_not_with_others) {
    temp_dir dir;
    const int ended_by = run_and_signal(
        [&] {
            static keychroma::temp_directory package(dir.path(), "pkg");
            std::ofstream(package.file("model.kcm")) << "weights";
            std::ofstream(package.file("gray.y4m")) << "frames";
        },
        SIGTERM);
    BOOST_TEST(ended_by == SIGTERM);
    BOOST_TEST(entries(dir.path()) == 0u);

    // a file the owner did not write there keeps the directory, and itself
    const int again = run_and_signal(
        [&] {
            static keychroma::temp_directory package(dir.path(), "pkg");
            std::ofstream(package.file("model.kcm")) << "weights";
            std::ofstream(package.path() / "someone-else.txt") << "theirs";
        },
        SIGTERM);
    BOOST_TEST(again == SIGTERM);
    BOOST_TEST_REQUIRE(entries(dir.path()) == 1u);
    const fs::path left = fs::directory_iterator(dir.path())->path();
    BOOST_TEST(fs::exists(left / "someone-else.txt"));
    BOOST_TEST(!fs::exists(left / "model.kcm"));
}

BOOST_AUTO_TEST_CASE(a_staged_output_folder_goes_whole_but_not_what_its_links_point_to) {
    // keychroma paper stages each recipe's folder (a package, a video, reports) until the run
    // ends: a stopped run removes it, however deep, without following a link out of it.
    temp_dir dir;
    std::ofstream(dir / "outside.txt") << "the user's";
    fs::create_directory(dir / "outside");
    std::ofstream(dir / "outside" / "kept.txt") << "the user's";
    const int ended_by = run_and_signal(
        [&] {
            static keychroma::directory_output out(dir / "paper-run", "report.json", "format");
            const fs::path recipe = out.folder("paper", [](const fs::path&) { return true; });
            fs::create_directories(recipe / "package" / "deeper");
            std::ofstream(recipe / "colorized.y4m") << "frames";
            std::ofstream(recipe / "package" / "model.kcm") << "weights";
            std::ofstream(recipe / "package" / "deeper" / "x") << "x";
            for (int i = 0; i < 300; ++i) // more entries than one read of the directory returns
                std::ofstream(recipe / ("frame_" + std::to_string(i) + ".png")) << i;
            fs::create_symlink(dir / "outside.txt", recipe / "link.txt");
            fs::create_directory_symlink(dir / "outside", recipe / "package" / "linked");
            std::ofstream(out.file("report.md")) << "half";
        },
        SIGTERM);
    BOOST_TEST(ended_by == SIGTERM);
    BOOST_TEST(entries(dir.path()) == 2u); // outside.txt, outside/: no staging left
    BOOST_TEST(fs::exists(dir / "outside.txt"));
    BOOST_TEST(fs::exists(dir / "outside" / "kept.txt"));
}

BOOST_AUTO_TEST_CASE(without_the_handler_a_signal_leaves_the_temporary) {
    // the control: what the handler changes (a plain kill cannot clean up)
    temp_dir dir;
    const pid_t pid = ::fork();
    if (pid == 0) {
        static keychroma::atomic_output out(dir / "a.y4m");
        std::ofstream(out.temp_path()) << "half";
        ::raise(SIGTERM);
        std::_Exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    BOOST_TEST(WIFSIGNALED(status));
    BOOST_TEST(entries(dir.path()) == 1u);
}
