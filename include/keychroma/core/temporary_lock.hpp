#pragma once
// A run killed by SIGKILL, the OOM killer or a crash cannot remove its temporaries: the hidden
// `.NAME.tmp-RANDOM` files and folders beside its outputs (atomic_file.hpp), gigabytes for a
// video, and an empty output folder holding one would then be refused as holding the user's
// files. So the owner of a temporary holds an flock(2) on it from the moment it is created; the
// kernel drops the lock however the owner ends. The next run writing the same output removes the
// temporaries of that output's name that no process holds -- names only keychroma makes, for
// that very output -- and leaves the ones a live run holds (two runs writing one output at once),
// anything that is not a plain file or folder, and everything on a file system without flock.

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace keychroma {

/// What a temporary is: a file (atomic_output) or a folder (temp_directory, mkdtemp).
enum class temporary_kind { file, directory };

/// An flock(2) on a temporary, held while this lives. It is the lock of its own open file
/// description, so a writer that opens the temporary again by name (FFmpeg, stb) and closes it
/// does not drop it.
class temporary_lock {
public:
    temporary_lock() = default;
    temporary_lock(const temporary_lock&) = delete;
    temporary_lock& operator=(const temporary_lock&) = delete;
    temporary_lock(temporary_lock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    temporary_lock& operator=(temporary_lock&& other) noexcept {
        if (this != &other) {
            release();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~temporary_lock() { release(); }

    /// Takes `fd` (open on the temporary just created at `path`) and locks it. nullopt when a run
    /// removing leftovers got there first -- it holds the lock, or has already removed the name
    /// -- so the caller makes another temporary. A file system without flock gives a lock that
    /// holds nothing: the temporary is then never taken for a leftover either.
    [[nodiscard]] static std::optional<temporary_lock> hold(int fd,
                                                            const std::filesystem::path& path) {
        temporary_lock lock;
        lock.fd_ = fd;
        if (fd < 0) return lock;
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0)
            return errno == EWOULDBLOCK ? std::nullopt : std::optional(std::move(lock));
        if (!names(fd, path)) return std::nullopt;
        return lock;
    }

    /// Locks the temporary at `path` only if it is of that kind (a link is not followed), no
    /// other process holds it, and it is still what `path` names: a leftover, which the caller
    /// may remove while this lives.
    [[nodiscard]] static std::optional<temporary_lock>
    of_leftover(const std::filesystem::path& path, temporary_kind kind) {
        const int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK |
                          (kind == temporary_kind::directory ? O_DIRECTORY : 0);
        temporary_lock lock;
        lock.fd_ = ::open(path.c_str(), flags);
        struct ::stat st {};
        if (lock.fd_ < 0 || ::fstat(lock.fd_, &st) != 0 ||
            (kind == temporary_kind::file ? !S_ISREG(st.st_mode) : !S_ISDIR(st.st_mode)) ||
            ::flock(lock.fd_, LOCK_EX | LOCK_NB) != 0 || !names(lock.fd_, path))
            return std::nullopt;
        return lock;
    }

    /// Drops the lock (the temporary was renamed to its final name, or removed).
    void release() noexcept {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    /// Whether `path` (not followed) still names the file open as `fd`.
    [[nodiscard]] static bool names(int fd, const std::filesystem::path& path) {
        struct ::stat open_file {};
        struct ::stat named {};
        return ::fstat(fd, &open_file) == 0 && ::lstat(path.c_str(), &named) == 0 &&
               open_file.st_dev == named.st_dev && open_file.st_ino == named.st_ino;
    }

    int fd_ = -1;
};

/// Whether `name` is `prefix`, then `random_length` letters or digits, then `suffix`: the name
/// of a temporary made for one output (`.out.tmp-` + 12 + `.mp4`; `.pkg.tmp-` + 6 + ``).
[[nodiscard]] inline bool is_temporary_of(std::string_view name, std::string_view prefix,
                                          std::size_t random_length, std::string_view suffix) {
    if (name.size() != prefix.size() + random_length + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix))
        return false;
    const auto random = name.substr(prefix.size(), random_length);
    return std::ranges::all_of(random, [](unsigned char c) { return std::isalnum(c) != 0; });
}

/// Removes the temporaries in `dir` named as is_temporary_of says, of the given kind (a folder
/// with all it holds, following no link), that no live process holds. Anything else of that
/// name -- a link, a file where a folder is expected -- and whatever cannot be removed stays.
inline void remove_leftover_temporaries(const std::filesystem::path& dir, std::string_view prefix,
                                        std::size_t random_length, std::string_view suffix,
                                        temporary_kind kind) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> found;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const auto status = entry.symlink_status(ec);
        const bool right_kind =
            kind == temporary_kind::file ? fs::is_regular_file(status) : fs::is_directory(status);
        if (right_kind &&
            is_temporary_of(entry.path().filename().string(), prefix, random_length, suffix))
            found.push_back(entry.path());
    }
    for (const auto& path : found)
        if (const auto lock = temporary_lock::of_leftover(path, kind))
            kind == temporary_kind::file ? (void)fs::remove(path, ec)
                                         : (void)fs::remove_all(path, ec);
}

} // namespace keychroma
