// libFuzzer target: the model loader (magic, version, kind, sizes, checksum, architecture
// signature, shapes, float32/float16 payload, settings, checkpoint section) on any bytes, for a
// small network type, and the readers of what the settings say (working size, fit, chroma
// upsampling and its numbers). Every input loads or throws a keychroma::error (model_error or
// io_error).

#include <cstddef>
#include <cstdint>

#include "fuzz_input_file.hpp"
#include "fuzz_model_stack.hpp"
#include "keychroma/pipeline/model_settings.hpp"

namespace nn = keychroma::nn;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static keychroma::fuzz::small_network net(1, nn::cpu_backend(nn::cpu_options{1}));
    const keychroma::fuzz::memory_file file(data, size);
    try {
        const nn::model_settings settings = nn::load(file.path(), net);
        (void)keychroma::pipeline::from_model_settings(settings, "fuzz");
        keychroma::pipeline::with_chroma_upsampler(settings, "fuzz", [](const auto&) {});
    } catch (const keychroma::error&) {
    }
    try {
        (void)nn::detail::read_model_file(file.path(), net, true); // as a checkpoint
    } catch (const keychroma::error&) {
    }
    return 0;
}
