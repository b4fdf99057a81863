#pragma once
// The paper's twelve convolutions at a 256x256 input (design.md §1), shared by the CPU and
// Thrust backends' per-layer benchmarks so both measure exactly the same shapes.

#include <array>
#include <cstddef>

#include "keychroma/nn.hpp"

namespace keychroma::bench {

struct paper_conv {
    std::size_t side, in_c, out_c, stride;
};

inline constexpr std::array<paper_conv, 12> paper_convs{{{256, 1, 64, 1},
                                                         {256, 64, 64, 2},
                                                         {128, 64, 128, 1},
                                                         {128, 128, 128, 2},
                                                         {64, 128, 256, 1},
                                                         {64, 256, 256, 2},
                                                         {32, 256, 512, 1},
                                                         {32, 512, 256, 1},
                                                         {32, 256, 128, 1},
                                                         {64, 128, 64, 1},
                                                         {128, 64, 32, 1},
                                                         {128, 32, 2, 1}}};

/// Forward GFLOP of the paper's network per 256x256 frame (2 x multiply-adds).
inline constexpr double forward_gflop_256 = 15.19;

/// A batch of random network inputs (L in [-1, 1]) and targets (a,b in [-0.5, 0.5]) at
/// side x side, the same for every backend's benchmark (fixed seed).
struct paper_batch {
    nn::host_tensor input, target;
    paper_batch(std::size_t batch, std::size_t side)
        : input(std::array<std::size_t, 4>{batch, side, side, 1}),
          target(std::array<std::size_t, 4>{batch, side, side, 2}) {
        nn::splitmix64 rng(3);
        for (auto& v : input) v = float(rng.uniform01() * 2 - 1);
        for (auto& v : target) v = float(rng.uniform01() - 0.5);
    }
};

} // namespace keychroma::bench
