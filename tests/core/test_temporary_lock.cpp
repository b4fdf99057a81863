#define BOOST_TEST_MODULE core_temporary_lock
#include <boost/test/unit_test.hpp>

// What a run killed by SIGKILL leaves -- its hidden temporaries, unlocked now that the kernel has
// dropped its locks -- is removed by the next run writing the same output; what a live run holds,
// a temporary kept on purpose, and anything that only resembles a temporary (another output's, a
// link, a name of another length, a folder where a file is expected) stay. The killed runs are
// real: a child process makes the temporary and SIGKILLs itself.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/directory_output.hpp"
#include "keychroma/core/temporary_lock.hpp"
#include "support/files.hpp"
#include "support/temp_dir.hpp"

namespace fs = std::filesystem;
using keychroma::temporary_kind;
using keychroma::temporary_lock;
using keychroma::test::names_in;
using keychroma::test::read_text;
using keychroma::test::temp_dir;
using keychroma::test::write_text;

namespace {

/// Runs `make` in a child process, which calls the `die(path)` it is given while its objects
/// live: the child reports `path` and SIGKILLs itself (no destructor, no handler runs). Returns
/// that path.
template <class Make>
fs::path made_by_a_killed_run(Make make) {
    int pipe_fds[2];
    BOOST_TEST_REQUIRE(::pipe(pipe_fds) == 0);
    const ::pid_t child = ::fork();
    BOOST_TEST_REQUIRE(child >= 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        make([&](const fs::path& made) {
            const std::string path = made.string();
            (void)!::write(pipe_fds[1], path.data(), path.size());
            ::close(pipe_fds[1]);
            ::kill(::getpid(), SIGKILL);
        });
        ::_exit(1); // not reached
    }
    ::close(pipe_fds[1]);
    std::string path;
    char buffer[512];
    for (::ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) path.append(buffer, n);
    ::close(pipe_fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    BOOST_TEST_REQUIRE((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    return path;
}

} // namespace

BOOST_AUTO_TEST_CASE(names_of_one_outputs_temporaries) {
    using keychroma::is_temporary_of;
    BOOST_TEST(is_temporary_of(".out.tmp-0123456789ab.mp4", ".out.tmp-", 12, ".mp4"));
    BOOST_TEST(is_temporary_of(".pkg.tmp-Ab3xYz", ".pkg.tmp-", 6, ""));
    BOOST_TEST(!is_temporary_of(".out.tmp-0123456789ab.mkv", ".out.tmp-", 12, ".mp4"));
    BOOST_TEST(!is_temporary_of(".out.tmp-0123456789a.mp4", ".out.tmp-", 12, ".mp4"));
    BOOST_TEST(!is_temporary_of(".out.tmp-mine.mp4", ".out.tmp-", 12, ".mp4"));
    BOOST_TEST(!is_temporary_of(".out.tmp-0123456789-b.mp4", ".out.tmp-", 12, ".mp4"));
    BOOST_TEST(!is_temporary_of(".other.tmp-0123456789ab.mp4", ".out.tmp-", 12, ".mp4"));
    BOOST_TEST(!is_temporary_of(".pkg.tmp-Ab3xYz1", ".pkg.tmp-", 6, ""));
}

// The lock is what tells a live run's temporary from a dead one's: one process (or one open file
// description) holding it keeps every other from taking it, until it is released.
BOOST_AUTO_TEST_CASE(a_held_temporary_is_no_leftover) {
    temp_dir d;
    const auto path = d / ".out.tmp-0123456789ab.y4m";
    write_text(path, "frames");
    {
        auto held = temporary_lock::hold(::open(path.c_str(), O_RDONLY | O_CLOEXEC), path);
        BOOST_TEST_REQUIRE(held.has_value());
        BOOST_TEST(!temporary_lock::of_leftover(path, temporary_kind::file).has_value());
        held->release();
        BOOST_TEST(temporary_lock::of_leftover(path, temporary_kind::file).has_value());
    }
    // A run that made a temporary while another run, removing leftovers, holds it (or has
    // removed it already) is told so, and makes another.
    {
        const auto remover = temporary_lock::of_leftover(path, temporary_kind::file);
        BOOST_TEST_REQUIRE(remover.has_value());
        BOOST_TEST(
            !temporary_lock::hold(::open(path.c_str(), O_RDONLY | O_CLOEXEC), path).has_value());
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    fs::remove(path);
    BOOST_TEST(!temporary_lock::hold(fd, path).has_value());
    // A folder is only ever taken as a folder, a file as a file.
    fs::create_directory(d / ".pkg.tmp-Ab3xYz");
    const auto folder = d / ".pkg.tmp-Ab3xYz";
    BOOST_TEST(!temporary_lock::of_leftover(folder, temporary_kind::file).has_value());
    BOOST_TEST(temporary_lock::of_leftover(folder, temporary_kind::directory).has_value());
}

BOOST_AUTO_TEST_CASE(a_killed_runs_temporary_file_goes_when_its_output_is_written_again) {
    temp_dir d;
    const auto out = d / "out.y4m";
    const auto killed = made_by_a_killed_run([&](auto die) {
        keychroma::atomic_output o(out);
        write_text(o.temp_path(), "half a video");
        die(o.temp_path());
    });
    BOOST_TEST_REQUIRE(fs::is_regular_file(killed)); // what SIGKILL leaves
    // A live run writing the same output, started before.
    keychroma::atomic_output live(out);
    write_text(live.temp_path(), "being written");
    // What only resembles a killed run's temporary.
    write_text(d / "mine.txt", "the user's");
    write_text(d / ".out.tmp-mine.y4m", "the user's hidden file");
    write_text(d / ".other.tmp-0123456789ab.y4m", "another output's");
    write_text(d / ".out.tmp-0123456789ab.mkv", "another output's");
    fs::create_symlink(d / "mine.txt", d / ".out.tmp-aaaaaaaaaaaa.y4m");
    fs::create_directory(d / ".out.tmp-bbbbbbbbbbbb.y4m");
    const auto before = names_in(d.path());

    keychroma::atomic_output next(out);
    write_text(next.temp_path(), "complete");
    next.commit();

    auto expected = before;
    expected.erase(killed.filename().string());
    expected.insert("out.y4m");
    BOOST_TEST((names_in(d.path()) == expected));
    BOOST_TEST(read_text(live.temp_path()) == "being written");
    BOOST_TEST(read_text(d / "mine.txt") == "the user's");
    BOOST_TEST(read_text(out) == "complete");
}

BOOST_AUTO_TEST_CASE(a_killed_runs_temporary_folder_goes_with_what_it_holds) {
    temp_dir d;
    fs::create_directory(d / "user");
    write_text(d / "user" / "thesis.tex", "the user's");
    const auto killed = made_by_a_killed_run([&](auto die) {
        keychroma::temp_directory t(d.path(), "pkg");
        write_text(t.file("gray.y4m"), "gray frames");
        fs::create_directories(t.path() / "paper" / "package");
        write_text(t.path() / "paper" / "package" / "model.kcm", "weights");
        // links out of it are removed, never followed
        fs::create_symlink(d / "user" / "thesis.tex", t.path() / "paper" / "link");
        fs::create_directory_symlink(d / "user", t.path() / "paper" / "dirlink");
        die(t.path());
    });
    BOOST_TEST_REQUIRE(fs::is_directory(killed));
    const keychroma::temp_directory live(d.path(), "pkg");
    fs::path kept;
    {
        keychroma::temp_directory failed(d.path(), "pkg");
        write_text(failed.file("gray.y4m"), "finished, could not be moved into place");
        kept = failed.keep();
    }
    BOOST_TEST(kept.filename().string().starts_with(".pkg.kept-"));
    const auto before = names_in(d.path());

    { const keychroma::temp_directory next(d.path(), "pkg"); }

    auto expected = before;
    expected.erase(killed.filename().string());
    BOOST_TEST((names_in(d.path()) == expected));
    BOOST_TEST(fs::is_directory(live.path()));
    BOOST_TEST(read_text(kept / "gray.y4m") == "finished, could not be moved into place");
    BOOST_TEST(read_text(d / "user" / "thesis.tex") == "the user's");
}

// A killed `keyframes --out DIR` into an existing, empty DIR left its staging directory there;
// before, the next run refused DIR as holding other files.
BOOST_AUTO_TEST_CASE(an_empty_directory_with_a_killed_runs_staging_is_still_empty) {
    temp_dir d;
    const auto dir = d / "out";
    fs::create_directory(dir);
    const auto killed = made_by_a_killed_run([&](auto die) {
        keychroma::directory_output o(dir, "keyframes.json", "keychroma-keyframes");
        write_text(o.file("keyframe_000001.png"), "png");
        die(o.file("frames.csv").parent_path());
    });
    BOOST_TEST_REQUIRE(fs::is_directory(killed));
    BOOST_TEST_REQUIRE(killed.parent_path() == dir);

    keychroma::directory_output next(dir, "keyframes.json", "keychroma-keyframes");
    write_text(next.file("keyframes.json"), R"({"format": "keychroma-keyframes"})");
    next.commit();
    BOOST_TEST((names_in(dir) == std::set<std::string>{"keyframes.json"}));
}
