#pragma once
// Outputs are written under a temporary name in the destination's directory and renamed when
// complete, so a failure (bad input, full disk, exception) never leaves a truncated file behind.

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

#include <unistd.h>

#include "keychroma/core/error.hpp"

namespace keychroma {

/// Owns the temporary path of an output being written. `commit()` renames it to the final path;
/// the destructor removes it if `commit()` was never reached.
class atomic_output {
public:
    explicit atomic_output(std::filesystem::path final_path)
        : final_(std::move(final_path)), temp_(make_temp_name(final_)) {
        const auto dir = final_.has_parent_path() ? final_.parent_path() : ".";
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw io_error(final_.string() + ": cannot write: directory " + dir.string() +
                           " does not exist");
    }
    atomic_output(const atomic_output&) = delete;
    atomic_output& operator=(const atomic_output&) = delete;
    atomic_output(atomic_output&& other) noexcept
        : final_(std::move(other.final_)), temp_(std::move(other.temp_)),
          committed_(other.committed_) {
        other.committed_ = true; // the moved-from object no longer owns the file
    }
    atomic_output& operator=(atomic_output&&) = delete;
    ~atomic_output() {
        if (!committed_) {
            std::error_code ec;
            std::filesystem::remove(temp_, ec);
        }
    }

    /// Where to write now.
    [[nodiscard]] const std::filesystem::path& temp_path() const noexcept { return temp_; }
    /// Where the file ends up.
    [[nodiscard]] const std::filesystem::path& final_path() const noexcept { return final_; }

    /// Moves the finished temporary file to its final name.
    void commit() {
        std::error_code ec;
        std::filesystem::rename(temp_, final_, ec);
        if (ec)
            throw io_error(final_.string() + ": cannot rename finished output: " + ec.message());
        committed_ = true;
    }

private:
    static std::filesystem::path make_temp_name(const std::filesystem::path& p) {
        static std::atomic<unsigned> counter{0};
        // Same directory (rename must not cross file systems) and the same extension, because
        // some writers (FFmpeg, stb) choose the format from it.
        auto name = "." + p.stem().string() + ".tmp" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter++) + p.extension().string();
        return p.has_parent_path() ? p.parent_path() / name : std::filesystem::path(name);
    }

    std::filesystem::path final_;
    std::filesystem::path temp_;
    bool committed_ = false;
};

} // namespace keychroma
