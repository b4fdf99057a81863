// libFuzzer target: the Y4M reader (stream header, frame markers, frame payloads, skipping) on
// any bytes.
// Every input either decodes or throws a keychroma::error; memory stays within what the input
// holds (run with -rss_limit_mb, scripts/fuzz.sh), whatever size its header claims.

#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "keychroma/io/y4m.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const keychroma::fuzz::memory_file file(data, size);
    try {
        keychroma::io::y4m_reader reader(file.path());
        keychroma::rgb8_image frame;
        keychroma::plane8 plane;
        // take turns with the three ways past a frame (decode, raw plane, seek over its payload);
        // a few frames are enough to reach every state
        for (int i = 0; i < 9; ++i) {
            const bool more = i % 3 == 0   ? reader.next(frame)
                              : i % 3 == 1 ? reader.next_plane(plane)
                                           : reader.skip();
            if (!more) break;
        }
    } catch (const keychroma::error&) {
    }
    return 0;
}
