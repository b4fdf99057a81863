#pragma once
// A fresh directory per test, removed afterwards.

#include <filesystem>
#include <random>
#include <string>

namespace keychroma::test {

class temp_dir {
public:
    // A new directory, never one that was there: the destructor removes everything in it, so it
    // must only ever be a directory this object made (create_directory says false for an
    // existing one, and another name is drawn).
    temp_dir() {
        std::random_device rd;
        do {
            path_ = std::filesystem::temp_directory_path() /
                    ("keychroma-test-" + std::to_string(rd()) + std::to_string(rd()));
        } while (!std::filesystem::create_directory(path_));
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
        return path_ / name;
    }

private:
    std::filesystem::path path_;
};

} // namespace keychroma::test
