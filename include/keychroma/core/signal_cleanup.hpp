#pragma once
// Unfinished outputs removed when the process is told to stop: SIGTERM (kill, a batch system's
// time limit, an MPI job ending because one rank failed), SIGINT (Ctrl-C), SIGHUP (the terminal
// closed). Every temporary output (atomic_file.hpp) is registered here while it is written; the
// handler a program installs with install_signal_cleanup() removes them, then lets the signal
// end the process as it would have. The handler makes only async-signal-safe calls on fixed
// slots (no allocation, no lock): a staged folder of outputs (directory_output.hpp) is removed
// with openat/getdents64/unlinkat on static buffers, following no link. SIGKILL cannot be
// caught: a killed process may still leave a hidden temporary behind, never a partial file under
// a final name.

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>

namespace keychroma {

/// What the handler does with a registered path.
enum class removal : int {
    file = 2,            ///< unlink(2)
    empty_directory = 3, ///< rmdir(2): only when empty, never what someone else put there
    tree = 4,            ///< the directory and everything in it (a folder the process made)
};

namespace detail {

struct cleanup_slot {
    std::atomic<int> state{0}; ///< 0 free, 1 being filled, else a `removal`
    /// Changes whenever the slot is taken or freed: the handler, which may run while another
    /// thread reuses the slot, acts only on a path it read whole between two equal readings.
    std::atomic<std::uint64_t> generation{0};
    char path[PATH_MAX]{};
};
inline constexpr std::size_t cleanup_slots = 64;
inline cleanup_slot cleanup_registry[cleanup_slots];

/// Deepest level of a tree the handler removes (a staged paper run: DIR/recipe/package/file).
inline constexpr int max_tree_depth = 8;

/// Empties the directory `name` (relative to `parent`, or absolute) and removes it, following
/// no link; async-signal-safe (openat, getdents64, unlinkat, lseek, close on static buffers, one
/// per level). Entries read are removed, then the directory is read again from its start until a
/// pass removes nothing, so removing while reading skips nothing.
inline void remove_tree_in_handler(int parent, const char* name, int depth) {
    if (depth >= max_tree_depth) return;
    static char buffers[max_tree_depth][4096];
    const int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return;
    char* buffer = buffers[depth];
    for (bool removed = true; removed;) {
        removed = false;
        ::lseek(fd, 0, SEEK_SET);
        for (long n; (n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffers[0])) > 0;) {
            for (long at = 0; at < n;) {
                // struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name
                unsigned short length;
                std::memcpy(&length, buffer + at + 16, sizeof length);
                const unsigned char type = static_cast<unsigned char>(buffer[at + 18]);
                const char* entry = buffer + at + 19;
                at += length;
                if (entry[0] == '.' && (entry[1] == '\0' || (entry[1] == '.' && entry[2] == '\0')))
                    continue;
                if (type == DT_DIR || (type == DT_UNKNOWN && ::unlinkat(fd, entry, 0) != 0)) {
                    remove_tree_in_handler(fd, entry, depth + 1);
                    removed = ::unlinkat(fd, entry, AT_REMOVEDIR) == 0 || removed;
                } else {
                    removed = type == DT_UNKNOWN || ::unlinkat(fd, entry, 0) == 0 || removed;
                }
            }
        }
    }
    ::close(fd);
}

extern "C" inline void remove_registered_and_die(int signal_number) {
    static char path[PATH_MAX]; // not on the stack of a thread that may be deep already
    // The files first, then the trees, then the directories they were in.
    for (const removal pass : {removal::file, removal::tree, removal::empty_directory})
        for (auto& slot : cleanup_registry) {
            const std::uint64_t before = slot.generation.load(std::memory_order_acquire);
            if (slot.state.load(std::memory_order_acquire) != int(pass)) continue;
            std::memcpy(path, slot.path, sizeof path);
            if (slot.generation.load(std::memory_order_acquire) != before) continue;
            if (pass == removal::file) {
                ::unlink(path);
            } else {
                if (pass == removal::tree) remove_tree_in_handler(AT_FDCWD, path, 0);
                ::rmdir(path); // only when empty: never what someone else put there
            }
        }
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
}

} // namespace detail

/// A temporary registered for removal on a stopping signal while the object lives (or until
/// `release()`). A path that does not fit, or more than 64 at once, is simply not registered:
/// removal on a signal is a courtesy, the final names are safe either way.
class signal_cleanup {
public:
    signal_cleanup() = default;
    signal_cleanup(const std::filesystem::path& path, removal how) {
        const std::string& s = path.native();
        if (s.size() >= PATH_MAX) return;
        for (std::size_t i = 0; i < detail::cleanup_slots; ++i) {
            int expected = 0;
            auto& slot = detail::cleanup_registry[i];
            if (!slot.state.compare_exchange_strong(expected, 1, std::memory_order_acquire))
                continue;
            slot.generation.fetch_add(1, std::memory_order_acq_rel);
            std::memcpy(slot.path, s.c_str(), s.size() + 1);
            slot.state.store(int(how), std::memory_order_release);
            slot_ = int(i);
            return;
        }
    }
    signal_cleanup(const signal_cleanup&) = delete;
    signal_cleanup& operator=(const signal_cleanup&) = delete;
    signal_cleanup(signal_cleanup&& other) noexcept : slot_(other.slot_) { other.slot_ = -1; }
    signal_cleanup& operator=(signal_cleanup&& other) noexcept {
        if (this != &other) {
            release();
            slot_ = other.slot_;
            other.slot_ = -1;
        }
        return *this;
    }
    ~signal_cleanup() { release(); }

    /// No longer removed on a signal (renamed into place, or removed by its owner).
    void release() noexcept {
        if (slot_ < 0) return;
        auto& slot = detail::cleanup_registry[slot_];
        slot.generation.fetch_add(1, std::memory_order_acq_rel);
        slot.state.store(0, std::memory_order_release);
        slot_ = -1;
    }

private:
    int slot_ = -1;
};

/// Installs the handler for SIGTERM, SIGINT and SIGHUP (the keychroma tool does at start).
inline void install_signal_cleanup() {
    struct sigaction action {};
    action.sa_handler = detail::remove_registered_and_die;
    sigemptyset(&action.sa_mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) ::sigaction(s, &action, nullptr);
}

} // namespace keychroma
