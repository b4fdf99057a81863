// What a container holds besides the picture survives keychroma as a user runs it: `send`
// carries the sound in the package, `receive` and `colorize` lay it under the colour video (in
// sync, frame rate and length kept), `--no-audio` leaves it out; a video turned for display (a
// phone's portrait clip) stays turned. The clips are made by the ffmpeg command-line tool (a test
// pattern with a tone that starts half a second in), and the outputs are checked with ffprobe.
#define BOOST_TEST_MODULE cli_container
#include <boost/test/unit_test.hpp>

#ifdef KEYCHROMA_HAS_FFMPEG

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/ffmpeg_cli.hpp"
#include "support/run_tool.hpp"

using namespace keychroma::test;
namespace fs = std::filesystem;

namespace {

/// ffprobe's CSV lines for `entries` of the first stream of a type ("v" or "a") of `file`, each
/// line on its own: ffprobe prints an empty line after an entry with side data, which a scan
/// across lines would read the next line's numbers through.
std::vector<std::string> probe_lines(const fs::path& file, const std::string& stream,
                                     const std::string& entries) {
    const auto text = capture("ffprobe -v error -select_streams " + stream + ":0 -show_entries " +
                              entries + " -of csv=p=0 " + quote(file));
    std::vector<std::string> lines;
    for (std::size_t at = 0; at < text.size();) {
        const auto eol = std::min(text.find('\n', at), text.size());
        if (eol > at) lines.push_back(text.substr(at, eol - at));
        at = eol + 1;
    }
    return lines;
}

/// Where the first audio stream's sound starts and ends, in seconds, from its packets.
std::pair<double, double> audio_span(const fs::path& file) {
    double first = -1, end = -1;
    for (const auto& line : probe_lines(file, "a", "packet=pts_time,duration_time")) {
        double pts = 0, duration = 0;
        if (std::sscanf(line.c_str(), "%lf,%lf", &pts, &duration) == 2) {
            if (first < 0) first = pts;
            end = std::max(end, pts + duration);
        }
    }
    return {first, end};
}

/// A 2 s 32x32 clip at 10 frames/s whose AAC tone plays from 0.5 s to 2 s.
struct clip_with_sound {
    temp_dir d;
    fs::path clip = d / "clip.mp4";
    clip_with_sound() {
        const std::string cmd =
            "ffmpeg -v error -y -f lavfi -i testsrc=size=32x32:rate=10:duration=2 -itsoffset 0.5 "
            "-f lavfi -i sine=frequency=440:sample_rate=48000:duration=1.5 -c:v mpeg4 -q:v 3 "
            "-c:a aac -b:a 64k " +
            quote(clip);
        BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0, cmd);
        BOOST_TEST_REQUIRE(probe(clip, "a", "codec_name") == "aac");
    }
};

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
}

/// The video keeps its frames, rate and the source's sound, where the source has it.
void check_video_and_sound(const fs::path& out, const fs::path& source) {
    BOOST_TEST(probe(out, "v", "avg_frame_rate") == "10/1");
    BOOST_TEST(probe(out, "v", "nb_read_frames", "-count_frames") == "20");
    BOOST_TEST(probe(out, "a", "codec_name") == "aac");
    BOOST_TEST(probe(out, "a", "sample_rate") == "48000");
    const auto [start, end] = audio_span(out);
    const auto [source_start, source_end] = audio_span(source);
    // Packet times of the same AAC frames: equal up to the containers' time-base rounding.
    BOOST_TEST(std::abs(start - source_start) < 0.002, start << " s vs " << source_start << " s");
    BOOST_TEST(std::abs(end - source_end) < 0.002, end << " s vs " << source_end << " s");
    BOOST_TEST(std::abs(start - 0.5) < 0.05, "the tone starts at " << start << " s");
}

