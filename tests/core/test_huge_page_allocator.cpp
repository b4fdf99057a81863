#define BOOST_TEST_MODULE core_huge_page_allocator
#include <boost/test/unit_test.hpp>

// The CPU backend's buffers come from huge_page_allocator: large ones must be aligned to a huge
// page, whole huge pages long, and advised to the kernel as huge-page memory (the "hg" flag of
// their mapping in /proc/self/smaps, which only madvise(MADV_HUGEPAGE) sets); small ones keep
// the 64-byte alignment of vector loads; both hold what is written to them, as buffers and in the
// backend's own containers.

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include "keychroma/core/huge_page_allocator.hpp"
#include "keychroma/nn/backend/cpu.hpp"

using keychroma::huge_page_allocator;
using keychroma::huge_page_bytes;

namespace {

std::uintptr_t address(const void* p) {
    return reinterpret_cast<std::uintptr_t>(p);
}

/// The VmFlags of the mapping of /proc/self/smaps that holds `p`; empty when none does.
std::string mapping_flags(const void* p) {
    std::ifstream smaps("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(smaps, line)) {
        std::uintptr_t begin = 0, end = 0;
        char dash = 0;
        std::istringstream range(line);
        if (range >> std::hex >> begin >> dash >> end && dash == '-' &&
            line.find(':') > line.find(' ')) { // a mapping's first line, not a "Key:" line
            inside = begin <= address(p) && address(p) < end;
            continue;
        }
        if (inside && line.rfind("VmFlags:", 0) == 0) return line.substr(8);
    }
    return {};
}

bool has_flag(const std::string& flags, const std::string& flag) {
    std::istringstream words(flags);
    for (std::string w; words >> w;)
        if (w == flag) return true;
    return false;
}

/// Whether this kernel has transparent huge pages at all. Then madvise(MADV_HUGEPAGE) marks the
/// mapping whatever the mode ("never" included: the mode decides what the kernel gives, not what
/// it records); without them the advice is refused and nothing can be checked.
bool kernel_has_huge_pages() {
    return std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled").good();
}

} // namespace

BOOST_AUTO_TEST_CASE(large_allocations_are_whole_aligned_huge_pages_advised_to_the_kernel) {
    huge_page_allocator<float> a;
    const std::size_t n = 3 * huge_page_bytes / sizeof(float) + 5; // just over 3 huge pages
    float* p = a.allocate(n);
    BOOST_TEST(address(p) % huge_page_bytes == 0u);
    std::iota(p, p + n, 0.0f); // writable to its last value
    BOOST_TEST(p[n - 1] == float(n - 1));
    const std::string flags = mapping_flags(p);
    BOOST_TEST_INFO("VmFlags of the buffer's mapping: " << flags);
    BOOST_TEST(!flags.empty());
    // The advice covers the whole rounded range: the mapping holding its last byte has it too.
    const std::string last =
        mapping_flags(reinterpret_cast<const char*>(p) + 4 * huge_page_bytes - 1);
    if (kernel_has_huge_pages()) {
        BOOST_TEST(has_flag(flags, "hg"));
        BOOST_TEST(has_flag(last, "hg"));
    } else {
        BOOST_TEST_MESSAGE("this kernel has no transparent huge pages: advice not checked");
    }
    a.deallocate(p, n);
}

BOOST_AUTO_TEST_CASE(small_allocations_are_aligned_for_vector_loads) {
    huge_page_allocator<double> a;
    for (const std::size_t n : {std::size_t(1), std::size_t(7), std::size_t(1000),
                                huge_page_bytes / sizeof(double) - 1}) {
        double* p = a.allocate(n);
        BOOST_TEST(address(p) % 64 == 0u);
        std::iota(p, p + n, 1.0);
        BOOST_TEST(p[n - 1] == double(n));
        a.deallocate(p, n);
    }
}

BOOST_AUTO_TEST_CASE(an_impossible_size_is_refused_before_any_allocation) {
    huge_page_allocator<float> a;
    BOOST_CHECK_THROW((void)a.allocate(std::size_t(-1) / sizeof(float)), std::bad_array_new_length);
    BOOST_CHECK_THROW((void)a.allocate(std::size_t(-1) / sizeof(float) - 100),
                      std::bad_array_new_length);
}

BOOST_AUTO_TEST_CASE(the_cpu_backend_buffers_and_workspaces_hold_what_is_written) {
    using backend = keychroma::nn::cpu_backend;
    backend b;
    backend::buffer buf;
    b.allocate(buf, 1000); // small
    std::iota(b.data(buf), b.data(buf) + 1000, 0.0f);
    b.allocate(buf, 1000); // same size: kept
    BOOST_TEST(b.data(buf)[999] == 999.0f);
    const std::size_t large = 2 * huge_page_bytes / sizeof(float);
    b.allocate(buf, large);
    BOOST_TEST(address(b.data(buf)) % huge_page_bytes == 0u);
    std::iota(b.data(buf), b.data(buf) + large, 0.0f);
    BOOST_TEST(b.data(buf)[large - 1] == float(large - 1));
    // a copy: its own huge-page allocation, the same values
    const backend::buffer copy = buf;
    BOOST_TEST(copy.data() != b.data(buf));
    BOOST_TEST(address(copy.data()) % huge_page_bytes == 0u);
    BOOST_TEST(copy(large - 1) == float(large - 1));
    // a grown workspace keeps what it held (std::vector::resize)
    std::vector<float, huge_page_allocator<float>> v(large, 2.0f);
    v.resize(large + 1, 3.0f);
    BOOST_TEST(v[large - 1] == 2.0f);
    BOOST_TEST(v[large] == 3.0f);
}
