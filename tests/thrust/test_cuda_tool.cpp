// keychroma-cuda (examples/CMakeLists.txt: the tool's network subcommands compiled by nvcc):
// it lists the cuda backend with its device or the reason there is none; without a device
// `--backend cuda` is one line and exit code 6 (docs/cli.md), with one it trains and the model
// colorizes on the CPU; the CPU backend works in this build as in `keychroma`.
#define BOOST_TEST_MODULE cuda_tool
#include <boost/test/unit_test.hpp>

#include <string>

#include <nlohmann/json.hpp>

#include "support/handmade_y4m.hpp"
#include "support/run_tool.hpp"

using namespace keychroma::test;

namespace {

/// The "where" of the cuda backend in `info --backends --json`.
std::string cuda_where() {
    const auto r = run_tool("info --backends --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto j = nlohmann::json::parse(r.out); // (a range-for over parse(...)["x"] dangles)
    for (const auto& b : j["backends"])
        if (b["name"] == "cuda") return b["where"].get<std::string>();
    BOOST_FAIL("keychroma-cuda does not list the cuda backend: " + r.out);
    return {};
}

bool has_device(const std::string& where) {
    return where.rfind("no CUDA device", 0) != 0 && where.rfind("no usable", 0) != 0;
}

} // namespace

BOOST_AUTO_TEST_CASE(lists_cpu_thrust_host_and_cuda) {
    const auto r = run_tool("info --backends --json");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    std::string names;
    const auto j = nlohmann::json::parse(r.out);
    for (const auto& b : j["backends"]) names += b["name"].get<std::string>() + " ";
    BOOST_TEST(names == "cpu thrust-host cuda ");
    BOOST_TEST(!cuda_where().empty());
}

BOOST_AUTO_TEST_CASE(cuda_backend_trains_or_is_refused_with_the_reason) {
    temp_dir d;
    write_y4m_444(d / "clip.y4m", 16, 16, 4, /*colour=*/true);
    const auto where = cuda_where();
    const auto r = run_tool("train " + quote(d / "clip.y4m") + " -o " + quote(d / "m.kcm") +
                            " --recipe paper --epochs 1 --quiet --backend cuda");
    if (!has_device(where)) {
        BOOST_TEST_MESSAGE("no CUDA device here: " << where);
        BOOST_TEST(r.exit_code == 6, r.err);
        BOOST_TEST(one_line(r.err), r.err);
        BOOST_TEST(r.err.find(where) != std::string::npos, r.err);
        BOOST_TEST(!std::filesystem::exists(d / "m.kcm"));
        return;
    }
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    const auto c = run_tool("colorize " + quote(d / "clip.y4m") + " " + quote(d / "m.kcm") +
                            " -o " + quote(d / "out.y4m") + " --quiet --backend cpu");
    BOOST_TEST(c.exit_code == 0, c.err);
}

BOOST_AUTO_TEST_CASE(cpu_backend_runs_in_the_nvcc_build) {
    temp_dir d;
    write_y4m_444(d / "clip.y4m", 16, 16, 4, /*colour=*/true);
    auto r = run_tool("train " + quote(d / "clip.y4m") + " -o " + quote(d / "m.kcm") +
                      " --recipe paper --epochs 1 --quiet --backend cpu");
    BOOST_TEST_REQUIRE(r.exit_code == 0, r.err);
    r = run_tool("colorize " + quote(d / "clip.y4m") + " " + quote(d / "m.kcm") + " -o " +
                 quote(d / "out.y4m") + " --quiet --backend thrust-host");
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(std::filesystem::exists(d / "out.y4m"));
}