/// A setting of the x264 that wrote `file` ("subme", "ref", ...), read from the options line x264
/// stores in the stream itself (an SEI message: "... options: cabac=1 ref=3 ... subme=7 ..."),
/// or -1 when the file holds no such line.
int x264_setting(const fs::path& file, const std::string& name) {
    const auto bytes = read_text(file);
    const auto options = bytes.find("x264 - core");
    if (options == std::string::npos) return -1;
    const auto at = bytes.find(" " + name + "=", options);
    return at == std::string::npos ? -1 : std::atoi(bytes.c_str() + at + name.size() + 2);
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(ffmpeg_cli_required);

BOOST_AUTO_TEST_CASE(send_carries_the_sound_and_receive_restores_it) {
    clip_with_sound c;
    const auto pkg = c.d / "pkg";
    auto r = run_tool("send " + quote(c.clip) + " -o " + quote(pkg) + " --steps 1 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST((entries(pkg) == std::vector<std::string>{"SHA256SUMS", "audio.mka", "gray.y4m",
                                                         "manifest.json", "model.kcm"}));
    const auto manifest = nlohmann::json::parse(r.out);
    BOOST_TEST(manifest["files"].size() == 3u, r.out);
    BOOST_TEST(manifest["files"][2]["name"].get<std::string>() == "audio.mka");
    BOOST_TEST(manifest["files"][2]["bytes"].get<std::uintmax_t>() ==
               fs::file_size(pkg / "audio.mka"));
    // The package's sound is in the checksums: an altered audio.mka is refused.
    BOOST_TEST(read_text(pkg / "SHA256SUMS").find("  audio.mka\n") != std::string::npos);

    const auto out = c.d / "received.mp4";
    r = run_tool("receive " + quote(pkg) + " -o " + quote(out) + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    check_video_and_sound(out, c.clip);

    r = run_tool("receive " + quote(pkg) + " -o " + quote(c.d / "silent.mp4") +
                 " --no-audio --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(probe(c.d / "silent.mp4", "a", "codec_name").empty());
    BOOST_TEST(probe(c.d / "silent.mp4", "v", "nb_read_frames", "-count_frames") == "20");

    // Y4M has no sound: the same package received to Y4M works and is silent by nature.
    r = run_tool("receive " + quote(pkg) + " -o " + quote(c.d / "received.y4m") + " --quiet");
    BOOST_TEST(r.exit_code == 0, r.err);
}

// send --gray-codec: the gray video travels as FFV1 or H.264 in gray.mkv. Where the coding is
// lossless (FFV1, H.264 at CRF 0) the receiver gets the very L* codes the raw Y4M carries, so it
// delivers, bit for bit, what `colorize` of the L* Y4M with the package's model does.
BOOST_AUTO_TEST_CASE(gray_codecs_deliver_the_raw_picture_where_lossless) {
    clip_with_sound c;
    const auto gray = c.d / "gray.y4m";
    auto r = run_tool("convert --gray " + quote(c.clip) + " " + quote(gray) + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    struct coding {
        std::string codec, crf;
        bool lossless;
    };
    for (const auto& [codec, crf, lossless] :
         {coding{"ffv1", "18", true}, coding{"h264", "0", true}, coding{"h264", "40", false}}) {
        const std::string label = codec + " crf " + crf;
        const auto pkg = c.d / ("pkg_" + codec + crf);
        r = run_tool("send " + quote(c.clip) + " -o " + quote(pkg) + " --steps 1 --gray-codec " +
                     codec + " --crf " + crf + " --quiet --json");
        BOOST_TEST_REQUIRE(r.exit_code == 0, label << ": " << r.err);
        BOOST_TEST((entries(pkg) == std::vector<std::string>{"SHA256SUMS", "audio.mka", "gray.mkv",
                                                             "manifest.json", "model.kcm"}),
                   label);
        const auto manifest = nlohmann::json::parse(r.out);
        BOOST_TEST(manifest["video"]["gray_codec"].get<std::string>() == codec);
        BOOST_TEST(manifest["files"][0]["bytes"].get<std::uintmax_t>() ==
                   fs::file_size(pkg / "gray.mkv"));
        BOOST_TEST(manifest["bandwidth"]["gray_bytes"].get<std::uintmax_t>() ==
                   fs::file_size(pkg / "gray.mkv"));
        BOOST_TEST(probe(pkg / "gray.mkv", "v", "codec_name") == codec);

        const auto received = c.d / ("received_" + codec + crf + ".y4m");
        const auto local = c.d / ("local_" + codec + crf + ".y4m");
        r = run_tool("receive " + quote(pkg) + " -o " + quote(received));
        BOOST_TEST_REQUIRE(r.exit_code == 0, label << ": " << r.err);
        // the progress has its total, from the manifest: a Matroska video does not count frames
        const auto frames = std::to_string(manifest["video"]["frames"].get<std::uint64_t>());
        BOOST_TEST(r.err.find(frames + "/" + frames + " frames") != std::string::npos, r.err);
        r = run_tool("colorize " + quote(gray) + " " + quote(pkg / "model.kcm") + " -o " +
                     quote(local) + " --quiet");
        BOOST_TEST_REQUIRE(r.exit_code == 0, label << ": " << r.err);
        // A lossy coding changes the codes, and with them the picture.
        BOOST_TEST((read_text(received) == read_text(local)) == lossless, label);
    }
    r = run_tool("send " + quote(c.clip) + " -o " + quote(c.d / "x") + " --gray-codec vp9");
    BOOST_TEST(r.exit_code == 6, r.err); // an invalid option value
    BOOST_TEST(!fs::exists(c.d / "x"));
}

// eval --rd: every byte count is a file's real size (raw RGB: W x H x 3 x frames), every PSNR is
// what `eval` measures on the delivered file, a package row delivers what `receive` does, and
// the break-even lengths follow from the bytes.
BOOST_AUTO_TEST_CASE(rate_distortion_report_measures_real_files) {
    clip_with_sound c;
    const auto pkg = c.d / "pkg", rd = c.d / "rd";
    auto r = run_tool("send " + quote(c.clip) + " -o " + quote(pkg) + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    // "rd/", as a user types a directory: the report goes to rd, not into it
    r = run_tool("eval " + quote(c.clip) + " --rd " + quote(rd.string() + "/") + " --model " +
                 quote(pkg) + " --crfs 20,30 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto report = nlohmann::json::parse(r.out);
    BOOST_TEST(nlohmann::json::parse(read_text(rd / "rd.json")) == report);
    BOOST_TEST(fs::exists(rd / "rd.md"));
    BOOST_TEST(read_text(rd / "rd.svg").find("</svg>") != std::string::npos);
    const auto frames = report["frames"].get<std::uint64_t>();
    BOOST_TEST(frames == 20u);
    const auto& rows = report["rows"];
    // raw RGB, 4:2:0, FFV1, 2 CRFs; then 4 gray codings x 2 weight formats
    BOOST_TEST_REQUIRE(rows.size() == 5u + 8u);
    BOOST_TEST(rows[0]["bytes"].get<std::uint64_t>() == 32u * 32u * 3u * frames);
    const auto eval_pooled = [&](const fs::path& a, const fs::path& b) {
        const auto e = run_tool("eval " + quote(a) + " " + quote(b) + " --quiet --json");
        BOOST_TEST_REQUIRE(e.exit_code == 0, e.err);
        return nlohmann::json::parse(e.out)["all"]["psnr_pooled"];
    };
    for (const auto& row : rows) {
        const auto name = row["name"].get<std::string>();
        std::uintmax_t bytes = 0;
        for (const auto& f : row["files"]) bytes += fs::file_size(rd / f.get<std::string>());
        if (!row["files"].empty()) BOOST_TEST(row["bytes"].get<std::uintmax_t>() == bytes, name);
        if (row["package"].get<bool>()) {
            const auto model = rd / row["files"][1].get<std::string>();
            BOOST_TEST(row["once_bytes"].get<std::uintmax_t>() == fs::file_size(model), name);
            // The clip length at which once + n x gray < n x colour, from the bytes alone.
            const double gray = double(bytes - fs::file_size(model)) / double(frames);
            const double colour = double(rows[2]["bytes"].get<std::uint64_t>()) / double(frames);
            const auto& n = row["break_even_frames"][rows[2]["name"].get<std::string>()];
            if (colour > gray)
                BOOST_TEST(n.get<std::uint64_t>() ==
                               std::uint64_t(double(fs::file_size(model)) / (colour - gray)) + 1,
                           name);
            else
                BOOST_TEST(n.is_null(), name);
        }
        if (row["delivered"].get<std::string>().empty()) continue; // raw RGB: the original
        BOOST_TEST(eval_pooled(c.clip, rd / row["delivered"].get<std::string>()) ==
                       row["psnr_pooled"],
                   name);
    }
    // A lossless gray coding with the package's own (float32) model delivers what the receiver
    // does: the same frames.
    r = run_tool("receive " + quote(pkg) + " -o " + quote(c.d / "received.mkv") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    for (const char* lossless :
         {"delivered_gray_raw_float32.mkv", "delivered_gray_ffv1_float32.mkv"})
        BOOST_TEST(eval_pooled(c.d / "received.mkv", rd / lossless).is_null(), lossless); // inf

    // A folder of the user's is left alone (exit 3, before any work); an earlier report's is
    // replaced, the files of CRFs this run does not measure removed, the user's notes kept.
    fs::create_directory(c.d / "mine");
    std::ofstream(c.d / "mine" / "rd.md") << "the user's";
    r = run_tool("eval " + quote(c.clip) + " --rd " + quote(c.d / "mine") + " --model " +
                 quote(pkg / "model.kcm"));
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(read_text(c.d / "mine" / "rd.md") == "the user's");
    BOOST_TEST(std::distance(fs::directory_iterator(c.d / "mine"), fs::directory_iterator()) == 1);
    std::ofstream(rd / "notes.txt") << "notes";
    r = run_tool("eval " + quote(c.clip) + " --rd " + quote(rd) + " --model " +
                 quote(pkg / "model.kcm") + " --crfs 25 --quiet --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto again = nlohmann::json::parse(read_text(rd / "rd.json"));
    BOOST_TEST(again == nlohmann::json::parse(r.out));
    std::set<std::string> expected{"rd.json", "rd.md", "rd.svg", "notes.txt"}, in_rd;
    for (const auto& f : again["files"]) expected.insert(f.get<std::string>());
    for (const auto& e : fs::directory_iterator(rd)) in_rd.insert(e.path().filename().string());
    BOOST_TEST((in_rd == expected));
    BOOST_TEST(expected.count("colour_h264_crf25.mp4") == 1u);
    BOOST_TEST(in_rd.count("colour_h264_crf20.mp4") == 0u); // the first run's
    BOOST_TEST(again["rows"].size() == 4u + 6u); // raw RGB, 4:2:0, FFV1, CRF 25; 3 grays x 2
    r = run_tool("eval " + quote(c.clip) + " --rd " + quote(c.d / "rd2"));
    BOOST_TEST(r.exit_code == 2, r.err); // --rd needs --model
    r = run_tool("eval " + quote(c.clip));
    BOOST_TEST(r.exit_code == 2, r.err); // neither COLORIZED nor --rd
    BOOST_TEST(!fs::exists(c.d / "rd2"));
}

BOOST_AUTO_TEST_CASE(send_without_audio_sends_no_sound) {
    clip_with_sound c;
    const auto pkg = c.d / "pkg";
    auto r =
        run_tool("send " + quote(c.clip) + " -o " + quote(pkg) + " --steps 1 --no-audio --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST((entries(pkg) ==
                std::vector<std::string>{"SHA256SUMS", "gray.y4m", "manifest.json", "model.kcm"}));
    r = run_tool("receive " + quote(pkg) + " -o " + quote(c.d / "out.mp4") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(probe(c.d / "out.mp4", "a", "codec_name").empty());
}

BOOST_AUTO_TEST_CASE(an_altered_sound_track_is_refused) {
    clip_with_sound c;
    const auto pkg = c.d / "pkg";
    auto r = run_tool("send " + quote(c.clip) + " -o " + quote(pkg) + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    {
        std::fstream f(pkg / "audio.mka", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-10, std::ios::end);
        f.put('\x5a');
    }
    r = run_tool("receive " + quote(pkg) + " -o " + quote(c.d / "out.mp4"));
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("audio.mka") != std::string::npos, r.err);
    BOOST_TEST(!fs::exists(c.d / "out.mp4"));
}

BOOST_AUTO_TEST_CASE(colorize_keeps_the_gray_videos_sound) {
    clip_with_sound c;
    const auto model = c.d / "model.kcm";
    auto r = run_tool("train " + quote(c.clip) + " -o " + quote(model) + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    // The clip made gray by the ffmpeg CLI, its sound kept: what an archivist brings.
    const auto gray = c.d / "gray.mkv";
    const std::string cmd = "ffmpeg -v error -y -i " + quote(c.clip) +
                            " -vf format=gray -c:v ffv1 -c:a copy " + quote(gray);
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0, cmd);

    const auto out = c.d / "colour.mp4";
    r = run_tool("colorize " + quote(gray) + " " + quote(model) + " -o " + quote(out) + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    check_video_and_sound(out, c.clip);

    r = run_tool("colorize " + quote(gray) + " " + quote(model) + " -o " +
                 quote(c.d / "silent.mkv") + " --no-audio --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(probe(c.d / "silent.mkv", "a", "codec_name").empty());

    // A Y4M has no sound of its own: --audio-from names where it comes from.
    const auto gray_y4m = c.d / "gray.y4m";
    r = run_tool("convert --gray " + quote(c.clip) + " " + quote(gray_y4m));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("colorize " + quote(gray_y4m) + " " + quote(model) + " -o " +
                 quote(c.d / "y4m_silent.mp4") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(probe(c.d / "y4m_silent.mp4", "a", "codec_name").empty());
    r = run_tool("colorize " + quote(gray_y4m) + " " + quote(model) + " -o " +
                 quote(c.d / "y4m_sound.mp4") + " --audio-from " + quote(c.clip) + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    check_video_and_sound(c.d / "y4m_sound.mp4", c.clip);

    // Sound the container cannot hold, or sound that is not there: one clear line, no output.
    r = run_tool("colorize " + quote(gray) + " " + quote(model) + " -o " + quote(c.d / "out.webm"));
    BOOST_TEST(r.exit_code == 4, r.err);
    BOOST_TEST(r.err.find("aac") != std::string::npos, r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
    r = run_tool("colorize " + quote(gray) + " " + quote(model) + " -o " + quote(c.d / "out.mkv") +
                 " --audio-from " + quote(c.d / "missing.wav"));
    BOOST_TEST(r.exit_code == 3, r.err);
    BOOST_TEST(r.err.find("missing.wav") != std::string::npos, r.err);
    BOOST_TEST(!fs::exists(c.d / "out.webm"));
    BOOST_TEST(!fs::exists(c.d / "out.mkv"));
}

// --preset reaches the H.264 encoder of every command that writes a video a user watches:
// x264's own record of its settings in the stream shows each preset's subpel refinement
// (x264's preset table: ultrafast 0, superfast 1, faster 4, medium 7, veryslow 10). An output
// whose encoder has no presets refuses one in a line, before any file is written.
BOOST_AUTO_TEST_CASE(a_speed_preset_reaches_the_h264_encoder) {
    clip_with_sound c;
    const auto convert = [&](const std::string& out, const std::string& preset) {
        return run_tool("convert " + quote(c.clip) + " " + quote(c.d / out) +
                        (preset.empty() ? "" : " --preset " + preset));
    };
    for (const auto& [preset, subme] :
         std::vector<std::pair<std::string, int>>{{"ultrafast", 0}, {"", 7}, {"veryslow", 10}}) {
        const auto r = convert("preset.mp4", preset);
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        BOOST_TEST(x264_setting(c.d / "preset.mp4", "subme") == subme, preset);
    }

    const auto model = c.d / "model.kcm";
    auto r = run_tool("train " + quote(c.clip) + " -o " + quote(model) + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("colorize " + quote(c.clip) + " " + quote(model) + " -o " +
                 quote(c.d / "colour.mp4") + " --preset superfast --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(x264_setting(c.d / "colour.mp4", "subme") == 1);
    const auto pkg = c.d / "pkg";
    r = run_tool("send " + quote(c.clip) + " -o " + quote(pkg) +
                 " --gray-codec h264 --preset fast --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(x264_setting(pkg / "gray.mkv", "subme") == 6);
    r = run_tool("receive " + quote(pkg) + " -o " + quote(c.d / "received.mp4") +
                 " --preset faster --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(x264_setting(c.d / "received.mp4", "subme") == 4);
    // a preset for a gray coding that has none: refused before the training
    r = run_tool("send " + quote(c.clip) + " -o " + quote(c.d / "raw-pkg") +
                 " --preset fast --steps 1 --quiet");
    BOOST_TEST(r.exit_code == 6, r.err);
    BOOST_TEST(r.err.find("h264") != std::string::npos, r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
    BOOST_TEST(!fs::exists(c.d / "raw-pkg"));

    for (const auto& [out, named] : std::vector<std::pair<std::string, std::string>>{
             {"lossless.mkv", "ffv1"}, {"frames.y4m", "Y4M"}}) {
        r = convert(out, "fast");
        BOOST_TEST(r.exit_code == 6, r.err);
        BOOST_TEST(r.err.find(named) != std::string::npos, r.err);
        BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
        BOOST_TEST(!fs::exists(c.d / out));
    }
}

BOOST_AUTO_TEST_CASE(a_variable_frame_rate_keeps_its_frame_times) {
    // 3 s of 32x32 frames: 30 frames/s for the first second, then 10 (as a phone records when
    // the light falls), muxed as a variable rate
    temp_dir d;
    const auto clip = d / "vfr.mp4";
    const std::string cmd =
        "ffmpeg -v error -y -f lavfi -i testsrc=size=32x32:rate=30:duration=3 -vf "
        "\"setpts='if(lt(N,30),N/30,1+(N-30)/10)/TB'\" -fps_mode vfr -frames:v 50 -c:v mpeg4 "
        "-q:v 3 " +
        quote(clip);
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0, cmd);
    const auto frame_times = [](const fs::path& file) {
        std::vector<double> times;
        for (const auto& line : probe_lines(file, "v", "frame=pts_time")) {
            double t = 0;
            if (std::sscanf(line.c_str(), "%lf", &t) == 1) times.push_back(t);
        }
        return times;
    };
    const auto source = frame_times(clip);
    BOOST_TEST_REQUIRE(source.size() == 50u);
    BOOST_TEST_REQUIRE(std::abs(source[40] - source[0] - 2.0) < 0.01, source[40]); // 30 at 1/30 s

    const auto model = d / "model.kcm";
    auto r = run_tool("train " + quote(clip) + " -o " + quote(model) + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    for (const std::string out : {"colour.mp4", "colour.mkv"}) {
        r = run_tool("colorize " + quote(clip) + " " + quote(model) + " -o " + quote(d / out) +
                     " --quiet");
        BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
        const auto times = frame_times(d / out);
        BOOST_TEST_REQUIRE(times.size() == source.size(), out);
        for (std::size_t i = 0; i < times.size(); ++i) // each frame when the source shows it
            BOOST_TEST(std::abs((times[i] - times[0]) - (source[i] - source[0])) < 0.002,
                       out << " frame " << i << ": " << times[i] << " s, source " << source[i]);
    }
    r = run_tool("convert " + quote(clip) + " " + quote(d / "copy.mkv"));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto copied = frame_times(d / "copy.mkv");
    BOOST_TEST_REQUIRE(copied.size() == source.size());
    BOOST_TEST(std::abs((copied[45] - copied[0]) - (source[45] - source[0])) < 0.002);
    // Through a package whose gray video is a container: the receiver's frames keep them too.
    r = run_tool("send " + quote(clip) + " -o " + quote(d / "pkg") +
                 " --gray-codec ffv1 --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("receive " + quote(d / "pkg") + " -o " + quote(d / "received.mp4") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto received = frame_times(d / "received.mp4");
    BOOST_TEST_REQUIRE(received.size() == source.size());
    BOOST_TEST(std::abs((received[45] - received[0]) - (source[45] - source[0])) < 0.002,
               received[45] << " s, source " << source[45]);
}

BOOST_AUTO_TEST_CASE(a_video_turned_for_display_stays_turned) {
    clip_with_sound c;
    const auto turned = c.d / "turned.mp4";
    const std::string cmd = "ffmpeg -v error -y -i " + quote(c.clip) +
                            " -c copy -metadata:s:v:0 rotate=90 " + quote(turned);
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0, cmd);
    const auto rotation = [](const fs::path& file) {
        return capture("ffprobe -v error -select_streams v:0 -show_entries "
                       "stream_side_data=rotation -of default=nw=1:nk=1 " +
                       quote(file));
    };
    const std::string turned_by = rotation(turned);
    BOOST_TEST_REQUIRE((turned_by == "90" || turned_by == "-90"), turned_by);
    BOOST_TEST(rotation(c.clip).empty());

    auto r = run_tool("info --json " + quote(turned));
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const int degrees = nlohmann::json::parse(r.out)["rotation"].get<int>();
    BOOST_TEST((degrees == 90 || degrees == 270), degrees);

    const auto model = c.d / "model.kcm";
    r = run_tool("train " + quote(turned) + " -o " + quote(model) + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("colorize " + quote(turned) + " " + quote(model) + " -o " +
                 quote(c.d / "colour.mp4") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(rotation(c.d / "colour.mp4") == turned_by);
    // Through a package: the manifest records it, the receiver's video has it.
    r = run_tool("send " + quote(turned) + " -o " + quote(c.d / "pkg") + " --steps 1 --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("receive " + quote(c.d / "pkg") + " -o " + quote(c.d / "received.mp4") +
                 " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(rotation(c.d / "received.mp4") == turned_by);
    // The frames themselves are stored as they were: 32x32 either way.
    BOOST_TEST(probe(c.d / "received.mp4", "v", "width") == "32");
    // A clip that is not turned gives a video that is not.
    r = run_tool("colorize " + quote(c.clip) + " " + quote(model) + " -o " +
                 quote(c.d / "plain.mp4") + " --quiet");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    BOOST_TEST(rotation(c.d / "plain.mp4").empty());
}

#else // built without FFmpeg

#include "support/skip.hpp"

KEYCHROMA_TEST_SKIP_PROGRAM("built without FFmpeg (KEYCHROMA_WITH_FFMPEG=OFF)")

#endif
