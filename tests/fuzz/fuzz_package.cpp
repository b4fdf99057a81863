// libFuzzer target: package verification and the receiver's manifest reader on any
// SHA256SUMS and manifest.json. The input is split at the first 0 byte: SHA256SUMS before it,
// manifest.json after. Every input verifies or throws a keychroma::error.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>

#include "fuzz_input_file.hpp"
#include "keychroma/pipeline/package.hpp"

namespace {
void write(const std::filesystem::path& p, const std::uint8_t* data, std::size_t size) {
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(data), std::streamsize(size));
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace pl = keychroma::pipeline;
    static const auto dir = [] {
        const auto d = keychroma::fuzz::scratch_dir() / "pkg";
        std::filesystem::create_directories(d);
        // the files a package's checksum list names (the fuzzed list may name others)
        std::ofstream(d / "gray.y4m")
            << "YUV4MPEG2 W2 H2 F25:1 Cmono XKEYCHROMA=LSTAR\nFRAME\nabcd";
        std::ofstream(d / "model.kcm") << "model";
        return d;
    }();
    const auto* cut = std::find(data, data + size, std::uint8_t{0});
    write(dir / "SHA256SUMS", data, std::size_t(cut - data));
    const std::size_t rest = cut == data + size ? 0 : std::size_t(data + size - cut - 1);
    write(dir / "manifest.json", cut == data + size ? cut : cut + 1, rest);
    try {
        (void)pl::verify_package(dir);
    } catch (const keychroma::error&) {
    }
    try {
        (void)pl::read_receiver_settings(dir / "manifest.json");
    } catch (const keychroma::error&) {
    }
    (void)pl::detail::replaceable_package_dir(dir);
    return 0;
}
