// libFuzzer target: the keyframes list that `train/send --keyframes-from` read (a keychroma
// keyframes.json or a bare array) on any bytes. Every input gives frame numbers or throws a
// keychroma::error; nothing else escapes (no nlohmann exception, no out-of-range conversion).

#include <cstddef>
#include <cstdint>

#include "../../examples/keychroma/keyframes_json.hpp"
#include "fuzz_input_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const keychroma::fuzz::memory_file file(data, size);
    try {
        (void)keychroma::cli::read_keyframes_json(file.path().string());
    } catch (const keychroma::error&) {
    }
    return 0;
}
