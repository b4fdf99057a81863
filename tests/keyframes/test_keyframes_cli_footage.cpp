#define BOOST_TEST_MODULE keyframes_cli_footage
#include <boost/test/unit_test.hpp>

// `keychroma keyframes` end to end on a real clip: its files agree with the library's paper
// extractor run in-process, and bad input gives one-line errors with distinct exit codes.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "keychroma/io/y4m.hpp"
#include "keychroma/keyframes.hpp"
#include "keychroma/paper.hpp"
#include "keychroma/recipes/standard.hpp"
#include "keychroma/report/keyframe_files.hpp"
#include "support/footage.hpp"
#include "support/temp_dir.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

using namespace keychroma;

namespace {

std::string tool() {
    const char* t = std::getenv("KEYCHROMA_TOOL");
    return t ? t : "";
}

/// Runs the tool with a shell command line, stdout to `log`, stderr to `log`.err; returns its
/// exit status.
int run(const std::string& args, const std::filesystem::path& log) {
    const std::string cmd =
        "'" + tool() + "' " + args + " > '" + log.string() + "' 2> '" + log.string() + ".err'";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct tool_present {
    tool_present() {
        keychroma::test::temp_dir d;
        if (tool().empty())
            keychroma::test::skip_program("the keychroma tool is not built "
                                          "(KEYCHROMA_BUILD_EXAMPLES=OFF)");
        // built, it must have the subcommand: a failure here is the tool's, not a skip
        BOOST_TEST_REQUIRE(run("keyframes --help", d / "help.txt") == 0);
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(cli_outputs_equal_library_paper_extractor) {
    const auto clip = keychroma::test::footage("cockatoo_256.y4m");
    tool_present check;
    keychroma::test::temp_dir dir;
    BOOST_TEST_REQUIRE(
        run("keyframes '" + clip.string() + "' --out '" + (dir / "out").string() + "' --json",
            dir / "stdout.txt") == 0);
    io::y4m_reader source(clip);
    const auto lib = paper::keyframe_extractor{}(source);

    // frames.csv
    std::ifstream csv(dir / "out" / "frames.csv");
    std::string line;
    std::getline(csv, line);
    BOOST_TEST(line == "frame,distance,cluster,is_keyframe");
    std::size_t n = 0;
    while (std::getline(csv, line)) {
        std::size_t frame = 0, cluster = 0;
        double distance = 0;
        int key = 0;
        BOOST_TEST_REQUIRE(
            std::sscanf(line.c_str(), "%zu,%lf,%zu,%d", &frame, &distance, &cluster, &key) == 4);
        BOOST_TEST(frame == n);
        BOOST_TEST(distance == lib.features.distance[n]); // 17 digits: exact round trip
        BOOST_TEST(cluster == lib.clusters.labels[n]);
        BOOST_TEST(key == (lib.is_keyframe(n) ? 1 : 0));
        ++n;
    }
    BOOST_TEST(n == 280u);

    // keyframes.json (also printed on stdout with --json)
    const auto j = nlohmann::json::parse(slurp(dir / "out" / "keyframes.json"));
    BOOST_TEST(nlohmann::json::parse(slurp(dir / "stdout.txt")) == j);
    BOOST_TEST(j["configuration"]["paper"] == true);
    BOOST_TEST(j["frames"] == 280);
    BOOST_TEST(double(j["bandwidth"]) == lib.clusters.bandwidth);
    BOOST_TEST(j["keyframes"].get<std::vector<std::size_t>>() == lib.keyframes,
               boost::test_tools::per_element());
    BOOST_TEST(j["clusters"].size() == lib.clusters.cluster_count());

    // PNGs equal the decoded frames
    io::y4m_reader again(clip);
    rgb8_image frame;
    std::size_t i = 0, next = 0;
    while (again.next(frame) && next < lib.keyframes.size()) {
        if (i == lib.keyframes[next]) {
            const auto png = dir / "out" / report::keyframe_file_name(i);
            int w = 0, h = 0, c = 0;
            unsigned char* p = stbi_load(png.c_str(), &w, &h, &c, 3);
            BOOST_TEST_REQUIRE(p != nullptr);
            BOOST_TEST(std::equal(p, p + w * h * 3, frame.data()));
            stbi_image_free(p);
            ++next;
        }
        ++i;
    }
    BOOST_TEST(next == lib.keyframes.size());

    // the plot
    const auto svg = slurp(dir / "out" / "clusters.svg");
    BOOST_TEST(svg.find("<svg") != std::string::npos);
    BOOST_TEST(svg.find("keyframe (" + std::to_string(lib.keyframes.size()) + ")") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(cli_other_policies_and_errors) {
    const auto clip = keychroma::test::footage("cockatoo_256.y4m");
    tool_present check;
    keychroma::test::temp_dir dir;
    BOOST_TEST(
        run("keyframes '" + clip.string() + "' --out '" + (dir / "b").string() +
                "' --binning hsv --reference mean --distance jensen-shannon --clustering kmeans "
                "--clusters 3 --budget 5 --no-images --json",
            dir / "b.txt") == 0);
    const auto j = nlohmann::json::parse(slurp(dir / "b" / "keyframes.json"));
    BOOST_TEST(j["clusters"].size() == 3u);
    BOOST_TEST(j["keyframes"].size() == 5u);
    BOOST_TEST(j["configuration"]["paper"] == false);

    // the colour budget over shots; --budget counts a budget's keyframes, no other selection's
    BOOST_TEST(run("keyframes '" + clip.string() + "' --out '" + (dir / "cb").string() +
                       "' --reference none --clustering shots --selection colour-budget "
                       "--budget 4 --no-images --json",
                   dir / "cb.txt") == 0);
    const auto jc = nlohmann::json::parse(slurp(dir / "cb" / "keyframes.json"));
    BOOST_TEST(jc["keyframes"].size() == 4u);
    BOOST_TEST(jc["configuration"]["selection"] == "colour-budget(4)");
    BOOST_TEST(run("keyframes '" + clip.string() + "' --out '" + (dir / "eb").string() +
                       "' --selection every --budget 4 --no-images",
                   dir / "eb.txt") == 6);
    BOOST_TEST(!std::filesystem::exists(dir / "eb"));

    // the standard recipe's extraction, spelt as options (docs/keyframes.md): one keyframe per
    // 10 of the 280 frames (28), the same frames the recipe's extractor picks in the library
    BOOST_TEST(run("keyframes '" + clip.string() + "' --out '" + (dir / "st").string() +
                       "' --reference none --clustering shots --selection colour-budget "
                       "--frames-per-keyframe 10 --colour-power 0.25 --no-images --json",
                   dir / "st.txt") == 0);
    const auto jst = nlohmann::json::parse(slurp(dir / "st" / "keyframes.json"));
    io::y4m_reader source(clip);
    const auto recipe = recipes::standard::keyframe_extractor{}(source);
    BOOST_TEST(recipe.keyframes.size() == 28u);
    BOOST_TEST(jst["keyframes"].get<std::vector<std::size_t>>() == recipe.keyframes,
               boost::test_tools::per_element());
    BOOST_TEST(jst["configuration"]["extractor"] ==
               recipes::standard::keyframe_extractor{}.description());
    BOOST_TEST(run("keyframes '" + clip.string() + "' --out '" + (dir / "ef").string() +
                       "' --selection every --frames-per-keyframe 10 --no-images",
                   dir / "ef.txt") == 6);
    BOOST_TEST(!std::filesystem::exists(dir / "ef"));
    BOOST_TEST(run("keyframes '" + clip.string() + "' --out '" + (dir / "ep").string() +
                       "' --selection budget --budget 4 --colour-power 1 --no-images",
                   dir / "ep.txt") == 6);
    BOOST_TEST(!std::filesystem::exists(dir / "ep"));

    // keyframes at a working size
    BOOST_TEST(run("keyframes '" + clip.string() + "' --out '" + (dir / "s").string() +
                       "' --every 100 --keyframe-size 64x32 -q",
                   dir / "s.txt") == 0);
    const auto js = nlohmann::json::parse(slurp(dir / "s" / "keyframes.json"));
    BOOST_TEST_REQUIRE(js["keyframe_files"].size() >= 1u);
    int w = 0, h = 0, c = 0;
    unsigned char* p =
        stbi_load((dir / "s" / std::string(js["keyframe_files"][0])).c_str(), &w, &h, &c, 3);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(w == 64);
    BOOST_TEST(h == 32);
    stbi_image_free(p);

    // missing input: io_error (3); unknown policy: an invalid value (6); empty video:
    // format_error (4)
    BOOST_TEST(run("keyframes /nonexistent/x.y4m --out '" + (dir / "c").string() + "'",
                   dir / "c.txt") == 3);
    BOOST_TEST(!std::filesystem::exists(dir / "c"));
    BOOST_TEST(
        run("keyframes '" + clip.string() + "' --out '" + (dir / "d").string() + "' --binning nope",
            dir / "d.txt") == 6);
    {
        std::ofstream empty(dir / "empty.y4m", std::ios::binary);
        empty << "YUV4MPEG2 W16 H16 F25:1 Ip A1:1 C444\n";
    }
    BOOST_TEST(run("keyframes '" + (dir / "empty.y4m").string() + "' --out '" +
                       (dir / "e").string() + "' -q",
                   dir / "e.txt") == 4);
    const auto msg = slurp(dir / "e.txt.err");
    BOOST_TEST(msg.find("no frames") != std::string::npos);
    BOOST_TEST(std::count(msg.begin(), msg.end(), '\n') == 1); // one line
    BOOST_TEST(!std::filesystem::exists(dir / "e")); // nor the directory (directory_output)
}
