// The pipeline subcommands (train, colorize, send, receive, eval, paper) as a user runs them:
// outputs that fit together, the documented exit codes for every kind of bad input, and no
// partial output after a failure -- a full disk included (simulated with a file-size limit,
// which makes writes fail with EFBIG as ENOSPC would). Inputs are hand-made Y4M bytes; the
// networks train for one or two epochs on tiny frames, so the tests check plumbing, not quality
// (tests/pipeline/test_pipeline_footage.cpp checks quality on a real clip).
#define BOOST_TEST_MODULE cli_pipeline
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/handmade_y4m.hpp"
#include "support/run_tool.hpp"

using namespace keychroma::test;
namespace fs = std::filesystem;

namespace {

/// Names in `dir` (temporary files included: nothing may be left behind).
std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

nlohmann::json info(const fs::path& video) {
    const auto r = run_tool("info --json --count " + quote(video));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    return nlohmann::json::parse(r.out);
}

/// A colour clip, a model trained on it and its gray version: what most cases start from.
struct trained {
    temp_dir d;
    fs::path colour = d / "colour.y4m", model = d / "model.kcm", gray = d / "gray.y4m";
    trained() {
        write_y4m_444(colour, 24, 16, 8, /*colour=*/true);
        auto r = run_tool("train " + quote(colour) + " -o " + quote(model) +
                          " --steps 2 --quiet --json");
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        r = run_tool("convert --gray " + quote(colour) + " " + quote(gray));
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    }
};

/// d/colour.y4m (16x16, 4 frames) sent as d/pkg with one training step.
void send_tiny_package(const temp_dir& d) {
    write_y4m_444(d / "colour.y4m", 16, 16, 4, true);
    const auto r = run_tool("send " + quote(d / "colour.y4m") + " -o " + quote(d / "pkg") +
                            " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
}

} // namespace

BOOST_AUTO_TEST_CASE(train_then_colorize_keeps_size_and_frames) {
    trained t;
    const auto out = t.d / "out.y4m";
    const auto r = run_tool("colorize " + quote(t.gray) + " " + quote(t.model) + " -o " +
                            quote(out) + " --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(nlohmann::json::parse(r.out)["frames"].get<int>() == 8);
    const auto i = info(out);
    BOOST_TEST(i["width"].get<int>() == 24);
    BOOST_TEST(i["height"].get<int>() == 16);
    BOOST_TEST(i["frame_count"].get<int>() == 8);
    // Any video is made gray first: the colour clip itself colorizes too.
    const auto r2 = run_tool("colorize " + quote(t.colour) + " " + quote(t.model) + " -o " +
                             quote(t.d / "out2.y4m") + " --quiet");
    BOOST_TEST(r2.exit_code == 0, r2.err);
}

BOOST_AUTO_TEST_CASE(sizes_not_a_multiple_of_8_are_padded_and_cropped_back) {
    trained t;
    const auto odd = t.d / "odd.y4m";
    write_y4m_444(odd, 21, 13, 3, true);
    const auto out = t.d / "odd_out.y4m";
    const auto r = run_tool("colorize " + quote(odd) + " " + quote(t.model) + " -o " + quote(out) +
                            " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto i = info(out);
    BOOST_TEST(i["width"].get<int>() == 21);
    BOOST_TEST(i["height"].get<int>() == 13);
    BOOST_TEST(i["frame_count"].get<int>() == 3);
}

BOOST_AUTO_TEST_CASE(send_then_receive_reproduces_colorize) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 24, 16, 8, true);
    auto r = run_tool("send " + quote(d / "colour.y4m") + " -o " + quote(d / "pkg") +
                      " --recipe paper --epochs 2 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto manifest = nlohmann::json::parse(r.out);
    BOOST_TEST(manifest.contains("bandwidth"), r.out);
    BOOST_TEST((entries(d / "pkg") ==
                std::vector<std::string>{"SHA256SUMS", "gray.y4m", "manifest.json", "model.kcm"}));
    r = run_tool("receive " + quote(d / "pkg") + " -o " + quote(d / "received.y4m") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("colorize " + quote(d / "pkg" / "gray.y4m") + " " +
                 quote(d / "pkg" / "model.kcm") + " -o " + quote(d / "colorized.y4m") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(read_text(d / "received.y4m") == read_text(d / "colorized.y4m"));

    // eval: the colorized video against its original; a gray baseline comes with it.
    r = run_tool("eval " + quote(d / "colour.y4m") + " " + quote(d / "received.y4m") +
                 " --json --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto e = nlohmann::json::parse(r.out);
    BOOST_TEST(e["all"]["frames"].get<int>() == 8, r.out);
    BOOST_TEST(e["all"]["psnr"].get<double>() > 10.0, r.out);
    BOOST_TEST(e["all"]["gray"]["psnr"].get<double>() > 10.0, r.out);
}

BOOST_AUTO_TEST_CASE(altered_or_missing_package_files_are_refused) {
    temp_dir d;
    send_tiny_package(d);
    tool_result r;
    { // one byte of the model changed: checksum mismatch, a format error naming the file
        std::fstream f(d / "pkg" / "model.kcm", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(100);
        f.put('\x5a');
    }
    r = run_tool("receive " + quote(d / "pkg") + " -o " + quote(d / "out.y4m"));
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("model.kcm") != std::string::npos, r.err);
    fs::remove(d / "pkg" / "gray.y4m");
    r = run_tool("receive " + quote(d / "pkg") + " -o " + quote(d / "out.y4m"));
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("gray.y4m") != std::string::npos, r.err);
    BOOST_TEST((entries(d.path()) == std::vector<std::string>{"colour.y4m", "pkg"}));
}

// A package whose frames need more memory than is available is refused with exit code 7 and
// one line before anything is written; an older output of the same name stays as it was.
// KEYCHROMA_MEMORY_LIMIT stands in for a small machine: 16x16 frames need 16 * 16 * 46 bytes,
// and the paper network's inference for a 16x16 frame 16 * 16 * 80 floats, 82 KB, more (a 64K
// limit, which the frames alone fit in, is refused; colorization once counted the frames only),
// and its convolutions' workspaces and kept kernels about 100 MB whatever the frame size (an 8M
// limit, in which the frames and the activations fit, is refused: they were not counted before).
BOOST_AUTO_TEST_CASE(frames_too_large_for_the_memory_are_refused_with_7) {
    temp_dir d;
    send_tiny_package(d);
    tool_result r;
    std::ofstream(d / "out.y4m") << "an older output\n";
    for (const std::string& c :
         {"receive " + quote(d / "pkg") + " -o " + quote(d / "out.y4m"),
          "colorize " + quote(d / "pkg" / "gray.y4m") + " " + quote(d / "pkg" / "model.kcm") +
              " -o " + quote(d / "out.y4m")}) {
        for (const char* limit : {"64K", "8M"}) {
            r = run_tool(c + " --quiet",
                         std::string("export KEYCHROMA_MEMORY_LIMIT=") + limit + ";");
            BOOST_TEST(r.exit_code == 7, c << " in " << limit << ": " << r.err);
            BOOST_TEST(one_line(r.err), r.err);
            BOOST_TEST(r.err.find("16x16") != std::string::npos, r.err);
        }
        r = run_tool(c + " --quiet", "export KEYCHROMA_MEMORY_LIMIT=lots;");
        BOOST_TEST(r.exit_code == 6, c << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
    }
    std::ifstream older(d / "out.y4m");
    std::string line;
    std::getline(older, line);
    BOOST_TEST(line == "an older output");
    BOOST_TEST((entries(d.path()) == std::vector<std::string>{"colour.y4m", "out.y4m", "pkg"}));
    r = run_tool("receive " + quote(d / "pkg") + " -o " + quote(d / "out.y4m") + " --quiet",
                 "export KEYCHROMA_MEMORY_LIMIT=128M;");
    BOOST_TEST(r.exit_code == 0, r.err);
}

// Keyframes that need more memory than is available are refused with exit code 7 and one line
// before any is read (they are held at the frame size until training): each 256x144 keyframe
// needs 110,592 bytes, above a 64K limit (in which the 8 frames' histograms and points, 48 KiB,
// fit). No model is written.
BOOST_AUTO_TEST_CASE(keyframes_too_large_for_the_memory_are_refused_with_7) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 256, 144, 8, /*colour=*/true);
    auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                          " --steps 1 --quiet",
                      "export KEYCHROMA_MEMORY_LIMIT=64K;");
    BOOST_TEST(r.exit_code == 7, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("keyframes of 256x144") != std::string::npos, r.err);
    BOOST_TEST((entries(d.path()) == std::vector<std::string>{"colour.y4m"}));
    r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                     " --steps 1 --quiet",
                 "export KEYCHROMA_MEMORY_LIMIT=1M;");
    BOOST_TEST(r.exit_code == 0, r.err);
}

// A long video of tiny frames: a 2 KiB histogram and, for the reference `none` (the standard
// recipe's), 4 KiB of point per frame, whatever the frame's size -- 20,000 frames of 2x2 (a
// 360 KB file) need 41 MB of histograms and 82 MB of points. Each is checked against the memory
// available before it is allocated: exit code 7 and one line, no output; the paper's reference
// streams (8 bytes a frame) and runs in the same limit.
BOOST_AUTO_TEST_CASE(histograms_of_a_long_video_beyond_the_memory_are_refused_with_7) {
    temp_dir d;
    write_y4m_444(d / "long.y4m", 2, 2, 20000, /*colour=*/true);
    const auto keyframes = [&](const std::string& reference, const char* limit) {
        return run_tool("keyframes " + quote(d / "long.y4m") + " --out " + quote(d / "kf") +
                            " --reference " + reference + " --clustering shots --no-images --quiet",
                        std::string("export KEYCHROMA_MEMORY_LIMIT=") + limit + ";");
    };
    auto r = keyframes("none", "32M");
    BOOST_TEST(r.exit_code == 7, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("histograms of 20000 frames") != std::string::npos, r.err);
    r = keyframes("none", "64M"); // the histograms fit, their points do not
    BOOST_TEST(r.exit_code == 7, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("points of 20000 frames") != std::string::npos, r.err);
    BOOST_TEST(!fs::exists(d / "kf" / "keyframes.json"));
    r = keyframes("black", "32M");
    BOOST_TEST(r.exit_code == 0, r.err);
    r = keyframes("none", "160M");
    BOOST_TEST(r.exit_code == 0, r.err);

    r = run_tool("train " + quote(d / "long.y4m") + " -o " + quote(d / "m.kcm") +
                     " --steps 1 --quiet",
                 "export KEYCHROMA_MEMORY_LIMIT=32M;");
    BOOST_TEST(r.exit_code == 7, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(!fs::exists(d / "m.kcm"));
}

BOOST_AUTO_TEST_CASE(bad_models_are_model_errors_5) {
    trained t;
    // Not a model at all, and a model cut short.
    std::ofstream(t.d / "text.kcm") << "this is not a model\n";
    fs::copy_file(t.model, t.d / "short.kcm");
    fs::resize_file(t.d / "short.kcm", fs::file_size(t.model) / 2);
    for (const char* name : {"text.kcm", "short.kcm"}) {
        const auto r = run_tool("colorize " + quote(t.gray) + " " + quote(t.d / name) + " -o " +
                                quote(t.d / "out.y4m"));
        BOOST_TEST(r.exit_code == 5, name << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(!fs::exists(t.d / "out.y4m"));
    }
}

BOOST_AUTO_TEST_CASE(zero_frame_videos_are_format_errors_4) {
    trained t;
    const auto empty = t.d / "empty.y4m";
    write_y4m_no_frames(empty, 16, 16);
    const std::vector<std::string> commands{
        "colorize " + quote(empty) + " " + quote(t.model) + " -o " + quote(t.d / "o.y4m"),
        "train " + quote(empty) + " -o " + quote(t.d / "o.kcm"),
        "send " + quote(empty) + " -o " + quote(t.d / "o_pkg"),
        "paper " + quote(empty) + " --out " + quote(t.d / "o_paper")};
    for (const auto& c : commands) {
        const auto r = run_tool(c + " --quiet");
        BOOST_TEST(r.exit_code == 4, c << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
    }
    BOOST_TEST(!fs::exists(t.d / "o.y4m"));
    BOOST_TEST(!fs::exists(t.d / "o.kcm"));
    BOOST_TEST(!fs::exists(t.d / "o_pkg"));
    BOOST_TEST(!fs::exists(t.d / "o_paper" / "report.md"));
}

BOOST_AUTO_TEST_CASE(keyframes_from_a_file) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 16, 16, 6, true);
    std::ofstream(d / "keys.json") << R"({"keyframes": [5, 1]})";
    auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                      " --steps 1 --quiet --json --keyframes-from " + quote(d / "keys.json"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST((nlohmann::json::parse(r.out)["keyframes"].get<std::vector<int>>() ==
                std::vector<int>{1, 5}));

    // `keychroma keyframes` output is accepted as it is.
    r = run_tool("keyframes " + quote(d / "colour.y4m") + " -o " + quote(d / "kf") +
                 " --every 2 --no-images --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("send " + quote(d / "colour.y4m") + " -o " + quote(d / "pkg") +
                 " --steps 1 --quiet --json --keyframes-from " +
                 quote(d / "kf" / "keyframes.json"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(nlohmann::json::parse(r.out)["keyframes"]["method"].get<std::string>() == "given",
               r.out);

    // A frame past the end, a duplicate, not JSON, no such file.
    std::ofstream(d / "past.json") << R"({"keyframes": [2, 6]})";
    std::ofstream(d / "twice.json") << R"({"keyframes": [2, 2]})";
    std::ofstream(d / "text.json") << "frames 1 and 2";
    // numbers that are not frame numbers: out of size_t's range, fractional, negative
    std::ofstream(d / "huge.json") << R"({"keyframes": [1e20]})";
    std::ofstream(d / "half.json") << R"([2.5])";
    std::ofstream(d / "negative.json") << R"([-1, 2])";
    for (const auto& [file, code] :
         std::vector<std::pair<std::string, int>>{{"past.json", 4},
                                                  {"twice.json", 4},
                                                  {"text.json", 4},
                                                  {"none.json", 3},
                                                  {"huge.json", 4},
                                                  {"half.json", 4},
                                                  {"negative.json", 4}}) {
        r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "bad.kcm") +
                     " --steps 1 --quiet --keyframes-from " + quote(d / file));
        BOOST_TEST(r.exit_code == code, file << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(!fs::exists(d / "bad.kcm"));
    }
}

BOOST_AUTO_TEST_CASE(train_on_references) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 24, 16, 3, true);
    fs::create_directory(d / "refs");
    auto r = run_tool("convert " + quote(d / "colour.y4m") + " " + quote(d / "refs" / "%d.png"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("train --references " + quote(d / "refs") + " " + quote(d / "refs" / "1.png") +
                 " -o " + quote(d / "refs.kcm") + " --steps 2 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    BOOST_TEST(j["references"].size() == 4u, r.out); // the folder's 3, then 1.png again
    BOOST_TEST(j["updates"].get<int>() == 2, r.out);
    BOOST_TEST(fs::exists(d / "refs.kcm"));
    // Without --steps, references train reference_steps (250) steps: not run here, too slow.
    r = run_tool("colorize " + quote(d / "colour.y4m") + " " + quote(d / "refs.kcm") + " -o " +
                 quote(d / "out.y4m") + " --quiet");
    BOOST_TEST(r.exit_code == 0, r.err);

    // A gray picture is no reference: exit 4, naming it, and no model.
    fs::create_directory(d / "gray");
    r = run_tool("convert --gray " + quote(d / "colour.y4m") + " " + quote(d / "gray" / "%d.png"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("train --references " + quote(d / "refs") + " " + quote(d / "gray" / "2.png") +
                 " -o " + quote(d / "gray.kcm") + " --steps 2 --quiet");
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("2.png: has no colour") != std::string::npos, r.err);
    BOOST_TEST(!fs::exists(d / "gray.kcm"));
    // A video or references, not both, not neither: usage errors.
    r = run_tool("train " + quote(d / "colour.y4m") + " --references " + quote(d / "refs") +
                 " -o " + quote(d / "x.kcm"));
    BOOST_TEST(r.exit_code == 2, r.err);
    r = run_tool("train -o " + quote(d / "x.kcm"));
    BOOST_TEST(r.exit_code == 2, r.err);
    BOOST_TEST(r.err.find("--references") != std::string::npos, r.err);
    BOOST_TEST(!fs::exists(d / "x.kcm"));
}

BOOST_AUTO_TEST_CASE(send_never_replaces_a_users_directory) {
    // A folder holding a file named SHA256SUMS is not a package: send refuses it with exit 3
    // and one line, and every file in it stays (it used to be removed and replaced).
    trained t;
    const auto d = t.d / "d";
    fs::create_directory(d);
    std::ofstream(d / "thesis.tex") << "precious";
    std::ofstream(d / "SHA256SUMS");
    const auto r = run_tool("send " + quote(t.colour) + " -o " + quote(d) + " --steps 1 --quiet");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST((entries(d) == std::vector<std::string>{"SHA256SUMS", "thesis.tex"}));
    std::ifstream f(d / "thesis.tex");
    std::string text;
    f >> text;
    BOOST_TEST(text == "precious");
    // and nothing else appeared beside it (no temporary directory left)
    BOOST_TEST((entries(t.d.path()) ==
                std::vector<std::string>{"colour.y4m", "d", "gray.y4m", "model.kcm"}));
}

// An output may not be one of the run's inputs, nor another of its outputs: the run would
// succeed and replace the video, model or truth it reads with its result (convert IN IN did).
// Each is refused with exit code 6 before any work, whatever link names the file, and every
// file stays as it was.
BOOST_AUTO_TEST_CASE(an_output_never_replaces_an_input) {
    trained t;
    temp_dir p;
    send_tiny_package(p);
    fs::create_symlink(t.colour, t.d / "link.y4m");
    fs::create_hard_link(t.model, t.d / "hard.kcm");
    fs::create_directory(t.d / "refs");
    auto r = run_tool("convert " + quote(t.colour) + " " + quote(t.d / "refs" / "%d.png"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto snapshot = [](const fs::path& dir) {
        std::vector<std::pair<std::string, std::string>> files;
        for (const auto& e : fs::recursive_directory_iterator(dir))
            files.emplace_back(e.path().lexically_relative(dir),
                               e.is_regular_file() ? read_text(e.path()) : "");
        std::sort(files.begin(), files.end());
        return files;
    };
    const auto before = snapshot(t.d.path()), package_before = snapshot(p.path());

    const auto colour = quote(t.colour), gray = quote(t.gray), model = quote(t.model);
    const auto pkg = quote(p / "pkg");
    for (const auto& line : std::vector<std::string>{
             "convert " + colour + " " + colour,
             "convert " + colour + " " + quote(t.d / "link.y4m"), // the input through a link
             "convert " + quote(t.d / "link.y4m") + " " + colour,
             "convert " + quote(t.d / "refs" / "%d.png") + " " + quote(t.d / "refs" / "%d.png"),
             "convert " + gray + " " + colour + " --audio-from " + colour,
             "colorize " + gray + " " + model + " -o " + gray,
             "colorize " + gray + " " + model + " -o " + quote(t.d / "hard.kcm"), // a hard link
             "train " + colour + " -o " + colour + " --steps 1",
             "train " + colour + " -o " + quote(t.d / "new.kcm") + " --checkpoint " + colour +
                 " --steps 1",
             "train " + colour + " -o " + model + " --checkpoint " + model + " --steps 1",
             "train --references " + quote(t.d / "refs") + " -o " + quote(t.d / "refs" / "1.png") +
                 " --steps 1",
             "eval " + colour + " " + gray + " --csv " + colour,
             "eval " + colour + " " + gray + " --csv " + quote(t.d / "f.csv") + " --summary " +
                 quote(t.d / "f.csv"),
             "receive " + pkg + " -o " + quote(p / "pkg" / "gray.y4m"),
         }) {
        r = run_tool(line + " --quiet");
        BOOST_TEST(r.exit_code == 6, line << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(r.err.find(" would replace ") != std::string::npos, r.err);
    }
    // send's checkpoint: not the input, and not inside the package, which holds its own files
    // only (an earlier package with a checkpoint in it would be refused at the end, the
    // training lost)
    for (const auto& line : std::vector<std::string>{
             "send " + colour + " -o " + quote(p / "new_pkg") + " --checkpoint " + colour,
             "send " + colour + " -o " + pkg + " --checkpoint " + quote(p / "pkg" / "ck"),
             "send " + colour + " -o " + pkg + " --checkpoint " + quote(p / "pkg" / "sub" / "ck"),
         }) {
        r = run_tool(line + " --steps 1 --quiet");
        BOOST_TEST(r.exit_code == 6, line << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
    }
    BOOST_TEST((snapshot(t.d.path()) == before));
    BOOST_TEST((snapshot(p.path()) == package_before));
}

// A training whose loss stops being a number (a learning rate far too high) stops with exit 6
// and one line, and writes no model: it used to write one whose weights were not numbers, with
// exit code 0, and colorize then painted every pixel the same.
BOOST_AUTO_TEST_CASE(a_diverging_training_writes_no_model) {
    // (The paper recipe's epochs stop the same way: nn.test_training_policies. On these smooth
    // hand-made frames its network's last tanh saturates instead: a loss stuck near 1, finite.)
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 24, 16, 4, true);
    const auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                            " --learning-rate 1e30 --steps 20 --quiet");
    BOOST_TEST(r.exit_code == 6, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(r.err.find("training diverged") != std::string::npos, r.err);
    BOOST_TEST(!fs::exists(d / "m.kcm"));
}

BOOST_AUTO_TEST_CASE(full_disk_is_io_error_3_and_leaves_nothing) {
    trained t;
    const auto big = t.d / "big.y4m";
    write_y4m_444(big, 64, 64, 20, true); // colorized: 20 x 12 KB, more than the limit below
    fs::create_directory(t.d / "out");
    // dash counts `ulimit -f` in 512-byte blocks, bash in KiB: both well below the outputs.
    const std::string limit = "ulimit -f 100;";
    const std::vector<std::string> commands{
        "colorize " + quote(big) + " " + quote(t.model) + " -o " + quote(t.d / "out" / "o.y4m"),
        "train " + quote(t.colour) + " -o " + quote(t.d / "out" / "o.kcm") + " --steps 1",
        "send " + quote(big) + " -o " + quote(t.d / "out" / "pkg") + " --steps 1"};
    for (const auto& c : commands) {
        const auto r = run_tool(c + " --quiet", limit);
        BOOST_TEST(r.exit_code == 3, c << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(entries(t.d / "out").empty(), c);
    }
}

// paper writes fixed names (report.md, paper/frames.csv, ...) into --out DIR: a folder of the
// user's is refused before any work, untouched; what an interrupted run left (recipe folders of
// the recipe's package and outputs, a killed run's temporary) and an earlier run's report are
// written over.
BOOST_AUTO_TEST_CASE(paper_writes_its_report) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 24, 16, 6, true);
    const auto paper = [&](const fs::path& out, const std::string& options = "") {
        return run_tool("paper " + quote(d / "colour.y4m") + " --out " + quote(out) +
                        " --epochs 1 --steps 2 --quiet --json" + options);
    };
    fs::create_directories(d / "mine" / "paper");
    std::ofstream(d / "mine" / "report.md") << "the user's";
    std::ofstream(d / "mine" / "report.json") << R"({"title": "the user's"})";
    std::ofstream(d / "mine" / "paper" / "main.tex") << "the user's";
    // Output names alone do not make a folder paper's, even beside a package: without paper's
    // report.json it is no earlier run's (a run's outputs appear together, report.json with them).
    fs::create_directories(d / "csv" / "paper" / "package");
    std::ofstream(d / "csv" / "paper" / "frames.csv") << "the user's";
    std::ofstream(d / "csv" / "paper" / "package" / "manifest.json") << R"({"format": "mine"})";
    // A report.json that is not even an object (it once stopped paper with an internal error).
    fs::create_directories(d / "list");
    std::ofstream(d / "list" / "report.json") << "[1, 2]";
    std::ofstream(d / "list" / "report.md") << "the user's";
    for (const fs::path& mine : {d / "mine", d / "mine" / "paper", d / "csv", d / "list"}) {
        const auto refused = paper(mine);
        BOOST_TEST(refused.exit_code == 3, refused.err);
        BOOST_TEST(one_line(refused.err), refused.err);
    }
    BOOST_TEST(read_text(d / "csv" / "paper" / "frames.csv") == "the user's");
    BOOST_TEST(read_text(d / "list" / "report.md") == "the user's");
    BOOST_TEST(
        (entries(d / "mine") == std::vector<std::string>{"paper", "report.json", "report.md"}));
    BOOST_TEST((entries(d / "mine" / "paper") == std::vector<std::string>{"main.tex"}));
    BOOST_TEST(read_text(d / "mine" / "report.md") == "the user's");

    // All or nothing: stopped (SIGTERM) once the paper recipe's outputs are finished, while the
    // standard recipe trains, the run leaves nothing: no DIR, and no staged outputs.
    auto r = run_shell(tool_command() + " paper " + quote(d / "colour.y4m") + " --out " +
                       quote(d / "p") + " --epochs 1 --steps 100000 --quiet & pid=$!; " +
                       "for i in $(seq 1200); do ls " + quote(d.path()) +
                       "/.p.tmp-*/paper/per_frame.csv >/dev/null 2>&1 && break; sleep 0.05; " +
                       "done; kill -TERM $pid; wait $pid");
    BOOST_TEST(r.exit_code == 128 + 15, r.err);
    BOOST_TEST(
        (entries(d.path()) == std::vector<std::string>{"colour.y4m", "csv", "list", "mine"}));

    r = paper(d / "p", " --recipes paper");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    std::ofstream(d / "p" / "notes.txt") << "the user's";
    // An earlier run's recipe folder is replaced whole (here with a hidden temporary a killed
    // run of an older keychroma left in it); one holding a file of the user's refuses the run.
    std::ofstream(d / "p" / "paper" / "main.tex") << "the user's";
    const auto earlier_report = read_text(d / "p" / "report.json");
    r = paper(d / "p");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(read_text(d / "p" / "paper" / "main.tex") == "the user's");
    BOOST_TEST(read_text(d / "p" / "report.json") == earlier_report);
    BOOST_TEST(!fs::exists(d / "p" / "standard"));
    fs::remove(d / "p" / "paper" / "main.tex");
    // A hidden folder with a temporary's name is a killed run's only when it is a package's.
    fs::create_directory(d / "p" / "paper" / ".mine.tmp-1");
    std::ofstream(d / "p" / "paper" / ".mine.tmp-1" / "thesis.tex") << "the user's";
    r = paper(d / "p");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(read_text(d / "p" / "paper" / ".mine.tmp-1" / "thesis.tex") == "the user's");
    fs::remove_all(d / "p" / "paper" / ".mine.tmp-1");
    std::ofstream(d / "p" / "paper" / ".colorized.tmp-0123456789ab.y4m") << "killed";
    r = paper(d / "p");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(
        (entries(d / "p") == std::vector<std::string>{"notes.txt", "paper", "report.json",
                                                      "report.md", "sheet.png", "standard"}));
    BOOST_TEST((entries(d / "p" / "paper") ==
                std::vector<std::string>{"clusters.svg", "colorized.y4m", "frames.csv", "package",
                                         "per_frame.csv"}));
    BOOST_TEST(read_text(d / "p" / "notes.txt") == "the user's");
    const auto j = nlohmann::json::parse(r.out);
    // both recipes, side by side, each with its own outputs
    for (const char* f : {"report.md", "report.json", "sheet.png"})
        BOOST_TEST(fs::exists(d / "p" / f), f);
    for (const char* recipe : {"paper", "standard"}) {
        const auto& run = j["recipes"][recipe];
        BOOST_TEST(run["table3"]["frames"].get<int>() == 6, r.out);
        BOOST_TEST(run["settings"]["recipe"].get<std::string>() == recipe);
        for (const char* f : {"clusters.svg", "frames.csv", "per_frame.csv", "colorized.y4m",
                              "package/manifest.json"})
            BOOST_TEST(fs::exists(d / "p" / recipe / f), recipe << "/" << f);
        const auto i = info(d / "p" / recipe / "colorized.y4m");
        BOOST_TEST(i["frame_count"].get<int>() == 6);
    }
    BOOST_TEST(j["recipes"]["paper"]["table2"]["updates"].get<int>() == 1);    // --epochs 1
    BOOST_TEST(j["recipes"]["standard"]["table2"]["updates"].get<int>() == 2); // --steps 2
    const auto report = read_text(d / "p" / "report.md");
    BOOST_TEST(report.find("| paper |") != std::string::npos, report);
    BOOST_TEST(report.find("| standard |") != std::string::npos, report);
}

// paper --checkpoints DIR: each recipe's training writes DIR/RECIPE.checkpoint as it goes.
// Stopped while the standard recipe trains, the same command run again sends the models of an
// uninterrupted run without checkpoints, byte for byte: the paper recipe's finished training
// ends at once, the standard recipe's goes on from its checkpoint. A DIR that is --out or inside
// it (the next run would take the checkpoints for the user's files) is refused before any work.
BOOST_AUTO_TEST_CASE(paper_goes_on_from_its_checkpoints) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 24, 16, 6, true);
    const std::string paper = "paper " + quote(d / "colour.y4m") +
                              " --size 32x32 --epochs 2 --steps 40 --check-every 10 "
                              "--checkpoint-every 5 --seed 2 --threads 1 --quiet --out ";
    auto r = run_tool(paper + quote(d / "plain") + " --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto plain = nlohmann::json::parse(r.out);
    const auto out = d / "p", checkpoints = d / "ck";
    for (const fs::path& inside : {out, out / "ck"}) {
        r = run_tool(paper + quote(out) + " --checkpoints " + quote(inside));
        BOOST_TEST(r.exit_code == 6, r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(!fs::exists(out));
    }
    const std::string resumable = paper + quote(out) + " --checkpoints " + quote(checkpoints);
    r = run_shell(tool_command() + " " + resumable +
                  " & pid=$!; for i in $(seq 1200); do test -e " +
                  quote(checkpoints / "standard.checkpoint") +
                  " && break; sleep 0.05; done; kill -TERM $pid; wait $pid");
    BOOST_TEST_REQUIRE(r.exit_code == 128 + 15, r.err);
    BOOST_TEST(!fs::exists(out));
    BOOST_TEST((entries(checkpoints) ==
                std::vector<std::string>{"paper.checkpoint", "standard.checkpoint"}));
    r = run_tool(resumable + " --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto resumed = nlohmann::json::parse(r.out);
    for (const char* recipe : {"paper", "standard"}) {
        const auto& table2 = resumed["recipes"][recipe]["table2"];
        BOOST_TEST(table2["updates"] == plain["recipes"][recipe]["table2"]["updates"], recipe);
        BOOST_TEST(read_text(out / recipe / "package" / "model.kcm") ==
                       read_text(d / "plain" / recipe / "package" / "model.kcm"),
                   recipe);
        BOOST_TEST(read_text(out / recipe / "colorized.y4m") ==
                       read_text(d / "plain" / recipe / "colorized.y4m"),
                   recipe);
    }
    BOOST_TEST(resumed["recipes"]["paper"]["table2"]["resumed_from"].get<int>() == 2); // --epochs
    const int standard_from = resumed["recipes"]["standard"]["table2"]["resumed_from"].get<int>();
    BOOST_TEST((standard_from >= 5 && standard_from < 40), standard_from); // mid-training
    BOOST_TEST_MESSAGE("standard resumed after " << standard_from);
}

BOOST_AUTO_TEST_CASE(colorize_takes_the_models_settings) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 24, 16, 4, true);
    auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                      " --steps 2 --size 16x16 --fit letterbox --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    // no --size: the model's 16x16 (the 24x16 frames scaled to 16 wide; without the model's
    // settings they would run at their own 24x16, never enlarged to the default 256x256)
    r = run_tool("colorize " + quote(d / "colour.y4m") + " " + quote(d / "m.kcm") + " -o " +
                 quote(d / "a.y4m") + " --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    BOOST_TEST(j["network_size"][0].get<int>() == 16, r.out);
    BOOST_TEST(j["batch"].get<int>() == 8, r.out); // the default: the memory holds 8 such frames
    // the same settings repeated are accepted; contradicting ones refused with one line
    r = run_tool("colorize " + quote(d / "colour.y4m") + " " + quote(d / "m.kcm") + " -o " +
                 quote(d / "b.y4m") + " --size 16x16 --fit letterbox --quiet");
    BOOST_TEST(r.exit_code == 0, r.err);
    for (const char* option : {" --size 32x32", " --fit scale"}) {
        r = run_tool("colorize " + quote(d / "colour.y4m") + " " + quote(d / "m.kcm") + " -o " +
                     quote(d / "c.y4m") + option + " --quiet");
        BOOST_TEST(r.exit_code == 6, option << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(r.err.find("disagrees") != std::string::npos, r.err);
        BOOST_TEST(!fs::exists(d / "c.y4m"));
    }
}

BOOST_AUTO_TEST_CASE(colorize_upsamples_chroma_as_the_models_recipe_says) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 48, 32, 4, true); // three times the working size
    const auto colorize = [&](const std::string& model, const std::string& out,
                              const std::string& options) {
        const auto r = run_tool("colorize " + quote(d / "colour.y4m") + " " + quote(d / model) +
                                " -o " + quote(d / out) + options + " --quiet --json");
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        return nlohmann::json::parse(r.out)["chroma_upsampling"].get<std::string>();
    };
    auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "standard.kcm") +
                      " --steps 2 --size 16x16 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "paper.kcm") +
                 " --recipe paper --epochs 1 --size 16x16 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(colorize("standard.kcm", "guided.y4m", "") == "guided");
    BOOST_TEST(colorize("paper.kcm", "paper.y4m", "") == "bilinear");
    // --chroma-upsampling replaces the model's choice, which changes the picture
    BOOST_TEST(colorize("standard.kcm", "bilinear.y4m", " --chroma-upsampling bilinear") ==
               "bilinear");
    BOOST_TEST(colorize("paper.kcm", "paper-guided.y4m", " --chroma-upsampling guided") ==
               "guided");
    const std::string guided = read_text(d / "guided.y4m"),
                      bilinear = read_text(d / "bilinear.y4m");
    BOOST_TEST(guided.size() == bilinear.size());
    BOOST_TEST((guided != bilinear));
    r = run_tool("colorize " + quote(d / "colour.y4m") + " " + quote(d / "standard.kcm") + " -o " +
                 quote(d / "x.y4m") + " --chroma-upsampling bicubic --quiet");
    BOOST_TEST(r.exit_code == 6, r.err); // not one of the choices: an invalid option value
    BOOST_TEST(!fs::exists(d / "x.y4m"));
}

BOOST_AUTO_TEST_CASE(a_time_budget_ends_training) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 16, 16, 4, true);
    // a million steps planned, one second allowed: training stops on the budget, the model is
    // written, and the report says how many updates ran
    const auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                            " --steps 1000000 --train-seconds 1 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    BOOST_TEST(j["recipe"].get<std::string>() == "standard");
    BOOST_TEST(j["updates"].get<std::uint64_t>() >= 1u, r.out);
    BOOST_TEST(j["updates"].get<std::uint64_t>() < 1000000u, r.out);
    BOOST_TEST(fs::exists(d / "m.kcm"));
}

BOOST_AUTO_TEST_CASE(options_a_recipe_has_no_use_for_are_refused) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 16, 16, 4, true);
    const std::string train = "train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm");
    for (const char* options :
         {" --epochs 3", " --recipe paper --steps 3", " --recipe paper --train-seconds 5",
          " --recipe paper --held-out 2", " --recipe paper --patience 2",
          " --recipe paper --check-every 2", " --recipe paper --average 0.9",
          " --recipe paper --rate-cuts 1", " --recipe paper --min-improvement 0.01",
          " --min-improvement 1", " --recipe nonsense", " --average 1", " --held-out 257",
          " --backend thrust-host --split-invariant"}) {
        const auto r = run_tool(train + options + " --quiet");
        BOOST_TEST(r.exit_code == 6, options << ": " << r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(!fs::exists(d / "m.kcm"));
    }
}

BOOST_AUTO_TEST_CASE(training_checks_itself_on_held_out_frames) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 16, 16, 12, true);
    const auto r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(d / "m.kcm") +
                            " --held-out 3 --check-every 2 --patience 0 --steps 5 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    const auto keys = j["keyframes"].get<std::vector<std::size_t>>();
    const auto held = j["held_out"].get<std::vector<std::size_t>>();
    BOOST_TEST(held.size() == 3u, r.out);
    for (auto f : held) {
        BOOST_TEST(f < 12u);
        BOOST_TEST(!std::count(keys.begin(), keys.end(), f), "frame " << f);
    }
    // checks after steps 2 and 4 and the last; the weights kept are the best check's
    const std::vector<std::size_t> checked{2, 4, 5};
    BOOST_TEST((j["held_out_steps"].get<std::vector<std::size_t>>() == checked));
    const auto losses = j["held_out_losses"].get<std::vector<double>>();
    BOOST_TEST_REQUIRE(losses.size() == 3u);
    const auto best = std::min_element(losses.begin(), losses.end()) - losses.begin();
    BOOST_TEST(j["kept_update"].get<std::size_t>() == checked[std::size_t(best)]);
    BOOST_TEST(j["updates"].get<std::size_t>() == 5u);
}

