// The keychroma tool as a user meets it: versions, help, errors as one line with the documented
// exit codes (docs/cli.md), and no partial output after a failure. Inputs are hand-made Y4M
// bytes, so these tests do not depend on keychroma's own writer.
#define BOOST_TEST_MODULE cli
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/files.hpp"
#include "support/handmade_y4m.hpp"
#include "support/run_tool.hpp"

using namespace keychroma::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_CASE(version_and_help) {
    const auto v = run_tool("--version");
    BOOST_TEST(v.exit_code == 0);
    BOOST_TEST(v.out.find("keychroma 0.") != std::string::npos);
    const auto h = run_tool("convert --help");
    BOOST_TEST(h.exit_code == 0);
    BOOST_TEST(h.out.find("--frames") != std::string::npos);
    BOOST_TEST(h.out.find("--gray") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2) {
    const auto none = run_tool("");
    BOOST_TEST(none.exit_code == 2);
    const auto unknown = run_tool("info --no-such-option x.y4m");
    BOOST_TEST(unknown.exit_code == 2);
    BOOST_TEST(one_line(unknown.err), unknown.err);
    const auto no_input = run_tool("info"); // a missing argument, as docs/cli.md's example says
    BOOST_TEST(no_input.exit_code == 2, no_input.err);
    BOOST_TEST(one_line(no_input.err), no_input.err);
}

BOOST_AUTO_TEST_CASE(info_json_on_handmade_y4m) {
    temp_dir d;
    write_y4m_444(d / "ramp.y4m", 48, 32, 7);
    const auto r = run_tool("info --json " + quote(d / "ramp.y4m"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    BOOST_TEST(j["width"].get<int>() == 48);
    BOOST_TEST(j["height"].get<int>() == 32);
    BOOST_TEST(j["fps"].get<std::string>() == "30000/1001");
    BOOST_TEST(j["format"].get<std::string>() == "y4m");
    BOOST_TEST(j["pixel_format"].get<std::string>() == "yuv444p");
    const auto counted = run_tool("info --json --count " + quote(d / "ramp.y4m"));
    BOOST_TEST_REQUIRE(counted.exit_code == 0, counted.err);
    BOOST_TEST(nlohmann::json::parse(counted.out)["frame_count"].get<int>() == 7);
}

BOOST_AUTO_TEST_CASE(missing_input_is_io_error_3) {
    temp_dir d;
    const auto r = run_tool("info " + quote(d / "nope.y4m"));
    BOOST_TEST(r.exit_code == 3);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("nope.y4m") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_magic_is_format_error_4) {
    temp_dir d;
    std::ofstream(d / "bad.y4m") << "NOTAY4M W4 H4\nFRAME\n";
    const auto r = run_tool("info " + quote(d / "bad.y4m"));
    BOOST_TEST(r.exit_code == 4);
    BOOST_TEST(one_line(r.err), r.err);
}

BOOST_AUTO_TEST_CASE(absurd_size_is_rejected_before_allocating) {
    temp_dir d;
    std::ofstream(d / "huge.y4m") << "YUV4MPEG2 W99999999 H99999999 F25:1 C444\nFRAME\n";
    const auto r = run_tool("info " + quote(d / "huge.y4m"));
    BOOST_TEST(r.exit_code == 4);
    BOOST_TEST(one_line(r.err), r.err);
}

BOOST_AUTO_TEST_CASE(bad_option_values_are_config_errors_6) {
    temp_dir d;
    write_y4m_444(d / "in.y4m", 16, 16, 2);
    // rejected by keychroma or by CLI11's checks alike: one exit code per meaning
    for (const std::string args :
         {"--size 0x5", "--size big", "--frames 9:3", "--frames 1:5:0",
          "--frames 9223372036854775807", "--frames 0:10:9223372036854775807", "--fps 1e300",
          "--fps 0", "--fps nan", "--crf 99", "--crf x", "--fit sideways", "--preset sluggish"}) {
        const auto r =
            run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "o.y4m") + " " + args);
        BOOST_TEST(r.exit_code == 6, args << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(!fs::exists(d / "o.y4m"));
    }
    // A number out of range names the value and what was expected, in a line a user can read
    // (CLI11's own message printed the largest double in full, 320 digits).
    const auto r =
        run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "o.y4m") + " --fps -3");
    BOOST_TEST(r.exit_code == 6, r.err);
    BOOST_TEST(r.err.find("-3 is not a positive number") != std::string::npos, r.err);
    BOOST_TEST(r.err.size() < 80u, r.err);
    const auto huge = run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "o.y4m") +
                               " --fps 1e300"); // once printed as 301 digits
    BOOST_TEST(huge.err.find("--fps 1e+300: expected a frame rate") != std::string::npos, huge.err);
}

