#pragma once
// Real clips and photos fetched by scripts/fetch-footage.sh, which writes the stamp
// `footage.complete` when it has made them all. A test program that needs them (named
// test_*_footage.cpp) registers the global fixture `footage_required`: without the stamp the
// program is skipped, with the reason, before any case runs (support/skip.hpp); with it, a
// missing file is a failure, never a skip.

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "support/skip.hpp"
#include "support/test_data.hpp"

namespace keychroma::test {

inline std::filesystem::path footage_dir() {
    if (const char* env = std::getenv("KEYCHROMA_FOOTAGE_DIR")) return env;
    return KEYCHROMA_FOOTAGE_DIR;
}

/// Path of a footage file; std::runtime_error (the case fails) when it is absent.
inline std::filesystem::path footage(const std::string& name) {
    auto p = footage_dir() / name;
    if (!std::filesystem::exists(p))
        throw std::runtime_error("footage " + p.string() +
                                 " missing although scripts/fetch-footage.sh completed");
    return p;
}

/// Global fixture of the footage programs: skips the program when the footage was not fetched.
struct footage_required {
    footage_required() {
        if (!std::filesystem::exists(footage_dir() / "footage.complete"))
            skip_program("footage not fetched into " + footage_dir().string() +
                         " (run scripts/fetch-footage.sh)");
    }
};

} // namespace keychroma::test
