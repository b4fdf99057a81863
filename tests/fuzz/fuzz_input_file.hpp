#pragma once
// The readers take paths, as users give them: a fuzz input becomes a file. An in-memory file
// (memfd) reached through /proc/self/fd keeps the fuzzer off the disk; a name with an extension
// (image sequences choose the decoder by it) goes to a tmpfs directory instead.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace keychroma::fuzz {

/// An anonymous in-memory file holding the input, for the whole of one execution.
class memory_file {
public:
    memory_file(const std::uint8_t* data, std::size_t size)
        : fd_(::memfd_create("keychroma-fuzz", MFD_CLOEXEC)) {
        if (fd_ < 0) std::abort();
        for (std::size_t done = 0; done < size;) {
            const auto n = ::write(fd_, data + done, size - done);
            if (n <= 0) std::abort();
            done += std::size_t(n);
        }
    }
    memory_file(const memory_file&) = delete;
    memory_file& operator=(const memory_file&) = delete;
    ~memory_file() { ::close(fd_); }
    [[nodiscard]] std::filesystem::path path() const {
        return "/proc/self/fd/" + std::to_string(fd_);
    }

private:
    int fd_;
};

/// A directory of this process's own, made once by mkdtemp (never an existing path or a
/// symlink) under $KEYCHROMA_FUZZ_SCRATCH (ctest and scripts/fuzz.sh point it into the build
/// tree; /dev/shm otherwise). libFuzzer leaves without running atexit handlers, so the
/// directory stays there, with at most one input in it.
inline const std::filesystem::path& scratch_dir() {
    static const std::filesystem::path dir = [] {
        const char* base = std::getenv("KEYCHROMA_FUZZ_SCRATCH");
        std::string pattern = std::string(base && *base ? base : "/dev/shm") + "/fuzz-XXXXXX";
        std::filesystem::create_directories(std::filesystem::path(pattern).parent_path());
        if (!::mkdtemp(pattern.data())) std::abort();
        return std::filesystem::path(pattern);
    }();
    return dir;
}

/// Writes the input to scratch_dir()/name and returns its path.
inline std::filesystem::path named_file(const std::string& name, const std::uint8_t* data,
                                        std::size_t size) {
    const auto p = scratch_dir() / name;
    std::FILE* f = std::fopen(p.c_str(), "wb");
    if (!f || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) std::abort();
    return p;
}

} // namespace keychroma::fuzz
