#pragma once
// The paper's network (design.md §1): twelve 3x3 "same" convolutions, ReLU after each but the
// last, tanh after the last, three nearest x2 upsamplings; L in, (a, b) out, both in [-1, 1].
// 3,892,194 parameters; input sides must be multiples of 8.

#include "keychroma/nn/activations.hpp"
#include "keychroma/nn/conv.hpp"
#include "keychroma/nn/input.hpp"
#include "keychroma/nn/sequential.hpp"
#include "keychroma/nn/upsample.hpp"

namespace keychroma::nn {

using paper_stack = sequential<input<1>,                //
                               conv<64, 3, 1>, relu,    //  1
                               conv<64, 3, 2>, relu,    //  2
                               conv<128, 3, 1>, relu,   //  3
                               conv<128, 3, 2>, relu,   //  4
                               conv<256, 3, 1>, relu,   //  5
                               conv<256, 3, 2>, relu,   //  6
                               conv<512, 3, 1>, relu,   //  7
                               conv<256, 3, 1>, relu,   //  8
                               conv<128, 3, 1>, relu,   //  9
                               upsample<2>,             //
                               conv<64, 3, 1>, relu,    // 10
                               upsample<2>,             //
                               conv<32, 3, 1>, relu,    // 11
                               conv<2, 3, 1>, tanh_act, // 12
                               upsample<2>>;

static_assert(paper_stack::in_channels == 1 && paper_stack::out_channels == 2);
static_assert(paper_stack::parameter_count == 3'892'194, "design.md §1: 3,892,194 parameters");
static_assert(paper_stack::input_multiple == 8 && paper_stack::upscale == 8);

} // namespace keychroma::nn
