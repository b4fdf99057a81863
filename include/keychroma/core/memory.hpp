#pragma once
// How much memory this process can still count on, so that an input too large for the machine
// is refused with one line (resource_error, exit code 7) before anything is allocated for it,
// instead of the kernel's OOM killer ending the process halfway through an output.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "keychroma/core/error.hpp"

namespace keychroma {

/// The environment variable that caps what keychroma assumes it may use (docs/cli.md).
inline constexpr const char* memory_limit_variable = "KEYCHROMA_MEMORY_LIMIT";

/// Bytes from "123", "512K", "300M" or "2G" (powers of 1024); config_error otherwise.
[[nodiscard]] inline std::uint64_t parse_memory_size(std::string_view text) {
    const auto bad = [&] {
        return config_error(std::string(memory_limit_variable) + ": '" + std::string(text) +
                            "' is not a size (bytes, or a number with K, M or G)");
    };
    std::uint64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || p == text.data()) throw bad();
    int shift = 0;
    if (p != end) {
        if (p + 1 != end) throw bad();
        switch (*p) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        default:
            throw bad();
        }
    }
    if (value > (UINT64_MAX >> shift)) throw bad();
    return value << shift;
}

namespace detail {
/// The number in a file such as a cgroup's memory.max; nullopt for "max" or an unreadable file.
inline std::optional<std::uint64_t> number_in_file(const char* path) {
    std::ifstream f(path);
    std::string word;
    if (!(f >> word)) return std::nullopt;
    std::uint64_t value = 0;
    const auto [p, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc{} || p != word.data() + word.size()) return std::nullopt;
    return value;
}

/// MemAvailable of /proc/meminfo, in bytes.
inline std::optional<std::uint64_t> kernel_available() {
    std::ifstream f("/proc/meminfo");
    std::string key, unit;
    std::uint64_t kib = 0;
    while (f >> key >> kib) {
        std::getline(f, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return std::nullopt;
}
} // namespace detail

/// The least of: the memory the kernel reports available (MemAvailable), the room left under
/// this process's cgroup limit (v2 memory.max - memory.current, or v1's limit - usage), and
/// KEYCHROMA_MEMORY_LIMIT when set (config_error when it is not a size). nullopt when none of
/// them can be read (then nothing is refused).
[[nodiscard]] inline std::optional<std::uint64_t> available_memory() {
    std::optional<std::uint64_t> least;
    const auto consider = [&](std::optional<std::uint64_t> bytes) {
        if (bytes && (!least || *bytes < *least)) least = bytes;
    };
    consider(detail::kernel_available());
    const auto room = [](const char* limit, const char* usage) -> std::optional<std::uint64_t> {
        const auto l = detail::number_in_file(limit), u = detail::number_in_file(usage);
        if (!l || !u) return std::nullopt;
        return *l > *u ? *l - *u : 0;
    };
    consider(room("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"));
    consider(room("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                  "/sys/fs/cgroup/memory/memory.usage_in_bytes"));
    if (const char* text = std::getenv(memory_limit_variable); text && *text)
        consider(parse_memory_size(text));
    return least;
}

/// "1.5 GB", "300 MB", "16 KB": bytes for a message.
[[nodiscard]] inline std::string memory_text(std::uint64_t bytes) {
    char b[32];
    if (bytes >= (std::uint64_t{1} << 30))
        std::snprintf(b, sizeof b, "%.1f GB", static_cast<double>(bytes) / double(1 << 30));
    else if (bytes >= (std::uint64_t{1} << 20))
        std::snprintf(b, sizeof b, "%.0f MB", static_cast<double>(bytes) / double(1 << 20));
    else
        std::snprintf(b, sizeof b, "%.0f KB", static_cast<double>(bytes) / double(1 << 10));
    return b;
}

/// resource_error, before `need` bytes are allocated, when they are more than `available`:
/// "<what> need about <need> <purpose>, more than the <available> available[; <advice>]".
/// Nothing when `available` is unknown.
inline void require_memory(std::uint64_t need, std::optional<std::uint64_t> available,
                           const std::string& what, std::string_view purpose,
                           std::string_view advice = {}) {
    if (!available || need <= *available) return;
    std::string message = what + " need about " + memory_text(need) + " " + std::string(purpose) +
                          ", more than the " + memory_text(*available) + " available";
    if (!advice.empty()) message += "; " + std::string(advice);
    throw resource_error(message);
}

/// The same against the memory this process can still count on (available_memory()).
inline void require_memory(std::uint64_t need, const std::string& what, std::string_view purpose,
                           std::string_view advice = {}) {
    require_memory(need, available_memory(), what, purpose, advice);
}

} // namespace keychroma
