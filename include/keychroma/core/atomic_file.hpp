#pragma once
// Outputs are written under a temporary name in the destination's directory and renamed when
// complete, so a failure (bad input, full disk, exception, kill) never leaves a truncated file
// under the final name. Temporaries are created exclusively (O_CREAT | O_EXCL | O_NOFOLLOW, or
// mkdtemp for directories) under unpredictable names, so a file or symlink planted in a shared
// output folder can neither be overwritten nor redirect the output. While they exist they are
// registered for removal on SIGTERM, SIGINT and SIGHUP (signal_cleanup.hpp), and locked, so that
// the next run writing the same output removes those a killed run left (temporary_lock.hpp).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "keychroma/core/error.hpp"
#include "keychroma/core/signal_cleanup.hpp"
#include "keychroma/core/temporary_lock.hpp"

namespace keychroma {

/// The directory a path is written into ("." for a bare name).
[[nodiscard]] inline std::filesystem::path directory_of(const std::filesystem::path& p) {
    return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}

/// A directory output's path without its trailing separators ("pkg/" -> "pkg"): std::filesystem
/// takes "pkg/" for an empty name inside "pkg", so its temporary sibling would be made inside
/// the directory it is to become.
[[nodiscard]] inline std::filesystem::path without_trailing_separators(std::filesystem::path p) {
    while (p.filename().empty() && p.has_relative_path()) p = p.parent_path();
    return p;
}

/// Whether a file name is that of a temporary made here (`.NAME.tmp-RANDOM[.ext]`, a file or a
/// directory): what a run killed by SIGKILL can leave beside its outputs.
[[nodiscard]] inline bool is_temporary_name(std::string_view name) {
    return name.starts_with('.') && name.find(".tmp-") != std::string_view::npos;
}

namespace detail {

/// The process's umask, read without changing it (umask(2) can only set it, and setting it
/// briefly would race with other threads creating files).
[[nodiscard]] inline ::mode_t current_umask() {
    if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
        char line[256];
        unsigned mask = 0;
        bool found = false;
        while (!found && std::fgets(line, sizeof line, f))
            found = std::sscanf(line, "Umask: %o", &mask) == 1;
        std::fclose(f);
        if (found) return ::mode_t(mask);
    }
    return 022;
}

/// Twelve random hex digits (temp_file_random_length): what makes a temporary's name
/// unpredictable.
[[nodiscard]] inline std::string random_suffix() {
    thread_local std::mt19937_64 gen{std::random_device{}() ^ (std::uint64_t(::getpid()) << 32)};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%012llx",
                  static_cast<unsigned long long>(gen() & 0xffffffffffffULL));
    return buf;
}

/// Length of the random part of a temporary file's name.
inline constexpr std::size_t temp_file_random_length = 12;

/// A temporary file just made, and the lock its owner holds on it.
struct locked_temp_file {
    std::filesystem::path path;
    temporary_lock lock;
};

/// Creates an empty file `dir/.<stem>.tmp-<random><ext>` exclusively (never opening an
/// existing file or following a symlink), with the permissions a new file gets from the umask,
/// and locks it, after removing the temporaries of that name a killed run left. (Not in a
/// folder that is itself a temporary: one just made holds no leftovers, and a staged folder of
/// thousands of keyframes would be read once per keyframe.)
[[nodiscard]] inline locked_temp_file create_temp_file(const std::filesystem::path& final_) {
    // Same directory (rename must not cross file systems) and the same extension, because some
    // writers (FFmpeg, stb) choose the format from it.
    const auto dir = directory_of(final_);
    const auto prefix = "." + final_.stem().string() + ".tmp-";
    const auto ext = final_.extension().string();
    if (!is_temporary_name(std::filesystem::absolute(dir).filename().string()))
        remove_leftover_temporaries(dir, prefix, temp_file_random_length, ext,
                                    temporary_kind::file);
    for (int attempt = 0; attempt < 64; ++attempt) {
        const auto temp = dir / (prefix + random_suffix() + ext);
        const int fd =
            ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (fd >= 0) {
            if (auto lock = temporary_lock::hold(fd, temp)) return {temp, std::move(*lock)};
            continue; // taken for a leftover by another run in that instant: another name
        }
        if (errno != EEXIST)
            throw io_error(final_.string() + ": cannot create a temporary file in " + dir.string() +
                           ": " + std::strerror(errno));
    }
    throw io_error(final_.string() + ": cannot create a temporary file in " + dir.string());
}

} // namespace detail

