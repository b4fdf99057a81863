// libFuzzer target: image decoding through stb as the image-sequence reader does it (header
// probe, size limits, decode, size re-check) on any bytes, as PNG, JPEG, BMP and TGA files (the
// first input byte picks the extension; stb itself sniffs the format from the content). Every
// input decodes or throws a keychroma::error.

#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "keychroma/io/image_sequence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const char* const names[] = {"f.png", "f.jpg", "f.bmp", "f.tga"};
    const auto path = keychroma::fuzz::named_file(names[data[0] % 4], data + 1, size - 1);
    try {
        keychroma::io::image_sequence_reader reader(path);
        keychroma::rgb8_image frame;
        while (reader.next(frame)) {
        }
    } catch (const keychroma::error&) {
    }
    return 0;
}
