// Must NOT compile: expects<64> follows a conv that produces 128 channels. tests/CMakeLists.txt
// runs the compiler on this file and passes when it fails with the static_assert message.
#include "keychroma/nn/activations.hpp"
#include "keychroma/nn/conv.hpp"
#include "keychroma/nn/input.hpp"
#include "keychroma/nn/sequential.hpp"

namespace nn = keychroma::nn;
using mismatched =
    nn::sequential<nn::input<1>, nn::conv<128, 3, 1>, nn::relu, nn::expects<64>, nn::conv<2, 3, 1>>;
static_assert(mismatched::out_channels == 2);
int main() {}
