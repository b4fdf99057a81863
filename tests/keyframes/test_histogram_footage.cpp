#define BOOST_TEST_MODULE keyframes_histogram_footage
#include <boost/test/unit_test.hpp>

// Histograms and distances against OpenCV's calcHist / compareHist and numpy / scipy formulas
// on real photos and video frames (tests/data/make_keyframes_reference.py).

#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "keychroma/keyframes.hpp"
#include "support/footage.hpp"

using keychroma::test::footage_required;
BOOST_TEST_GLOBAL_FIXTURE(footage_required);

using namespace keychroma;
using namespace keychroma::keyframes;
using keychroma::test::footage;
using keychroma::test::test_data;

namespace {

nlohmann::json reference() {
    std::ifstream in(test_data("keyframes_histograms.json"));
    BOOST_REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

/// The pixels the Python script saw: a PNG, or frame #i of an ffmpeg rgb24 dump.
rgb8_image load(const std::string& name, std::size_t h, std::size_t w) {
    rgb8_image img = rgb8_image::from_shape({h, w, std::size_t{3}});
    const auto hash = name.find('#');
    if (hash == std::string::npos) {
        int x = 0, y = 0, c = 0;
        unsigned char* p = stbi_load(footage(name).c_str(), &x, &y, &c, 3);
        BOOST_REQUIRE(p != nullptr);
        BOOST_REQUIRE_EQUAL(std::size_t(x), w);
        BOOST_REQUIRE_EQUAL(std::size_t(y), h);
        std::copy(p, p + w * h * 3, img.data());
        stbi_image_free(p);
    } else {
        const auto index = std::stoul(name.substr(hash + 1));
        std::ifstream in(footage(name.substr(0, hash)), std::ios::binary);
        in.seekg(static_cast<std::streamoff>(index * w * h * 3));
        in.read(reinterpret_cast<char*>(img.data()), static_cast<std::streamsize>(w * h * 3));
        BOOST_REQUIRE(in.good());
    }
    return img;
}

std::vector<double> as_double(const std::vector<std::uint32_t>& h) {
    return {h.begin(), h.end()};
}

void check_close(double got, double want, double rel, const std::string& what) {
    BOOST_TEST_INFO(what << ": got " << got << " want " << want);
    BOOST_TEST(std::fabs(got - want) <= rel * std::max(1.0, std::fabs(want)));
}

void check_distances(const std::vector<double>& a, const std::vector<double>& b,
                     const nlohmann::json& want, const std::string& what) {
    std::span<const double> sa(a), sb(b);
    check_close(hellinger{}(sa, sb), want["hellinger"], 1e-12, what + " hellinger");
    check_close(hellinger{}(sa, sb), want["bhattacharyya"], 1e-12, what + " bhattacharyya");
    check_close(chi_square{}(sa, sb), want["chi_square"], 1e-12, what + " chi_square");
    check_close(chi_square_alt{}(sa, sb), want["chi_square_alt"], 1e-12, what + " chi_square_alt");
    check_close(intersection{}(sa, sb), want["intersection_distance"], 1e-12,
                what + " intersection");
    check_close(bhattacharyya_coefficient{}(sa, sb), want["bhattacharyya_coefficient"], 1e-12,
                what + " bhattacharyya_coefficient");
    check_close(l1{}(sa, sb), want["l1"], 1e-12, what + " l1");
    check_close(l2{}(sa, sb), want["l2"], 1e-12, what + " l2");
    check_close(jensen_shannon{}(sa, sb), want["jensen_shannon"], 1e-12, what + " jensen_shannon");
    // OpenCV's un-normalised intersection, for equal pixel counts.
    double sum = 0;
    for (double v : a) sum += v;
    double other = 0;
    for (double v : b) other += v;
    if (sum == other)
        check_close(1.0 - intersection{}(sa, sb), double(want["intersect"]) / sum, 1e-12,
                    what + " intersect");
}

} // namespace

BOOST_AUTO_TEST_CASE(histograms_equal_opencv_calchist) {
    const auto ref = reference();
    for (const auto& img : ref["images"]) {
        const std::string name = img["name"];
        const auto pixels = load(name, img["height"], img["width"]);
        const auto h = histogram_of<rgb_uniform<8>>(pixels);
        const std::vector<std::uint32_t> want = img["histogram"].get<std::vector<std::uint32_t>>();
        BOOST_TEST_INFO(name);
        BOOST_TEST(h == want, boost::test_tools::per_element());
    }
}

BOOST_AUTO_TEST_CASE(distances_equal_opencv_compare_hist_and_scipy) {
    const auto ref = reference();
    std::map<std::string, std::vector<double>> hists;
    for (const auto& img : ref["images"]) {
        const std::string name = img["name"];
        const auto pixels = load(name, img["height"], img["width"]);
        hists[name] = as_double(histogram_of<rgb_uniform<8>>(pixels));
        std::vector<double> black(512, 0.0);
        black[0] = double(img["height"]) * double(img["width"]);
        check_distances(hists[name], black, img["vs_black"], name + " vs black");
    }
    for (const auto& pair : ref["pairs"])
        check_distances(hists.at(pair["a"]), hists.at(pair["b"]), pair["distances"],
                        std::string(pair["a"]) + " vs " + std::string(pair["b"]));
}

BOOST_AUTO_TEST_CASE(black_reference_is_closed_form_of_near_black_share) {
    const auto ref = reference();
    for (const auto& img : ref["images"]) {
        const std::string name = img["name"];
        const auto pixels = load(name, img["height"], img["width"]);
        // p0 counted naively here, and by OpenCV in the script.
        std::size_t dark = 0;
        const std::size_t n = pixels.shape()[0] * pixels.shape()[1];
        for (std::size_t i = 0; i < n; ++i)
            dark += pixels.data()[3 * i] < 32 && pixels.data()[3 * i + 1] < 32 &&
                    pixels.data()[3 * i + 2] < 32;
        const double p0 = double(dark) / double(n);
        check_close(p0, img["p0"], 1e-15, name + " p0");
        histogram_table t(512);
        t.add(rgb_uniform<8>{}, pixels);
        const auto f =
            black_reference{}.features(rgb_uniform<8>{}, t, scaled<hellinger>{.factor = 10000});
        check_close(f.distance[0], 10000.0 * std::sqrt(1.0 - std::sqrt(p0)), 1e-12,
                    name + " closed form");
        check_close(f.points(0, 0), 10000.0 * double(img["vs_black"]["hellinger"]), 1e-12,
                    name + " scaled hellinger");
    }
}
