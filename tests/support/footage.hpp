#pragma once
// Real clips and photos fetched by scripts/fetch-footage.sh. A test file that needs them is
// named test_*_footage.cpp; when a file is missing it prints the KEYCHROMA-SKIP marker, which
// ctest turns into SKIPPED, and exits without running the cases.

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace keychroma::test {

inline std::filesystem::path footage_dir() {
    if (const char* env = std::getenv("KEYCHROMA_FOOTAGE_DIR")) return env;
    return KEYCHROMA_FOOTAGE_DIR;
}

/// Path of a footage file; skips the whole test program when it is absent.
inline std::filesystem::path footage(const std::string& name) {
    auto p = footage_dir() / name;
    if (!std::filesystem::exists(p)) {
        std::printf("KEYCHROMA-SKIP: footage %s missing (run scripts/fetch-footage.sh)\n",
                    p.string().c_str());
        std::fflush(stdout);
        std::_Exit(0);
    }
    return p;
}

inline std::filesystem::path test_data(const std::string& name) {
    return std::filesystem::path(KEYCHROMA_TEST_DATA_DIR) / name;
}

} // namespace keychroma::test
