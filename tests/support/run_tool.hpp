#pragma once
// Runs the built `keychroma` tool (path in $KEYCHROMA_TOOL, set by ctest) and captures its exit
// code, stdout and stderr, so CLI behaviour is tested as a user sees it.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "files.hpp"
#include "temp_dir.hpp"

namespace keychroma::test {

struct tool_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs a shell command line with no input, capturing its exit code, stdout and stderr.
inline tool_result run_shell(const std::string& command) {
    temp_dir dir;
    const auto out = dir / "out.txt";
    const auto err = dir / "err.txt";
    const std::string cmd =
        command + " </dev/null >'" + out.string() + "' 2>'" + err.string() + "'";
    const int status = std::system(cmd.c_str());
    tool_result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

/// The built tool's path, quoted for the shell.
inline std::string tool_command() {
    const char* tool = std::getenv("KEYCHROMA_TOOL");
    if (!tool || !*tool) throw std::runtime_error("KEYCHROMA_TOOL is not set (run through ctest)");
    return std::string("'") + tool + "'";
}

/// Runs `keychroma ARGS` (ARGS already shell-quoted by the caller), after the shell commands in
/// `setup` (e.g. "ulimit -f 64;" to make writes fail like a full disk).
inline tool_result run_tool(const std::string& args, const std::string& setup = "") {
    return run_shell(setup + " " + tool_command() + " " + args);
}

inline std::string quote(const std::filesystem::path& p) {
    return "'" + p.string() + "'";
}

} // namespace keychroma::test
