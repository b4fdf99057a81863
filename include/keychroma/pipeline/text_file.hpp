#pragma once
// Whole small text outputs (JSON summaries, CSV, Markdown reports) written atomically: the
// content goes to a temporary name and is renamed into place only when fully written.

#include <cstdio>
#include <filesystem>
#include <string_view>

#include "keychroma/core/atomic_file.hpp"
#include "keychroma/core/error.hpp"

namespace keychroma::pipeline {

inline void write_text_file(const std::filesystem::path& path, std::string_view text) {
    atomic_output out(path);
    std::FILE* f = std::fopen(out.temp_path().c_str(), "wb");
    if (!f) throw io_error(path.string() + ": cannot create");
    const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const bool closed = std::fclose(f) == 0;
    if (!wrote || !closed) throw io_error(path.string() + ": write failed (disk full?)");
    out.commit();
}

} // namespace keychroma::pipeline