/// What is at a path as lstat(2) sees it (a symbolic link is itself): whether anything is, and
/// which file it is and when it last changed. Equal stamps taken at two moments mean nothing
/// put another file there or wrote into it in between: how a writer that replaces its own file
/// again and again (training checkpoints) tells that the file is still its own.
struct path_stamp {
    bool present = false;
    bool link = false;
    std::uint64_t device = 0, inode = 0, size = 0;
    std::int64_t modified_s = 0, modified_ns = 0;
    friend bool operator==(const path_stamp&, const path_stamp&) = default;
};

[[nodiscard]] inline path_stamp stamp_of(const std::filesystem::path& p) {
    struct ::stat st {};
    if (::lstat(p.c_str(), &st) != 0) return {};
    return {true,
            S_ISLNK(st.st_mode),
            std::uint64_t(st.st_dev),
            std::uint64_t(st.st_ino),
            std::uint64_t(st.st_size),
            std::int64_t(st.st_mtim.tv_sec),
            std::int64_t(st.st_mtim.tv_nsec)};
}

/// Owns the temporary path of an output being written. `commit()` renames it to the final path;
/// the destructor removes it if `commit()` was never reached.
class atomic_output {
public:
    explicit atomic_output(std::filesystem::path final_path) : final_(std::move(final_path)) {
        const auto dir = directory_of(final_);
        std::error_code ec;
        if (!std::filesystem::is_directory(dir, ec))
            throw io_error(final_.string() + ": cannot write: directory " + dir.string() +
                           " does not exist");
        if (std::filesystem::is_directory(final_, ec))
            throw io_error(final_.string() + ": is a directory");
        auto temp = detail::create_temp_file(final_);
        temp_ = std::move(temp.path);
        lock_ = std::move(temp.lock);
        on_signal_ = signal_cleanup(temp_, removal::file);
    }
    atomic_output(const atomic_output&) = delete;
    atomic_output& operator=(const atomic_output&) = delete;
    atomic_output(atomic_output&& other) noexcept
        : final_(std::move(other.final_)), temp_(std::move(other.temp_)),
          committed_(other.committed_), on_signal_(std::move(other.on_signal_)),
          lock_(std::move(other.lock_)) {
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
        on_signal_.release();
        lock_.release();
    }

private:
    std::filesystem::path final_;
    std::filesystem::path temp_;
    bool committed_ = false;
    signal_cleanup on_signal_;
    temporary_lock lock_; ///< dropped with the temporary: after its removal or rename
};

namespace detail {

/// rename_no_replace without RENAME_NOREPLACE: the name `to` is first claimed exclusively --
/// by link(2) for a file, by an empty mkdir(2) for a directory, which rename(2) then replaces
/// -- so whatever appears at `to` is never replaced: a file or directory already there fails the
/// claim with EEXIST, and a file put into the claimed directory makes the rename fail
/// (ENOTEMPTY) and stays. A process killed between the claim and the rename leaves an empty
/// directory under the final name (directories only).
[[nodiscard]] inline std::error_code rename_by_claiming(const std::filesystem::path& from,
                                                        const std::filesystem::path& to) {
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::symlink_status(from, ec))) {
        if (::link(from.c_str(), to.c_str()) != 0) return {errno, std::generic_category()};
        ::unlink(from.c_str()); // the file now lives under `to`
        return {};
    }
    if (::mkdir(to.c_str(), 0700) != 0) return {errno, std::generic_category()};
    if (::rename(from.c_str(), to.c_str()) == 0) return {};
    const std::error_code failed{errno, std::generic_category()};
    ::rmdir(to.c_str()); // the claim, unless someone put something in it: then it is theirs
    return failed;
}

} // namespace detail

/// Renames `from` to `to` only if nothing is there: unlike rename(2), which silently replaces an
/// empty directory (or a file, for a file), an entry that appeared at `to` -- even an empty
/// directory a user made while a long run wrote its output -- is kept, and the rename fails with
/// EEXIST. Linux's renameat2(RENAME_NOREPLACE); on a file system without it (EINVAL: NFS, some
/// FUSE), detail::rename_by_claiming.
[[nodiscard]] inline std::error_code rename_no_replace(const std::filesystem::path& from,
                                                       const std::filesystem::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return {};
    if (errno != EINVAL && errno != ENOSYS) return {errno, std::generic_category()};
    return detail::rename_by_claiming(from, to);
}