BOOST_AUTO_TEST_CASE(truncated_input_leaves_no_partial_output) {
    temp_dir d;
    write_y4m_444(d / "in.y4m", 16, 16, 3);
    fs::resize_file(d / "in.y4m", fs::file_size(d / "in.y4m") - 100); // cut the last frame
    const auto r = run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "out.y4m"));
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(!fs::exists(d / "out.y4m"));
    // Nor a temporary file left next to it.
    for (const auto& e : fs::directory_iterator(d.path()))
        BOOST_TEST((e.path().filename() == "in.y4m"), e.path());
}

BOOST_AUTO_TEST_CASE(unwritable_output_is_io_error_3) {
    temp_dir d;
    write_y4m_444(d / "in.y4m", 16, 16, 1);
    const auto r =
        run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "no-such-dir" / "o.y4m"));
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
}

// Outputs written only when the work is done -- a trained model, a checkpoint, an evaluation's
// files -- are checked before it begins: a training of 10^6 steps into a folder that does not
// exist (or onto a folder) fails at once, not hours later with its work lost. `timeout` stands
// for "at once": a check at the end would be killed first (exit 124). The evaluations compare
// clips of different lengths: measured first, that would be exit code 4.
BOOST_AUTO_TEST_CASE(outputs_written_at_the_end_are_checked_before_the_work) {
    temp_dir d;
    write_y4m_444(d / "in.y4m", 16, 16, 4, /*colour=*/true);
    write_y4m_444(d / "short.y4m", 16, 16, 3, /*colour=*/true);
    const auto in = quote(d / "in.y4m"), short_clip = quote(d / "short.y4m");
    const auto missing = d / "no-such-dir";
    // one checkpoint only, at the end: a checkpoint's folder checked when it is first written
    // would be checked at the end too
    const std::string long_training =
        " --steps 1000000 --checkpoint-every 1000000 --size 16x16 --threads 1 --quiet";
    const std::vector<std::string> commands{
        "train " + in + " -o " + quote(missing / "m.kcm") + long_training,
        "train " + in + " -o " + quote(d.path()) + long_training, // a folder: not a model name
        "train " + in + " -o " + quote(d / "m.kcm") + " --checkpoint " + quote(missing / "c") +
            long_training,
        "send " + in + " -o " + quote(d / "pkg") + " --checkpoint " + quote(missing / "c") +
            long_training,
        "paper " + in + " --out " + quote(d / "p") + " --checkpoints " + quote(d / "in.y4m") +
            long_training, // a file where the folder of checkpoints should be
        "eval " + in + " " + short_clip + " --csv " + quote(missing / "f.csv") + " --quiet",
        "eval " + in + " " + short_clip + " --sheet " + quote(missing / "s.png") + " --quiet",
        "eval " + in + " " + short_clip + " --summary " + quote(missing / "s.json") + " --quiet"};
    for (const auto& command : commands) {
        const auto r = run_tool(command, "timeout 60");
        BOOST_TEST(r.exit_code == 3, command << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(r.out.empty(), command << ": " << r.out); // nothing measured or reported
    }
    BOOST_TEST((names_in(d.path()) == std::set<std::string>{"in.y4m", "short.y4m"}));
}

// `keyframes --out DIR` writes several files: they appear together when the run ends. A run that
// fails (here at the input's cut last frame, after reading the others) leaves no directory, not
// even the parents it would have made, and an earlier run's directory exactly as it was (one
// that succeeds leaves no keyframe of the earlier run that it did not pick itself); a
// folder that is not an earlier run's is refused before the video is read, untouched.
BOOST_AUTO_TEST_CASE(keyframes_outputs_appear_whole_or_not_at_all) {
    temp_dir d;
    write_y4m_444(d / "clip.y4m", 16, 16, 40, /*colour=*/true);
    fs::copy_file(d / "clip.y4m", d / "cut.y4m");
    fs::resize_file(d / "cut.y4m", fs::file_size(d / "cut.y4m") - 100);
    const auto keyframes = [&](const std::string& input, const fs::path& out,
                               const std::string& options = "") {
        return run_tool("keyframes " + quote(d / input) + " --out " + quote(out) + " --quiet" +
                        options);
    };
    auto r = keyframes("cut.y4m", d / "new" / "kf");
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST((names_in(d.path()) == std::set<std::string>{"clip.y4m", "cut.y4m"}));

    fs::create_directory(d / "mine");
    std::ofstream(d / "mine" / "frames.csv") << "the user's";
    r = keyframes("clip.y4m", d / "mine");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST((names_in(d / "mine") == std::set<std::string>{"frames.csv"}));
    BOOST_TEST(read_text(d / "mine" / "frames.csv") == "the user's");

    r = keyframes("clip.y4m", d / "kf", " --every 10");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    std::ofstream(d / "kf" / "notes.txt") << "notes";
    const auto first = names_in(d / "kf");
    const auto first_csv = read_text(d / "kf" / "frames.csv");
    r = keyframes("cut.y4m", d / "kf");
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST((names_in(d / "kf") == first));
    BOOST_TEST(read_text(d / "kf" / "frames.csv") == first_csv);
    // A run that succeeds replaces the outputs' own names, and removes the earlier run's
    // keyframe PNGs that it does not write again (every 10th frame before, every 20th now): the
    // folder holds the keyframes its keyframes.json lists, and the user's file.
    r = keyframes("clip.y4m", d / "kf", " --every 20");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(read_text(d / "kf" / "notes.txt") == "notes");
    BOOST_TEST(read_text(d / "kf" / "frames.csv") != first_csv);
    std::set<std::string> expected{"notes.txt", "frames.csv", "clusters.svg", "keyframes.json"};
    for (const auto& name : nlohmann::json::parse(read_text(d / "kf" / "keyframes.json"))
                                .at("keyframe_files")
                                .get<std::vector<std::string>>())
        expected.insert(name);
    BOOST_TEST(first.size() > expected.size()); // the first run wrote keyframes this one does not
    BOOST_TEST((names_in(d / "kf") == expected));

    // A file where the directory should be: refused before the video is read.
    std::ofstream(d / "afile") << "a file";
    r = keyframes("clip.y4m", d / "afile");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(read_text(d / "afile") == "a file");

    // A run killed (SIGKILL) while writing into an empty DIR left its staging folder there, which
    // no process holds now: the next run takes DIR for empty, and the folder goes.
    const auto staging = d / "empty" / ".keychroma.tmp-Ab3xYz";
    fs::create_directories(staging);
    std::ofstream(staging / "keyframe_000001.png") << "png";
    r = keyframes("clip.y4m", d / "empty");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(!fs::exists(staging));
    BOOST_TEST(names_in(d / "empty").count("keyframes.json") == 1u);
}

BOOST_AUTO_TEST_CASE(convert_frames_size_and_gray) {
    temp_dir d;
    write_y4m_444(d / "in.y4m", 64, 32, 10);
    // Every third frame of 1..9 -> frames 1, 4, 7 as PNGs.
    fs::create_directory(d / "png");
    auto r = run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "png" / "%03d.png") +
                      " --frames 1:10:3");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    int pngs = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(d / "png")) ++pngs;
    BOOST_TEST(pngs == 3);

    // Resize with centre crop: 64x32 -> 16x16.
    r = run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "small.y4m") + " --size 16x16");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    auto info =
        nlohmann::json::parse(run_tool("info --json --count " + quote(d / "small.y4m")).out);
    BOOST_TEST(info["width"].get<int>() == 16);
    BOOST_TEST(info["height"].get<int>() == 16);
    BOOST_TEST(info["frame_count"].get<int>() == 10);

    // Gray transmission format: Cmono with the L* tag, one plane per frame.
    r = run_tool("convert " + quote(d / "in.y4m") + " " + quote(d / "gray.y4m") + " --gray");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto text = read_text(d / "gray.y4m");
    const auto header = text.substr(0, text.find('\n'));
    BOOST_TEST(header.find("Cmono") != std::string::npos, header);
    BOOST_TEST(header.find("XKEYCHROMA=LSTAR") != std::string::npos, header);
    BOOST_TEST(text.size() == header.size() + 1 + 10 * (6 + 64 * 32));
}

BOOST_AUTO_TEST_CASE(backends_are_listed_and_checked) {
    const auto r = run_tool("info --backends --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto list = nlohmann::json::parse(r.out)["backends"];
    BOOST_TEST_REQUIRE(list.size() >= 1u);
    BOOST_TEST(list[0]["name"].get<std::string>() == "cpu");
    // Only built-in backends are accepted; anything else is an invalid value naming the choices.
    const auto bad = run_tool("train in.y4m -o m.kcm --backend no-such-backend");
    BOOST_TEST(bad.exit_code == 6);
    BOOST_TEST(one_line(bad.err), bad.err);
    BOOST_TEST(bad.err.find("cpu") != std::string::npos, bad.err);
}
