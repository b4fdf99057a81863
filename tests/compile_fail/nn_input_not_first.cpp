// Must NOT compile: a stack that does not start with input<C>.
#include "keychroma/nn/activations.hpp"
#include "keychroma/nn/conv.hpp"
#include "keychroma/nn/input.hpp"
#include "keychroma/nn/sequential.hpp"

namespace nn = keychroma::nn;
using headless = nn::sequential<nn::conv<8, 3, 1>, nn::relu>;
static_assert(headless::out_channels == 8);
int main() {}
