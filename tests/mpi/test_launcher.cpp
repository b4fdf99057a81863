#define BOOST_TEST_MODULE mpi_launcher
#include <boost/test/unit_test.hpp>

// What an MPI launcher's environment says (mpi/launcher.hpp), read the same way with and without
// MPI, and -- in a build without MPI -- the tool refusing to run as several copies, which would
// each do all the work and write the same outputs.

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <utility>

#include "keychroma/mpi/launcher.hpp"
#include "support/run_tool.hpp"

using namespace keychroma;

namespace {

/// Sets the launcher variables named in `values` (all others unset) for one case's lifetime.
class launcher_environment {
public:
    explicit launcher_environment(
        std::initializer_list<std::pair<const char*, const char*>> values) {
        for (const char* name : names) ::unsetenv(name);
        for (const auto& [name, value] : values) ::setenv(name, value, 1);
    }
    ~launcher_environment() {
        for (const char* name : names) ::unsetenv(name);
    }

private:
    static constexpr const char* names[] = {"OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_RANK",
                                            "PMI_SIZE", "PMI_RANK", "PMIX_RANK"};
};

} // namespace

BOOST_AUTO_TEST_CASE(a_plain_run_is_one_process) {
    launcher_environment none({});
    BOOST_TEST(!mpi::launched_by_mpi());
    BOOST_TEST(!mpi::launched_as_several_ranks());
    BOOST_TEST(mpi::launched_rank() == 0);
}

BOOST_AUTO_TEST_CASE(each_launcher_s_variables_are_read) {
    {
        launcher_environment open_mpi(
            {{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_RANK", "2"}});
        BOOST_TEST(mpi::launched_by_mpi());
        BOOST_TEST(mpi::launched_as_several_ranks());
        BOOST_TEST(mpi::launched_rank() == 2);
    }
    {
        launcher_environment mpich({{"PMI_SIZE", "3"}, {"PMI_RANK", "0"}});
        BOOST_TEST(mpi::launched_as_several_ranks());
        BOOST_TEST(mpi::launched_rank() == 0);
    }
    {
        // PMIx gives the rank alone: rank 0 could be alone, any other rank is not
        launcher_environment pmix({{"PMIX_RANK", "1"}});
        BOOST_TEST(mpi::launched_by_mpi());
        BOOST_TEST(mpi::launched_as_several_ranks());
        BOOST_TEST(mpi::launched_rank() == 1);
    }
    {
        launcher_environment pmix_first({{"PMIX_RANK", "0"}});
        BOOST_TEST(mpi::launched_by_mpi());
        BOOST_TEST(!mpi::launched_as_several_ranks());
    }
}

BOOST_AUTO_TEST_CASE(a_job_of_one_rank_is_one_process) {
    launcher_environment one({{"OMPI_COMM_WORLD_SIZE", "1"}, {"OMPI_COMM_WORLD_RANK", "0"}});
    BOOST_TEST(mpi::launched_by_mpi());
    BOOST_TEST(!mpi::launched_as_several_ranks());
}

BOOST_AUTO_TEST_CASE(values_that_are_not_numbers_count_for_nothing) {
    for (const char* bad : {"", "two", "2x", "-3"}) {
        launcher_environment odd({{"OMPI_COMM_WORLD_SIZE", bad}, {"OMPI_COMM_WORLD_RANK", bad}});
        BOOST_TEST_INFO("value '" << bad << "'");
        BOOST_TEST(!mpi::launched_as_several_ranks());
        BOOST_TEST(mpi::launched_rank() == 0);
    }
}

#if KEYCHROMA_TOOL_WITHOUT_MPI
// The tool built without MPI, started as rank 0 or 1 of two: exit code 6, one line from rank 0
// and none from the others; as the only rank, it runs.
BOOST_AUTO_TEST_CASE(the_tool_without_mpi_refuses_to_run_as_several_ranks) {
    const auto as = [](const char* size, const char* rank) {
        return std::string("OMPI_COMM_WORLD_SIZE=") + size + " OMPI_COMM_WORLD_RANK=" + rank;
    };
    auto r = test::run_tool("info --backends", as("2", "0"));
    BOOST_TEST(r.exit_code == 6, r.err);
    BOOST_TEST(r.err.find("has no MPI") != std::string::npos, r.err);
    BOOST_TEST(r.out.empty());
    r = test::run_tool("info --backends", as("2", "1"));
    BOOST_TEST(r.exit_code == 6, r.err);
    BOOST_TEST(r.err.empty(), r.err);
    r = test::run_tool("info --backends", "PMIX_RANK=1");
    BOOST_TEST(r.exit_code == 6, r.err);
    r = test::run_tool("info --backends", as("1", "0"));
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(r.out.find("cpu") != std::string::npos, r.out);
}
#endif
