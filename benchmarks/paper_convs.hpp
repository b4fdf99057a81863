#pragma once
// The paper's twelve convolutions at a 256x256 input (design.md §1), shared by the CPU and
// Thrust backends' per-layer benchmarks so both measure exactly the same shapes.

#include <array>
#include <cstddef>

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

} // namespace keychroma::bench
