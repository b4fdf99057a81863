#pragma once
// Reference data committed under tests/data (made by the make_*_reference.py scripts there).

#include <filesystem>
#include <string>

namespace keychroma::test {

inline std::filesystem::path test_data(const std::string& name) {
    return std::filesystem::path(KEYCHROMA_TEST_DATA_DIR) / name;
}

} // namespace keychroma::test
