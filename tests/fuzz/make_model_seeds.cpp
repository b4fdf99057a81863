// Writes the model seeds of fuzz_model (corpus/model/): a float32 model, a float16 model and a
// checkpoint of fuzz_model_stack.hpp's network, after two training steps so that every tensor
// (and the optimizer state) holds non-trivial values. Built and run by hand when the model
// format changes:
//   g++ -std=c++20 -O1 -mavx2 -mfma -fopenmp -Iinclude -Itests/fuzz -I/usr/include/stb \
//       tests/fuzz/make_model_seeds.cpp -lopenblas -o /tmp/seeds && /tmp/seeds
//       tests/fuzz/corpus/model

#include <filesystem>
#include <string>

#include "fuzz_model_stack.hpp"
#include "keychroma/nn/checkpoint.hpp"

int main(int argc, char** argv) {
    namespace nn = keychroma::nn;
    const std::filesystem::path dir = argc > 1 ? argv[1] : "corpus/model";
    std::filesystem::create_directories(dir);
    keychroma::fuzz::small_network net(7, nn::cpu_backend(nn::cpu_options{1}));
    nn::host_tensor x({2, 8, 8, 1}), t({2, 8, 8, 2});
    for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = float(i % 7) / 7 - 0.5f;
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = float(i % 5) / 10 - 0.2f;
    for (int step = 0; step < 2; ++step) (void)net.train_step(x, t, nn::adam{});
    nn::save(dir / "float32.kcm", net);
    nn::save(dir / "float16.kcm", net, nn::weight_format::float16);
    const unsigned char trainer_state[] = {1, 2, 3, 4};
    nn::save_checkpoint(dir / "checkpoint.kcm", net, trainer_state);
    return 0;
}
