#pragma once
// How the CPU backend cuts a loop over n items (rows of a GEMM, Winograd tiles) into pieces for
// its threads.

#include <algorithm>
#include <cstddef>

namespace keychroma::nn::cpu {

/// The piece size that cuts n items into whole rounds of one piece per thread, no piece over
/// `most` items: the fewest rounds `most` allows, then pieces as equal as they can be. Pieces
/// of `most` items alone end on a short round in which threads sit idle.
[[nodiscard]] constexpr std::size_t even_split(std::size_t n, std::size_t most,
                                               std::size_t threads) noexcept {
    threads = std::max<std::size_t>(threads, 1);
    most = std::max<std::size_t>(most, 1);
    const std::size_t per_round = threads * most;
    const std::size_t rounds = std::max<std::size_t>((n + per_round - 1) / per_round, 1);
    return (n + rounds * threads - 1) / (rounds * threads);
}

} // namespace keychroma::nn::cpu