/// Swaps two existing entries in one step (Linux's renameat2(RENAME_EXCHANGE)), so that a reader
/// of `to` finds the old entry or the new one, and a process killed at any moment leaves one of
/// them there: how a finished output directory replaces an earlier one. On a file system without
/// it (EINVAL: NFS, some FUSE), `from` moves aside, `to` to `from`'s name, then `from` to `to`'s,
/// each by rename_no_replace (nothing that appears meanwhile is replaced; a failed step is
/// undone), with a moment in which `to` is missing.
[[nodiscard]] inline std::error_code exchange_paths(const std::filesystem::path& from,
                                                    const std::filesystem::path& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) return {};
    if (errno != EINVAL && errno != ENOSYS) return {errno, std::generic_category()};
    auto aside = from;
    aside += ".new";
    if (const auto ec = rename_no_replace(from, aside)) return ec;
    if (const auto ec = rename_no_replace(to, from)) {
        (void)rename_no_replace(aside, from);
        return ec;
    }
    if (const auto ec = rename_no_replace(aside, to)) {
        (void)rename_no_replace(from, to);
        (void)rename_no_replace(aside, from);
        return ec;
    }
    return {};
}

/// A fresh directory `dir/.<name>.tmp-XXXXXX` made by mkdtemp (exclusive, never an existing
/// directory or symlink), given the permissions a new directory gets from the umask, and locked
/// (temporary_lock.hpp) after the ones of that name a killed run left are removed. Its owner
/// names every file it puts there (`file()`); unless `release()` or `keep()` was called, the
/// destructor removes those files and then the directory if that left it empty -- never anything
/// else, so a file someone else put there (or a package moved there to be replaced) survives.
class temp_directory {
public:
    temp_directory(const std::filesystem::path& dir, const std::string& name) {
        remove_leftovers(dir, name);
        for (int attempt = 0; attempt < 64 && path_.empty(); ++attempt) {
            std::string pattern = (dir / ("." + name + ".tmp-XXXXXX")).string();
            std::vector<char> buf(pattern.begin(), pattern.end());
            buf.push_back('\0');
            if (!::mkdtemp(buf.data()))
                throw io_error((dir / name).string() + ": cannot create a temporary directory in " +
                               dir.string() + ": " + std::strerror(errno));
            const int fd = ::open(buf.data(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (auto lock = temporary_lock::hold(fd, buf.data())) {
                path_ = buf.data();
                lock_ = std::move(*lock);
            } // else taken for a leftover by another run in that instant: another name
        }
        if (path_.empty())
            throw io_error((dir / name).string() + ": cannot create a temporary directory in " +
                           dir.string());
        ::chmod(path_.c_str(), 0777 & ~detail::current_umask());
        on_signal_.emplace_back(path_, removal::empty_directory);
    }
    temp_directory(const temp_directory&) = delete;
    temp_directory& operator=(const temp_directory&) = delete;
    ~temp_directory() {
        if (path_.empty()) return;
        std::error_code ec;
        for (const auto& name : files_) std::filesystem::remove(path_ / name, ec);
        std::filesystem::remove(path_, ec); // only an empty directory is removed
    }

    /// Removes the directories `dir/.<name>.tmp-XXXXXX` that a killed run left (no live process
    /// holds them), with all they hold: what the constructor does first, and what a caller does
    /// before it judges whether `dir` holds anything of the user's.
    static void remove_leftovers(const std::filesystem::path& dir, const std::string& name) {
        remove_leftover_temporaries(dir, "." + name + ".tmp-", random_length, "",
                                    temporary_kind::directory);
    }

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    /// The path of a file its owner writes here; the destructor will remove it.
    [[nodiscard]] std::filesystem::path file(const std::string& name) {
        files_.push_back(name);
        on_signal_.emplace_back(path_ / name, removal::file);
        return path_ / name;
    }
    /// The directory is no longer removed by the destructor (it was renamed or emptied).
    void release() noexcept {
        path_.clear();
        on_signal_.clear();
        lock_.release();
    }
    /// The directory stays with what it holds (finished outputs that could not be moved into
    /// place, a replaced package that received a file meanwhile), renamed `.<name>.kept-XXXXXX`
    /// so that no later run takes it for a killed run's leftover; returns where it is now (its
    /// old name if that rename fails).
    [[nodiscard]] std::filesystem::path keep() {
        auto name = path_.filename().string(); // ".<name>.tmp-XXXXXX"
        name.replace(name.size() - random_length - 5, 4, ".kept");
        auto kept = path_;
        kept.replace_filename(name);
        if (rename_no_replace(path_, kept)) kept = path_; // not renamed: it stays where it is
        release();
        return kept;
    }

private:
    static constexpr std::size_t random_length = 6; ///< mkdtemp's XXXXXX

    std::filesystem::path path_;
    std::vector<std::string> files_;
    std::vector<signal_cleanup> on_signal_; ///< the directory and its files
    temporary_lock lock_;
};

} // namespace keychroma
