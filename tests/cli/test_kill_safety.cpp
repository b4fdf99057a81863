#define BOOST_TEST_MODULE cli_kill_safety
#include <boost/test/unit_test.hpp>

// SIGKILL at any moment -- no destructor, no cleanup -- must never leave a partial file under
// an output's final name, nor damage an older output of the same name: every output is written
// under a temporary name and renamed into place whole (design.md section 5). Each command runs
// once to completion for the reference, then is killed at several points of its run over an
// older output; after each kill the final name holds exactly the older output or exactly the
// reference. A killed process cannot remove its hidden temporaries; the next complete run
// writing the same output removes them (core/temporary_lock.hpp).

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/handmade_y4m.hpp"
#include "support/run_tool.hpp"
#include "support/temp_dir.hpp"

using namespace keychroma::test;
namespace fs = std::filesystem;

namespace {

/// The visible (not dot-hidden) entries of `dir`, each with its content, in name order: a whole
/// output tree as one comparable string.
std::string snapshot(const fs::path& p) {
    std::ostringstream s;
    if (!fs::exists(p)) return "<absent>";
    if (fs::is_regular_file(p)) return read_text(p);
    std::vector<fs::path> names;
    for (const auto& e : fs::directory_iterator(p))
        if (e.path().filename().string().rfind('.', 0) != 0) names.push_back(e.path());
    std::sort(names.begin(), names.end());
    for (const auto& n : names) s << n.filename().string() << '\n' << snapshot(n) << '\n';
    return s.str();
}

/// The hidden temporaries of the output `target` in its folder (`.target.tmp-...`): what a
/// killed run leaves.
std::vector<std::string> temporaries_of(const fs::path& target) {
    std::vector<std::string> names;
    const auto prefix = "." + target.stem().string() + ".tmp-";
    for (const auto& e : fs::directory_iterator(target.parent_path()))
        if (e.path().filename().string().starts_with(prefix))
            names.push_back(e.path().filename().string());
    return names;
}

/// Runs `command` (with OUT standing for the output) to completion at `reference`, then, over
/// an older output at `target`, killed at 10 %, 30 %, 50 %, 70 % and 90 % of the time the
/// complete run took; the target must always be the older output or the reference. `stable`
/// removes what legitimately differs between two complete runs (a package's timings) before
/// comparing.
void check_kills(const std::string& command, const fs::path& older, const fs::path& reference,
                 const fs::path& target, std::string (*stable)(const fs::path&) = snapshot) {
    auto with = [&](const fs::path& out) {
        std::string c = command;
        c.replace(c.find("OUT"), 3, quote(out));
        return c;
    };
    const auto start = std::chrono::steady_clock::now();
    const auto done = run_tool(with(reference) + " --quiet");
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_REQUIRE(done.exit_code == 0, done.err);
    BOOST_TEST_MESSAGE(command << ": " << seconds << " s to completion");
    std::vector<double> delays;
    for (double share : {0.1, 0.3, 0.5, 0.7, 0.9}) delays.push_back(share * seconds);
    const auto whole_new = stable(reference);
    const auto run_over_older = [&](const std::string& setup) {
        fs::remove_all(target);
        fs::copy(older, target, fs::copy_options::recursive);
        return run_tool(with(target) + " --quiet", setup);
    };
    const auto old_content = stable(older);
    int killed = 0;
    for (double delay : delays) {
        const auto r = run_over_older("timeout -s KILL " + std::to_string(delay));
        killed += r.exit_code == 128 + 9; // SIGKILL, as timeout reports it
        const auto now = stable(target);
        BOOST_TEST_INFO(command << " killed after " << delay << " s (exit " << r.exit_code << ")");
        BOOST_TEST((now == old_content || now == whole_new));
    }
    // the delays must really interrupt the command, or nothing was tested
    BOOST_TEST(killed >= 3, command << ": killed " << killed << " of " << delays.size());
    // The killed runs' temporaries go when the output is written again, and the new one is whole.
    const auto left = temporaries_of(target);
    BOOST_TEST_MESSAGE(command << ": " << left.size() << " temporaries left by the kills");
    const auto again = run_over_older("");
    BOOST_TEST_REQUIRE(again.exit_code == 0, again.err);
    BOOST_TEST(stable(target) == whole_new);
    BOOST_TEST(temporaries_of(target).empty());
}

/// A package without its manifest's timings (seconds differ from run to run), checksums
/// verified: the gray video and the model must be byte for byte the old or the new ones.
std::string package_content(const fs::path& dir) {
    if (!fs::exists(dir)) return "<absent>";
    std::string s;
    for (const char* name : {"gray.y4m", "model.kcm", "SHA256SUMS"})
        s += std::string(name) + '\n' + (fs::exists(dir / name) ? "present" : "absent") + '\n';
    s += read_text(dir / "gray.y4m") + read_text(dir / "model.kcm");
    const int ok = std::system(("cd " + quote(dir) +
                                " && sha256sum --quiet -c SHA256SUMS "
                                ">/dev/null 2>&1")
                                   .c_str());
    return s + (ok == 0 ? "verified" : "NOT VERIFIED");
}

struct clips {
    temp_dir d;
    fs::path colour = d / "colour.y4m", gray = d / "gray.y4m", model = d / "model.kcm";
    clips() {
        // long enough for a kill to land mid-run: 240 frames of 64x64
        write_y4m_444(colour, 64, 64, 240, /*colour=*/true);
        auto r = run_tool("convert --gray " + quote(colour) + " " + quote(gray));
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        r = run_tool("train " + quote(colour) + " -o " + quote(model) +
                     " --recipe paper --size 64x64 --epochs 1 --seed 3 --threads 1 --quiet");
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(convert_killed_leaves_old_or_new) {
    clips c;
    std::ofstream(c.d / "older.y4m") << "an older output the user keeps";
    check_kills("convert " + quote(c.colour) + " OUT --size 512x512", c.d / "older.y4m",
                c.d / "reference.y4m", c.d / "target.y4m");
}

BOOST_AUTO_TEST_CASE(colorize_killed_leaves_old_or_new) {
    clips c;
    std::ofstream(c.d / "older.y4m") << "an older colorized video";
    check_kills("colorize " + quote(c.gray) + " " + quote(c.model) + " -o OUT --threads 1",
                c.d / "older.y4m", c.d / "reference.y4m", c.d / "target.y4m");
}

BOOST_AUTO_TEST_CASE(train_killed_leaves_old_or_new) {
    clips c;
    fs::copy_file(c.model, c.d / "older.kcm");
    check_kills("train " + quote(c.colour) +
                    " -o OUT --recipe paper --size 64x64 --epochs 4 --seed 5 "
                    "--threads 1",
                c.d / "older.kcm", c.d / "reference.kcm", c.d / "target.kcm");
}

BOOST_AUTO_TEST_CASE(send_killed_leaves_old_or_new) {
    clips c;
    const auto older = c.d / "older_pkg";
    auto r = run_tool("send " + quote(c.colour) + " -o " + quote(older) +
                      " --recipe paper --size 64x64 --epochs 1 --seed 9 --threads 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    check_kills("send " + quote(c.colour) +
                    " -o OUT --recipe paper --size 64x64 --epochs 3 --seed 5 "
                    "--threads 1",
                older, c.d / "reference_pkg", c.d / "target_pkg", package_content);
}

// A training killed at any moment and run again with the same --checkpoint ends with the model
// an uninterrupted run writes, byte for byte: the checkpoint (written whole, like every output)
// holds everything the remaining steps depend on. A run without checkpoints writes that model
// too, so writing them changes nothing either. A small clip (32x32, 6 keyframes) keeps the
// steps cheap next to the checkpoints (62 MB each), so most kills land between two of them.
BOOST_AUTO_TEST_CASE(a_killed_training_goes_on_from_its_checkpoint) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 32, 32, 60, /*colour=*/true);
    const std::string train = "train " + quote(d / "colour.y4m") +
                              " --steps 30 --check-every 5 --seed 4 --threads 1 --quiet -o ";
    auto r = run_tool(train + quote(d / "plain.kcm"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto reference = read_text(d / "plain.kcm");
    const auto checkpoint = d / "ck.kcm", model = d / "model.kcm";
    const std::string resumable =
        train + quote(model) + " --checkpoint " + quote(checkpoint) + " --checkpoint-every 5";
    const auto start = std::chrono::steady_clock::now();
    r = run_tool(resumable);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(read_text(model) == reference);
    int resumed = 0;
    for (double share : {0.3, 0.5, 0.7, 0.9}) {
        fs::remove(checkpoint);
        fs::remove(model);
        const double delay = share * seconds;
        r = run_tool(resumable, "timeout -s KILL " + std::to_string(delay));
        const bool killed = r.exit_code == 128 + 9;
        const bool from_checkpoint = killed && fs::exists(checkpoint);
        resumed += from_checkpoint;
        BOOST_TEST_INFO("killed after " << delay << " s (exit " << r.exit_code << ")");
        if (fs::exists(model)) BOOST_TEST(read_text(model) == reference); // whole, or none
        r = run_tool(resumable + " --json");
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        BOOST_TEST(read_text(model) == reference);
        if (from_checkpoint)
            BOOST_TEST(nlohmann::json::parse(r.out)["resumed_from"].get<int>() > 0);
    }
    // kills that land after a checkpoint and before the model, or nothing was tested
    BOOST_TEST(resumed >= 2, "resumed " << resumed << " of 4 killed runs");
}
