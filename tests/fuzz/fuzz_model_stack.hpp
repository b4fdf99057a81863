#pragma once
// The small network whose model files fuzz_model.cpp loads and make_model_seeds.cpp writes:
// every kind of tensor a model holds (conv weights and biases, batch norm's four vectors).

#include "keychroma/nn.hpp"

namespace keychroma::fuzz {
namespace nn = keychroma::nn;
using small_stack = nn::sequential<nn::input<1>, nn::conv<4, 3, 1>, nn::relu, nn::conv<2, 3, 2>,
                                   nn::batch_norm, nn::tanh_act, nn::upsample<2>>;
using small_network = nn::network<small_stack, nn::cpu_backend>;
} // namespace keychroma::fuzz
