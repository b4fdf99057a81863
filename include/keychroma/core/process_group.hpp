#pragma once
// process_group: the processes that run one job together -- the shared pass of keyframe
// extraction (keyframes/extractor.hpp: each rank makes the points of its own frames, a sum
// completes them), data-parallel training (nn/trainer.hpp: each rank takes its share of every
// batch, the gradients are summed, every rank applies the same update) and sharded colorization
// (pipeline/colorize.hpp: batches dealt round-robin, one rank writes). In core because both
// keyframes/ and nn/ use it, and neither includes the other. The library needs nothing but this
// interface: one process is single_process (the default everywhere), an MPI job is mpi::world
// (keychroma/mpi/world.hpp), so nothing outside keychroma/mpi/ includes <mpi.h> and everything
// builds without MPI.
//
// Every call but send/receive is collective: all ranks make it, in the same order. Sums give
// every rank the same bits (a rank that computed another rounding would drift away from the
// others' weights, silently).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

#include "keychroma/core/error.hpp"

namespace keychroma {

class process_group {
public:
    virtual ~process_group() = default;
    [[nodiscard]] virtual std::size_t rank() const noexcept = 0;
    [[nodiscard]] virtual std::size_t size() const noexcept = 0;
    /// Element-wise sum over the ranks, in place; the same result on every rank.
    virtual void sum(std::span<float> values) = 0;
    virtual void sum(std::span<double> values) = 0;
    /// Exact in any order (split-invariant training's gradient sums, nn/fixed_sum.hpp).
    virtual void sum(std::span<std::int64_t> values) = 0;
    /// The smallest of the ranks' values, on every rank.
    [[nodiscard]] virtual std::uint64_t minimum(std::uint64_t value) = 0;
    /// Point to point: `bytes` to rank `to`, which receives exactly as many from this rank.
    virtual void send(std::size_t to, std::span<const std::byte> bytes) = 0;
    virtual void receive(std::size_t from, std::span<std::byte> bytes) = 0;

    [[nodiscard]] bool is_root() const noexcept { return rank() == 0; }
    /// The sum of one value over the ranks.
    [[nodiscard]] double total(double value) {
        sum(std::span<double>(&value, 1));
        return value;
    }
    /// True on every rank when it is true on any.
    [[nodiscard]] bool any(bool value) { return total(value ? 1.0 : 0.0) > 0; }
    /// Returns on each rank once every rank has called it (e.g. to read a file rank 0 wrote).
    void wait_for_all() { (void)total(0.0); }
    /// Rank 0's `text` on every rank (collective): e.g. a path only rank 0 could choose.
    [[nodiscard]] std::string text_from_root(std::string text) {
        std::uint64_t length = text.size();
        for (std::size_t to = 1; is_root() && to < size(); ++to) {
            send(to, std::as_bytes(std::span(&length, 1)));
            send(to, std::as_bytes(std::span(text)));
        }
        if (!is_root()) {
            receive(0, std::as_writable_bytes(std::span(&length, 1)));
            text.assign(length, '\0');
            receive(0, std::as_writable_bytes(std::span(text)));
        }
        return text;
    }
};

/// One process: the whole of every batch, nothing to exchange.
class single_process final : public process_group {
public:
    [[nodiscard]] std::size_t rank() const noexcept override { return 0; }
    [[nodiscard]] std::size_t size() const noexcept override { return 1; }
    void sum(std::span<float>) override {}
    void sum(std::span<double>) override {}
    void sum(std::span<std::int64_t>) override {}
    [[nodiscard]] std::uint64_t minimum(std::uint64_t value) override { return value; }
    void send(std::size_t, std::span<const std::byte>) override { no_peer(); }
    void receive(std::size_t, std::span<std::byte>) override { no_peer(); }

private:
    [[noreturn]] static void no_peer() { throw config_error("one process has no peer to message"); }
};

/// The process group of a call that names none.
[[nodiscard]] inline process_group& this_process_only() {
    static single_process group;
    return group;
}

/// [begin, end) of rank `rank`'s share of `n` items among `ranks`: contiguous, in rank order,
/// sizes differing by at most one.
[[nodiscard]] inline std::pair<std::size_t, std::size_t> share_of(std::size_t n, std::size_t rank,
                                                                  std::size_t ranks) {
    return {n * rank / ranks, n * (rank + 1) / ranks};
}

} // namespace keychroma