// --checkpoint never overwrites what is not a checkpoint of the same training: a user's file,
// or the checkpoint of a training with another seed, is refused with exit code 3 and left
// byte for byte as it was, and no model is written. A finished run's checkpoint resumes to the
// same model at once; the paper recipe (epochs) checkpoints and resumes as well.
BOOST_AUTO_TEST_CASE(checkpoints_resume_only_their_own_training) {
    temp_dir d;
    write_y4m_444(d / "colour.y4m", 16, 16, 6, true);
    const auto ck = d / "ck.kcm", model = d / "m.kcm";
    const auto train = [&](const std::string& options) {
        return run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(model) +
                        " --checkpoint " + quote(ck) + options + " --quiet --json");
    };
    std::ofstream(ck) << "a user's file, not a checkpoint";
    auto r = train(" --steps 4");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(read_text(ck) == "a user's file, not a checkpoint");
    BOOST_TEST(!fs::exists(model));

    fs::remove(ck);
    r = train(" --steps 4 --checkpoint-every 2 --seed 1");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(nlohmann::json::parse(r.out)["resumed_from"].get<int>() == 0);
    const auto first_model = read_text(model), first_checkpoint = read_text(ck);
    fs::remove(model);
    // the same command again: the finished training's checkpoint gives the same model at once
    r = train(" --steps 4 --checkpoint-every 2 --seed 1");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out);
    BOOST_TEST(j["resumed_from"].get<int>() == 4);
    BOOST_TEST(j["updates"].get<int>() == 0);
    BOOST_TEST(read_text(model) == first_model);
    // another seed is another training
    fs::remove(model);
    r = train(" --steps 4 --checkpoint-every 2 --seed 2");
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(one_line(r.err), r.err);
    BOOST_TEST(read_text(ck) == first_checkpoint);
    BOOST_TEST(!fs::exists(model));
    // the model and the checkpoint cannot share a name
    r = run_tool("train " + quote(d / "colour.y4m") + " -o " + quote(ck) + " --checkpoint " +
                 quote(ck) + " --quiet");
    BOOST_TEST(r.exit_code == 6, r.err);
    BOOST_TEST(read_text(ck) == first_checkpoint);

    // the paper recipe: epochs
    const auto paper_ck = d / "paper_ck.kcm";
    const std::string paper = "train " + quote(d / "colour.y4m") + " -o " + quote(model) +
                              " --recipe paper --size 16x16 --epochs 3 --quiet --json";
    r = run_tool(paper);
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto paper_model = read_text(model);
    r = run_tool(paper + " --checkpoint " + quote(paper_ck));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(read_text(model) == paper_model);
    r = run_tool(paper + " --checkpoint " + quote(paper_ck));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(nlohmann::json::parse(r.out)["resumed_from"].get<int>() == 3);
    BOOST_TEST(read_text(model) == paper_model);
}
