#pragma once
// One exception hierarchy for the whole library. Every message names the file (or option) and
// what was expected, so the CLI can print it as a single line and map the type to an exit code.

#include <stdexcept>
#include <string>

namespace keychroma {

/// Base of every error keychroma throws on purpose.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
    /// Process exit code the CLI uses for this kind of error (docs/cli.md).
    [[nodiscard]] virtual int exit_code() const noexcept { return 1; }
};

/// A file could not be opened, read, written or renamed (missing, permissions, full disk).
class io_error : public error {
public:
    using error::error;
    [[nodiscard]] int exit_code() const noexcept override { return 3; }
};

/// A file was read but its content is not what the format promises (bad magic, truncation,
/// unsupported colourspace, absurd sizes).
class format_error : public error {
public:
    using error::error;
    [[nodiscard]] int exit_code() const noexcept override { return 4; }
};

/// A model file is corrupt, truncated, of a newer version, or for another architecture.
class model_error : public error {
public:
    using error::error;
    [[nodiscard]] int exit_code() const noexcept override { return 5; }
};

/// An option or parameter value is invalid (bad size string, empty frame range, ...).
class config_error : public error {
public:
    using error::error;
    [[nodiscard]] int exit_code() const noexcept override { return 6; }
};

/// The input needs more memory than the machine (or KEYCHROMA_MEMORY_LIMIT) leaves available:
/// refused before it is allocated (core/memory.hpp).
class resource_error : public error {
public:
    using error::error;
    [[nodiscard]] int exit_code() const noexcept override { return 7; }
};

} // namespace keychroma
