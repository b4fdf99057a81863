#define BOOST_TEST_MODULE pipeline_json_writer
#include <boost/test/unit_test.hpp>

// The library's JSON writer, checked by parsing its output with nlohmann_json (an independent
// parser; the tests may use it, the library does not).

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "keychroma/pipeline/json_writer.hpp"

using keychroma::pipeline::json_writer;

BOOST_AUTO_TEST_CASE(nested_values_round_trip) {
    for (int indent : {0, 2}) {
        json_writer w(indent);
        w.begin_object();
        w.field("name", "a \"quoted\" \\ name\n\twith\x01 control");
        w.field("int", -42).field("big", std::uint64_t(1) << 60).field("flag", true);
        w.field("pi", 3.141592653589793).field("nan", std::nan(""));
        w.key("list").value(std::vector<std::size_t>{1, 2, 3});
        w.key("empty").begin_array().end_array();
        w.key("obj").begin_object().field("x", 1.5).end_object();
        w.key("none").null();
        w.end_object();
        const auto j = nlohmann::json::parse(w.str());
        BOOST_TEST(j["name"].get<std::string>() == "a \"quoted\" \\ name\n\twith\x01 control");
        BOOST_TEST(j["int"].get<int>() == -42);
        BOOST_TEST(j["big"].get<std::uint64_t>() == std::uint64_t(1) << 60);
        BOOST_TEST(j["flag"].get<bool>());
        BOOST_TEST(j["pi"].get<double>() == 3.141592653589793); // %.17g round-trips exactly
        BOOST_TEST(j["nan"].is_null());
        BOOST_TEST(j["list"].size() == 3u);
        BOOST_TEST(j["list"][2].get<int>() == 3);
        BOOST_TEST(j["empty"].empty());
        BOOST_TEST(j["obj"]["x"].get<double>() == 1.5);
        BOOST_TEST(j["none"].is_null());
    }
}
