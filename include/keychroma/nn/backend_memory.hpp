#pragma once
// What a backend holds for a network's forward passes besides the activations and the
// parameters, so that colorization can find room for it before the first frame
// (pipeline::batch_that_fits): workspaces that every layer shares, each grown once to the
// largest need of any layer and then reused, and what the backend keeps for one layer alone
// (the CPU backend's packed kernels). A backend counts a convolution into it with
// count_conv_forward (nn/backend.hpp); nn::network::inference_memory adds up its layers.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace keychroma::nn {

/// Bytes in `Workspaces` shared workspaces (the backend numbers them) and in kept per-layer
/// buffers.
template <std::size_t Workspaces>
struct forward_memory {
    std::array<std::uint64_t, Workspaces> shared{};
    std::uint64_t kept = 0;

    /// Workspace `index` must hold `bytes`: it is as large as the largest need.
    void need_shared(std::size_t index, std::uint64_t bytes) noexcept {
        shared[index] = std::max(shared[index], bytes);
    }
    /// A layer keeps `bytes` of its own.
    void keep(std::uint64_t bytes) noexcept { kept += bytes; }
    [[nodiscard]] std::uint64_t bytes() const noexcept {
        std::uint64_t total = kept;
        for (const std::uint64_t b : shared) total += b;
        return total;
    }
};

} // namespace keychroma::nn
