#pragma once
// Honest skips. A test program that cannot run here (footage not fetched, no GPU, built without
// a component, a command-line tool missing) says why and exits with skip_exit_code, which ctest
// reports as Skipped (SKIP_RETURN_CODE, tests/CMakeLists.txt) -- but only from a global fixture,
// before any test case has run, so a skip can never hide a failure: asked for inside a test
// case, it fails that case instead. A single case that cannot run is skipped with Boost.Test's
// own precondition decorator (`* skip_unless(...)`); the program then reports Skipped only when
// every case that ran passed, and its own failure otherwise.

#include <boost/test/results_collector.hpp>
#include <boost/test/tree/traverse.hpp>
#include <boost/test/tree/visitor.hpp>
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <stdexcept>
#include <string>

namespace keychroma::test {

/// What a skipped test program exits with (the automake convention ctest is told about).
inline constexpr int skip_exit_code = 77;

[[nodiscard]] inline bool in_a_test_case() {
    return boost::unit_test::framework::current_test_unit().p_type == boost::unit_test::TUT_CASE;
}

/// Skips the whole program: only from a global fixture, before any case ran.
[[noreturn]] inline void skip_program(const std::string& why) {
    if (in_a_test_case())
        throw std::logic_error("skip_program(\"" + why +
                               "\") inside a test case: skip from a global fixture or a "
                               "precondition, so that a skip cannot hide a failure");
    std::printf("SKIPPED: %s\n", why.c_str());
    std::fflush(stdout);
    std::_Exit(skip_exit_code);
}

/// A precondition decorator for one case: `BOOST_AUTO_TEST_CASE(x, *skip_unless(ok, "why"))`.
[[nodiscard]] inline boost::unit_test::decorator::precondition
skip_unless(std::function<bool()> available, std::string why) {
    return boost::unit_test::precondition(
        [available = std::move(available), why = std::move(why)](
            boost::unit_test::test_unit_id) -> boost::test_tools::assertion_result {
            boost::test_tools::assertion_result r(available());
            if (!r) r.message() << why;
            return r;
        });
}

namespace detail {
struct case_results : boost::unit_test::test_tree_visitor {
    using boost::unit_test::test_tree_visitor::visit; // the suite overloads stay as they are
    int skipped = 0, failed = 0;
    void visit(const boost::unit_test::test_case& tc) override {
        const auto& r = boost::unit_test::results_collector.results(tc.p_id);
        if (r.p_skipped)
            ++skipped;
        else if (!r.passed())
            ++failed;
    }
};
} // namespace detail

/// Global fixture of every test program: when a case was skipped by its precondition and none
/// failed, the program exits with skip_exit_code so that ctest shows the skip; a failure
/// anywhere keeps Boost.Test's failing exit code.
struct report_skipped_cases {
    void setup() {}
    void teardown() {
        detail::case_results r;
        boost::unit_test::traverse_test_tree(boost::unit_test::framework::master_test_suite(), r,
                                             true);
        if (r.skipped > 0 && r.failed == 0) {
            std::cout.flush();
            std::printf("SKIPPED: %d test case(s) could not run here (see above); every other "
                        "case passed\n",
                        r.skipped);
            std::fflush(stdout);
            std::_Exit(skip_exit_code);
        }
    }
};

} // namespace keychroma::test

/// The whole program of a build that lacks what it tests (FFmpeg, Thrust): skipped, with the
/// reason, before anything runs. The empty case keeps Boost.Test's test tree non-empty.
#define KEYCHROMA_TEST_SKIP_PROGRAM(reason)                                                        \
    struct keychroma_program_skipped {                                                             \
        keychroma_program_skipped() { keychroma::test::skip_program(reason); }                     \
    };                                                                                             \
    BOOST_TEST_GLOBAL_FIXTURE(keychroma_program_skipped);                                          \
    BOOST_AUTO_TEST_CASE(not_built) {}
