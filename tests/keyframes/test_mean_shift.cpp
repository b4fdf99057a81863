#define BOOST_TEST_MODULE keyframes_mean_shift
#include <boost/test/unit_test.hpp>

// Bandwidth estimation and mean shift against scikit-learn (estimate_bandwidth, MeanShift with
// both bin_seeding values) on the fixed data sets of tests/data/keyframes_meanshift.json, and the
// 1-D fast path against the general N-D path.

#include <cmath>
#include <fstream>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "keychroma/keyframes.hpp"
#include "support/test_data.hpp"

using namespace keychroma;
using namespace keychroma::keyframes;

namespace {

nlohmann::json reference() {
    std::ifstream in(keychroma::test::test_data("keyframes_meanshift.json"));
    BOOST_REQUIRE(in.good());
    return nlohmann::json::parse(in);
}

point_matrix to_points(const std::vector<double>& flat, std::size_t dims) {
    point_matrix p = point_matrix::from_shape({flat.size() / dims, dims});
    std::copy(flat.begin(), flat.end(), p.data());
    return p;
}

bool close(double a, double b, double rel) {
    return std::fabs(a - b) <= rel * std::max(1.0, std::max(std::fabs(a), std::fabs(b)));
}

template <class MS>
void check_run(const MS& ms, const point_matrix& x, const nlohmann::json& run,
               const std::string& what) {
    const auto r = ms.cluster(x);
    const auto want_centres = run["centres"].get<std::vector<double>>();
    const auto want_labels = run["labels"].get<std::vector<std::size_t>>();
    const std::size_t dims = x.shape()[1];
    BOOST_TEST_INFO(what);
    BOOST_TEST_REQUIRE(r.cluster_count() == want_centres.size() / dims);
    for (std::size_t i = 0; i < want_centres.size(); ++i) {
        BOOST_TEST_INFO(what << " centre value " << i << ": " << r.centres.data()[i] << " vs "
                             << want_centres[i]);
        BOOST_TEST(close(r.centres.data()[i], want_centres[i], 1e-12));
    }
    BOOST_TEST_INFO(what);
    BOOST_TEST(r.labels == want_labels, boost::test_tools::per_element());
    BOOST_TEST(close(r.bandwidth, run["bandwidth"], 1e-9));
}

void same_clustering(const clustering_result& a, const clustering_result& b,
                     const std::string& what) {
    BOOST_TEST_INFO(what);
    BOOST_TEST_REQUIRE(a.cluster_count() == b.cluster_count());
    BOOST_TEST_INFO(what);
    BOOST_TEST(a.labels == b.labels, boost::test_tools::per_element());
    for (std::size_t i = 0; i < a.centres.size(); ++i) {
        BOOST_TEST_INFO(what << " centre " << i);
        BOOST_TEST(close(a.centres.data()[i], b.centres.data()[i], 1e-12));
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(bandwidth_equals_scikit_learn) {
    const auto ref = reference();
    for (const auto& set : ref["sets"]) {
        const auto x = to_points(set["points"].get<std::vector<double>>(), set["dims"]);
        const std::string name = set["name"];
        BOOST_TEST_INFO(name << " q=0.3");
        BOOST_TEST(close(estimate_bandwidth(x, 0.3), set["bandwidth_q03"], 1e-9));
        BOOST_TEST_INFO(name << " q=0.1");
        BOOST_TEST(close(estimate_bandwidth(x, 0.1), set["bandwidth_q01"], 1e-9));
    }
}

BOOST_AUTO_TEST_CASE(mean_shift_equals_scikit_learn) {
    std::size_t runs = 0;
    const auto ref = reference();
    for (const auto& set : ref["sets"]) {
        const auto x = to_points(set["points"].get<std::vector<double>>(), set["dims"]);
        for (const auto& run : set["runs"]) {
            const bool estimated = run["bandwidth_source"] == "estimated";
            const double bw = estimated ? 0.0 : double(run["bandwidth"]);
            const std::string what = std::string(set["name"]) + " " +
                                     std::string(run["bandwidth_source"]) +
                                     (run["bin_seeding"] ? " binned" : " all seeds");
            if (run["bin_seeding"]) {
                mean_shift<flat_kernel, binned_seeds> ms;
                ms.bandwidth = bw;
                check_run(ms, x, run, what);
            } else {
                mean_shift<flat_kernel, all_points_seeds> ms;
                ms.bandwidth = bw;
                check_run(ms, x, run, what);
            }
            ++runs;
        }
    }
    BOOST_TEST(runs == 28u); // 7 data sets x {estimated, fixed} x {all, binned}
}

BOOST_AUTO_TEST_CASE(one_dimensional_path_equals_general_path) {
    std::vector<point_matrix> sets;
    const auto ref = reference();
    for (const auto& set : ref["sets"])
        if (set["dims"] == 1)
            sets.push_back(to_points(set["points"].get<std::vector<double>>(), 1));
    // A larger mixture with a plateau of identical values, like the paper's distances.
    std::mt19937_64 rng(7);
    std::normal_distribution<double> noise(0.0, 30.0);
    std::vector<double> big;
    for (int i = 0; i < 1500; ++i) big.push_back(10000.0);
    for (int i = 0; i < 800; ++i) big.push_back(std::round((9000.0 + noise(rng)) * 100) / 100);
    for (int i = 0; i < 700; ++i) big.push_back(std::round((8200.0 + 2 * noise(rng)) * 100) / 100);
    std::shuffle(big.begin(), big.end(), rng);
    sets.push_back(to_points(big, 1));
    for (std::size_t s = 0; s < sets.size(); ++s) {
        const auto what = "set " + std::to_string(s);
        mean_shift<flat_kernel, all_points_seeds> a;
        same_clustering(a.cluster(sets[s]), a.cluster_general(sets[s]), what + " flat/all");
        mean_shift<flat_kernel, binned_seeds> b;
        same_clustering(b.cluster(sets[s]), b.cluster_general(sets[s]), what + " flat/binned");
        mean_shift<flat_kernel, binned_seeds> c{.min_bin_freq = 3};
        same_clustering(c.cluster(sets[s]), c.cluster_general(sets[s]), what + " flat/binned3");
    }
    // The 1-D path climbs each distinct value once and sums a value's repeats one by one in
    // sorted order: with a weighted kernel too, the plateau of 1,500 equal values clusters as
    // the general path's 3,000 separate climbs do.
    mean_shift<gaussian_kernel, all_points_seeds> g;
    g.bandwidth = 150;
    const auto a = g.cluster(sets.back()), b = g.cluster_general(sets.back());
    BOOST_TEST(a.labels == b.labels, boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(a.cluster_count() == b.cluster_count());
    for (std::size_t i = 0; i < a.centres.size(); ++i)
        BOOST_TEST(close(a.centres.data()[i], b.centres.data()[i], 1e-9));
}

BOOST_AUTO_TEST_CASE(gaussian_kernel_paths_agree_and_separate_groups) {
    std::vector<double> v;
    for (int i = 0; i < 50; ++i) v.push_back(i * 0.01);
    for (int i = 0; i < 60; ++i) v.push_back(5.0 + i * 0.01);
    const auto x = to_points(v, 1);
    mean_shift<gaussian_kernel, all_points_seeds> ms;
    ms.bandwidth = 0.5;
    const auto a = ms.cluster(x), b = ms.cluster_general(x);
    BOOST_TEST(a.labels == b.labels, boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(a.cluster_count() == 2u);
    for (std::size_t i = 0; i < 2; ++i)
        BOOST_TEST(close(a.centres.data()[i], b.centres.data()[i], 1e-9));
    // The larger group first, as in scikit-learn's ordering by intensity.
    // Symmetric groups: the climb stops within 1e-3 bandwidths of their centres.
    BOOST_TEST(std::fabs(a.centres(0, 0) - 5.295) < 1e-3);
    BOOST_TEST(std::fabs(a.centres(1, 0) - 0.245) < 1e-3);
}

BOOST_AUTO_TEST_CASE(bad_parameters_are_clear_errors) {
    point_matrix empty = point_matrix::from_shape({0, 1});
    BOOST_CHECK_THROW(mean_shift<>{}.cluster(empty), keychroma::config_error);
    point_matrix one = point_matrix::from_shape({1, 1});
    one(0, 0) = 3.0;
    mean_shift<> bad;
    bad.bandwidth = -1;
    BOOST_CHECK_THROW(bad.cluster(one), keychroma::config_error);
    const auto r = mean_shift<>{}.cluster(one); // bandwidth estimate 0: one cluster
    BOOST_TEST(r.cluster_count() == 1u);
    BOOST_TEST(r.labels[0] == 0u);
}
